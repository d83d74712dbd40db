import { DynamicModule, Module } from '@nestjs/common';
import { Subjects } from '@mcpspy/events';
import { Counters, PublishTracker, RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { HTTP_PUBLISHER, HttpSessionController } from './http-session.controller';
import { HttpSessionEngine } from './http-session.engine';

@Module({})
export class HttpSessionModule {
  static register(runtime: StageRuntime): DynamicModule {
    const publisher = new PublishTracker(runtime.bus, new Counters(), runtime.logger);
    return {
      module: HttpSessionModule,
      controllers: [HttpSessionController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: HTTP_PUBLISHER, useValue: publisher },
        {
          provide: HttpSessionEngine,
          useFactory: () =>
            new HttpSessionEngine({
              logger: runtime.logger.child({ stage: 'http-session' }),
              emit: (ev) => publisher.emit(Subjects.httpMessage, ev),
              notice: (n) => publisher.emit(Subjects.notice, n),
            }),
        },
      ],
    };
  }
}
