/**
 * The web view as one unit: the engine and its HTTP server, started and
 * stopped together. The token comes from MCPSPY_WEB_TOKEN, or is made at
 * start and printed once on stderr with the address.
 */
import type { Logger } from '@mcpspy/runtime';
import { newToken } from './web-auth';
import { WebEngine } from './web-engine';
import { WebServer } from './web-server';

export interface WebViewOptions {
  host: string;
  port: number;
  maxMessages: number;
  token?: string;
  /** Extra Host names allowed besides IP addresses and localhost (MCPSPY_WEB_ALLOWED_HOSTS). */
  allowedHosts?: string[];
  logger?: Logger;
  /** Where the address line goes (stderr). */
  say?: (line: string) => void;
}

export class WebView {
  readonly engine: WebEngine;
  readonly server: WebServer;
  readonly token: string;

  constructor(private readonly o: WebViewOptions) {
    this.token = o.token || newToken();
    this.engine = new WebEngine({ maxMessages: o.maxMessages, logger: o.logger });
    this.server = new WebServer({ engine: this.engine, host: o.host, port: o.port, token: this.token, allowedHosts: o.allowedHosts, logger: o.logger });
  }

  async start(): Promise<void> {
    await this.server.listen();
    // The token is printed, never logged: log files outlive the terminal.
    (this.o.say ?? ((l: string) => process.stderr.write(`${l}\n`)))(`mcpspy: web view at ${this.server.url(true)}`);
    this.o.logger?.info({ url: this.server.url(false) }, 'web view listening');
  }

  async close(): Promise<void> {
    this.engine.close();
    await this.server.close();
  }
}
