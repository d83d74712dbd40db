import { DynamicModule, Module } from '@nestjs/common';
import { RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { SinkController } from './sink.controller';
import type { SinkOutput } from './outputs/output';
import { SinkEngine } from './sink-engine';

@Module({})
export class SinkModule {
  /** `outputs`: more outputs beside the ones the config asks for (a web view, an exporter), composed by apps/cli. */
  static register(runtime: StageRuntime, outputs: SinkOutput[] = []): DynamicModule {
    const c = runtime.config;
    return {
      module: SinkModule,
      controllers: [SinkController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        {
          provide: SinkEngine,
          useFactory: () => {
            const engine = new SinkEngine({
              logger: runtime.logger.child({ stage: 'sink' }),
              output: c.output,
              outputMaxSize: c.outputMaxSize,
              outputForce: c.outputForce,
              // Distributed sinks resume from JetStream after a restart: keep what they wrote.
              append: !runtime.embedded && !runtime.replay,
              // Embedded, a probe batch is handled in one turn of the event loop, start to finish: its lines are written
              // at the end of that turn instead of waiting up to 25 ms for the next batch to fill 64 KB (p99 at high rates).
              outputFlushMs: runtime.embedded && !runtime.replay ? 0 : undefined,
              console: c.console,
              tui: c.tui,
              holdForVerdict: c.security && !c.securityAsync,
              onQuit: () => runtime.requestShutdown('quit from the TUI', 0),
              outputs,
            });
            // Distributed: lines reach the file before the acks of their messages leave.
            runtime.bus.beforeAck?.(() => engine.flushOutput());
            return engine;
          },
        },
      ],
    };
  }
}
