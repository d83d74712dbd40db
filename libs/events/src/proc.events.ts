import 'reflect-metadata';
/** Process lifecycle events: `mcpspy.v1.raw.proc`. */
import { IsIn, IsInt, IsOptional, IsString, Min } from 'class-validator';
import { Subjects } from './subjects';

export const SCHEMA_PROC_EVENT = 'mcpspy.proc.v1.event' as const;
export const PROC_SUBJECT = Subjects.rawProc;

export interface ProcEvent {
  /** exec: a new program image; exit: the process ended; comm: its name changed. */
  kind: 'exec' | 'exit' | 'comm';
  pid: number;
  ppid?: number;
  comm: string;
  /** Executable path (exec only). */
  filename?: string;
  /** RFC 3339 time. */
  timestamp: string;
}

export class ProcEventDto implements ProcEvent {
  @IsIn(['exec', 'exit', 'comm']) kind!: 'exec' | 'exit' | 'comm';
  @IsInt() @Min(0) pid!: number;
  @IsOptional() @IsInt() @Min(0) ppid?: number;
  @IsString() comm!: string;
  @IsOptional() @IsString() filename?: string;
  @IsString() timestamp!: string;
}
