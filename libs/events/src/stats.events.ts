import 'reflect-metadata';
/** Counters: `mcpspy.v1.probe.stats` and `mcpspy.v1.stage.stats.<stage>`. */
import { IsIn, IsInt, IsObject, IsOptional, IsString, Min } from 'class-validator';
import { Subjects } from './subjects';

export const SCHEMA_PROBE_STATS = 'mcpspy.stats.v1.probe' as const;
export const SCHEMA_STAGE_STATS = 'mcpspy.stats.v1.stage' as const;
export const PROBE_STATS_SUBJECT = Subjects.probeStats;

export interface ProbeStatsEvent {
  timestamp: string;
  /** Totals since the probe started. */
  events: number;
  bytes: number;
  /** Kernel ring buffer had no room: records not emitted. */
  ringbuf_full: number;
  /** bpf_probe_read_user failures. */
  read_faults: number;
  /** Calls with at least one chunk lost, and the data bytes lost. */
  gaps: number;
  lost_bytes: number;
  /** Calls rejected by the kernel prefilters (not MCP-looking). */
  filtered: number;
  /** Batches dropped in user space because the Bus was backed up. */
  batches_dropped: number;
  /** Uprobe attachments currently live (TLS libraries and binaries). */
  tls_targets: number;
  /** Which kernel hooks capture syscall data: fexit programs, or the syscall tracepoints (fallback). */
  hook_backend?: 'fexit' | 'tracepoints';
  /** 1 when hook_backend is fexit (a number, for /metrics). */
  hook_fexit?: number;
}

export class ProbeStatsDto implements ProbeStatsEvent {
  @IsString() timestamp!: string;
  @IsInt() @Min(0) events!: number;
  @IsInt() @Min(0) bytes!: number;
  @IsInt() @Min(0) ringbuf_full!: number;
  @IsInt() @Min(0) read_faults!: number;
  @IsInt() @Min(0) gaps!: number;
  @IsInt() @Min(0) lost_bytes!: number;
  @IsInt() @Min(0) filtered!: number;
  @IsInt() @Min(0) batches_dropped!: number;
  @IsInt() @Min(0) tls_targets!: number;
  @IsOptional() @IsIn(['fexit', 'tracepoints']) hook_backend?: 'fexit' | 'tracepoints';
  @IsOptional() @IsInt() @Min(0) hook_fexit?: number;
}

export interface StageStatsEvent {
  timestamp: string;
  stage: string;
  /** Process instance name (MCPSPY_INSTANCE), when several run. */
  instance?: string;
  /** Free-form counters, by name (messages_in, messages_out, invalid, dropped, ...). */
  counters: Record<string, number>;
}

export class StageStatsDto implements StageStatsEvent {
  @IsString() timestamp!: string;
  @IsString() stage!: string;
  @IsObject() counters!: Record<string, number>;
  @IsOptional() @IsString() instance?: string;
}
