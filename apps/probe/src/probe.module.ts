import { DynamicModule, Module } from '@nestjs/common';
import { RUNTIME, StageRuntime } from '@mcpspy/runtime';
import { ProbeService } from './probe.service';

@Module({})
export class ProbeModule {
  static register(runtime: StageRuntime): DynamicModule {
    return { module: ProbeModule, providers: [{ provide: RUNTIME, useValue: runtime }, ProbeService] };
  }
}
