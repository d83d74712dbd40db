/** Starts and stops the ink TUI over a TuiModel. */
import * as React from 'react';
import { TuiStartError } from './errors';
import type { TuiModel } from './tui-model';
import { createTuiApp } from './tui-view';

export interface TuiHandle {
  close(): void;
}

export interface TuiStartOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  fps?: number;
}

/**
 * ink decides once, when its module loads, whether it runs "in CI" (a CI or
 * CONTINUOUS_INTEGRATION variable): if so it draws nothing until exit. The TUI
 * only starts on a terminal a person is watching, so those variables must not
 * blank it; they are hidden while ink loads and put back right after.
 */
async function importInkForTerminal() {
  const hidden: Record<string, string> = {};
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) {
    const value = process.env[key];
    if (value === undefined) continue;
    hidden[key] = value;
    delete process.env[key];
  }
  try {
    // A real dynamic import: TypeScript keeps import() under module node16, and ink is ESM-only.
    return await import('ink');
  } finally {
    Object.assign(process.env, hidden);
  }
}

export async function startTui(model: TuiModel, opts: TuiStartOptions = {}): Promise<TuiHandle> {
  try {
    const ink = await importInkForTerminal();
    const App = createTuiApp(ink);
    const instance = ink.render(React.createElement(App, { model, fps: opts.fps }), {
      stdout: opts.stdout ?? process.stdout,
      stdin: opts.stdin ?? process.stdin,
      // q and Ctrl+C go through the model, which calls onQuit: shutdown must flush the JSONL first.
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: opts.fps ?? 10,
    });
    let closed = false;
    return {
      close() {
        if (closed) return;
        closed = true;
        instance.unmount();
        instance.cleanup();
      },
    };
  } catch (err) {
    throw new TuiStartError(err);
  }
}
