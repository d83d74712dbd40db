/**
 * The web view's HTTP server (node:http, no framework): the bundled page and
 * its assets, a JSON snapshot and the live event stream (Server-Sent Events).
 * Every response carries a Content-Security-Policy without inline script, and
 * every route answers 401 without the token (see web-auth.ts).
 */
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@mcpspy/runtime';
import { WebListenError } from './errors';
import { cookieName, hostAllowed, originAllowed, requestToken, tokensEqual } from './web-auth';
import type { WebEngine } from './web-engine';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** The bundle built by apps/web/build.mjs. */
export const PUBLIC_DIR = join(__dirname, '..', 'public');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

export interface WebServerOptions {
  engine: WebEngine;
  host: string;
  port: number;
  token: string;
  /** Host names besides IP addresses and localhost that may appear in the Host header. */
  allowedHosts?: string[];
  /** Event streams served at once; more get 503. */
  maxStreams?: number;
  /** A stream whose unsent data passes this many bytes is closed (the browser reconnects and gets a snapshot). */
  maxStreamBacklog?: number;
  publicDir?: string;
  logger?: Logger;
}

export class WebServer {
  private server?: Server;
  private readonly streams = new Set<ServerResponse>();
  private readonly assets = new Map<string, Buffer>();
  private heartbeat?: NodeJS.Timeout;
  /** The port listened on (the real one when 0 was asked). */
  port = 0;

  constructor(private readonly o: WebServerOptions) {}

  async listen(): Promise<number> {
    const dir = this.o.publicDir ?? PUBLIC_DIR;
    for (const { file } of Object.values(ASSETS)) {
      try {
        this.assets.set(file, readFileSync(join(dir, file)));
      } catch (err) {
        throw new WebListenError(`${this.o.host}:${this.o.port}`, `the page is not built (${join(dir, file)}); run scripts/setup.sh`, err);
      }
    }
    const server = createServer((req, res) => this.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new WebListenError(`${this.o.host}:${this.o.port}`, (err as Error).message, err)));
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.heartbeat = setInterval(() => {
      for (const res of this.streams) res.write(': keep-alive\n\n');
    }, 15_000);
    this.heartbeat.unref();
    return this.port;
  }

  /** The address a person opens, with the token. */
  url(withToken = true): string {
    const host = this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
    return `http://${host}:${this.port}/${withToken ? `?token=${encodeURIComponent(this.o.token)}` : ''}`;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const counters = this.o.engine.counters;
    const host = req.headers.host;
    if (!hostAllowed(host, this.port, this.o.allowedHosts)) {
      counters.inc('http_bad_host');
      return this.text(res, 403, 'forbidden: the Host header does not name this server\n');
    }
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const site = typeof req.headers['sec-fetch-site'] === 'string' ? req.headers['sec-fetch-site'] : undefined;
    if (!originAllowed(origin, site, host!)) {
      counters.inc('http_cross_origin');
      return this.text(res, 403, 'forbidden: cross-origin request\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.text(res, 405, 'method not allowed\n');
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const queryToken = url.searchParams.get('token');
    if (url.pathname === '/' && queryToken !== null) {
      if (!tokensEqual(queryToken, this.o.token)) {
        counters.inc('http_unauthorized');
        return this.text(res, 401, 'unauthorized: wrong token\n');
      }
      // The token leaves the address bar (and the history) for an HttpOnly cookie only this origin sends.
      res.setHeader('Set-Cookie', `${cookieName(this.port)}=${this.o.token}; HttpOnly; SameSite=Strict; Path=/`);
      res.setHeader('Location', '/');
      return this.text(res, 303, 'see /\n');
    }
    if (!tokensEqual(requestToken(req.headers, this.port), this.o.token)) {
      counters.inc('http_unauthorized');
      res.setHeader('WWW-Authenticate', 'Bearer realm="mcpspy"');
      return this.text(res, 401, 'unauthorized: open the address with ?token=… printed by mcpspy at start\n');
    }
    const asset = ASSETS[url.pathname];
    if (asset) {
      res.writeHead(200, { 'Content-Type': asset.type });
      res.end(req.method === 'HEAD' ? undefined : this.assets.get(asset.file));
      return;
    }
    if (req.method === 'HEAD' && url.pathname.startsWith('/api/')) {
      res.writeHead(200);
      return void res.end();
    }
    if (url.pathname === '/api/snapshot') return this.json(res, this.o.engine.snapshot());
    if (url.pathname === '/api/stream') return this.stream(req, res);
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      return void res.end();
    }
    return this.text(res, 404, 'not found\n');
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= (this.o.maxStreams ?? 16)) {
      this.o.engine.counters.inc('streams_refused');
      return this.text(res, 503, 'too many open views\n');
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    // The snapshot may be large (the whole bound): the limit on what waits to be sent counts on top of it.
    let limit = this.o.maxStreamBacklog ?? 32 * 1024 * 1024;
    const send = (event: string, data: unknown) => {
      if (res.destroyed) return;
      // JSON.stringify escapes CR and LF, so the data is one SSE line.
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (res.writableLength > limit) {
        this.o.engine.counters.inc('streams_dropped_slow');
        res.destroy();
      }
    };
    const snapshot = `event: snapshot\ndata: ${JSON.stringify(this.o.engine.snapshot())}\n\n`;
    limit += Buffer.byteLength(snapshot);
    res.write(snapshot);
    const unsubscribe = this.o.engine.subscribe(send);
    this.streams.add(res);
    const done = () => {
      unsubscribe();
      this.streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private text(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(body);
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const res of this.streams) res.destroy();
    this.streams.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
