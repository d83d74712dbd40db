import { DynamicModule, Module } from '@nestjs/common';
import { parseList, RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { WebController } from './web.controller';
import { WebView } from './web-view';

@Module({})
export class WebModule {
  static register(runtime: StageRuntime): DynamicModule {
    const c = runtime.config;
    return {
      module: WebModule,
      controllers: [WebController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        {
          provide: WebView,
          useFactory: () =>
            new WebView({
              host: c.web?.host ?? '127.0.0.1',
              port: c.web?.port ?? 0,
              maxMessages: c.webMaxMessages,
              token: c.webToken,
              allowedHosts: parseList(process.env.MCPSPY_WEB_ALLOWED_HOSTS ?? ''),
              logger: runtime.logger.child({ stage: 'web' }),
            }),
        },
      ],
    };
  }
}
