import { DynamicModule, Module } from '@nestjs/common';
import { Subjects } from '@mcpspy/events';
import { Counters, PublishTracker, RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { MCP_PUBLISHER, McpParserController } from './mcp-parser.controller';
import { McpParserEngine } from './mcp-parser.engine';

@Module({})
export class McpParserModule {
  static register(runtime: StageRuntime): DynamicModule {
    const publisher = new PublishTracker(runtime.bus, new Counters(), runtime.logger);
    return {
      module: McpParserModule,
      controllers: [McpParserController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: MCP_PUBLISHER, useValue: publisher },
        {
          provide: McpParserEngine,
          useFactory: () =>
            new McpParserEngine({
              store: runtime.store,
              logger: runtime.logger.child({ stage: 'mcp-parser' }),
              instance: runtime.config.instance === 'default' ? `${process.pid}` : runtime.config.instance,
              emit: (msg) => publisher.emit(Subjects.mcpMessage, msg),
              emitNotice: (notice) => publisher.emit(Subjects.notice, notice),
              // A replay feeds a whole capture at once: waits measured on the wall clock must not
              // depend on how loaded the machine is, and nothing is waiting for the lines anyway.
              ...(runtime.replay ? { readerWaitMs: 1000, twinWaitMs: 1000, answerWaitMs: 2000 } : {}),
            }),
        },
      ],
    };
  }
}
