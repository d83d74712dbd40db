import { DynamicModule, Module } from '@nestjs/common';
import { Subjects } from '@mcpspy/events';
import { Counters, PublishTracker, RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { SECURITY_PUBLISHER, SecurityController } from './security.controller';
import { SecurityEngine } from './engine';

@Module({})
export class SecurityModule {
  static register(runtime: StageRuntime): DynamicModule {
    const c = runtime.config;
    const publisher = new PublishTracker(runtime.bus, new Counters(), runtime.logger);
    return {
      module: SecurityModule,
      controllers: [SecurityController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: SECURITY_PUBLISHER, useValue: publisher },
        {
          provide: SecurityEngine,
          useFactory: () =>
            new SecurityEngine({
              store: runtime.store,
              logger: runtime.logger.child({ stage: 'security' }),
              threshold: c.securityThreshold,
              hfToken: c.hfToken,
              hfUrl: c.hfUrl,
              model: c.securityModel,
              modelPath: c.securityModelPath,
              modelThreads: c.securityModelThreads,
              encoder: c.securityEncoder,
              encoderRate: c.securityEncoderRate,
              offlineBudgetMs: c.securityBudgetMs,
              cacheEntries: c.securityCacheEntries,
              cacheMb: c.securityCacheMb,
              notify: (n) => publisher.emit(Subjects.notice, n),
            }),
        },
      ],
    };
  }
}
