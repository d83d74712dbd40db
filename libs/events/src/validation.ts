import 'reflect-metadata';
/**
 * Validation at service boundaries. A payload that fails is reported with its
 * schema id and reasons; callers count it, log it once and skip it.
 */
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { HttpMessageDto, SCHEMA_HTTP_MESSAGE } from './http.events';
import { McpMessageDto, SCHEMA_MCP_MESSAGE } from './mcp.events';
import { ProcEventDto, SCHEMA_PROC_EVENT } from './proc.events';
import { SCHEMA_SECURITY_ALERT, SCHEMA_SECURITY_VERDICT, SecurityAlertDto, SecurityVerdictDto } from './security.events';
import { ProbeStatsDto, SCHEMA_PROBE_STATS, SCHEMA_STAGE_STATS, StageStatsDto } from './stats.events';
import { acceptorFor } from './fast-validation';
import { isBinarySubject, Subjects } from './subjects';
import { SCHEMA_RAW_BATCH } from './raw.events';
import { NoticeDto, SCHEMA_NOTICE } from './notice.events';

type DtoClass = new () => object;

interface SchemaEntry {
  schema: string;
  dto?: DtoClass;
}

/** Schema id and DTO of the payload carried on a subject. */
export function schemaForSubject(subject: string): SchemaEntry {
  if (isBinarySubject(subject)) return { schema: SCHEMA_RAW_BATCH };
  if (subject === Subjects.rawProc) return { schema: SCHEMA_PROC_EVENT, dto: ProcEventDto };
  if (subject === Subjects.httpMessage) return { schema: SCHEMA_HTTP_MESSAGE, dto: HttpMessageDto };
  if (subject === Subjects.mcpMessage) return { schema: SCHEMA_MCP_MESSAGE, dto: McpMessageDto };
  if (subject === Subjects.securityAlert) return { schema: SCHEMA_SECURITY_ALERT, dto: SecurityAlertDto };
  if (subject === Subjects.securityVerdict) return { schema: SCHEMA_SECURITY_VERDICT, dto: SecurityVerdictDto };
  if (subject === Subjects.probeStats) return { schema: SCHEMA_PROBE_STATS, dto: ProbeStatsDto };
  if (subject === Subjects.notice) return { schema: SCHEMA_NOTICE, dto: NoticeDto };
  if (subject.startsWith(Subjects.stageStats)) return { schema: SCHEMA_STAGE_STATS, dto: StageStatsDto };
  return { schema: 'unknown' };
}

export interface ValidationResult {
  ok: boolean;
  schema: string;
  reasons: string[];
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) for (const msg of Object.values(e.constraints)) out.push(`${path}: ${msg}`);
    if (e.children?.length) out.push(...flatten(e.children, path));
  }
  return out;
}

/** Validates a decoded JSON payload against the DTO of its subject. */
export function validatePayload(subject: string, payload: unknown): ValidationResult {
  const { schema, dto } = schemaForSubject(subject);
  if (!dto) return { ok: true, schema, reasons: [] };
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return { ok: false, schema, reasons: ['payload is not a JSON object'] };
  }
  // Nearly every payload is valid: the compiled acceptor confirms that cheaply; the rest get the full check and its reasons.
  if (acceptorFor(dto)?.(payload)) return { ok: true, schema, reasons: [] };
  const instance = plainToInstance(dto, payload);
  const errors = validateSync(instance as object, { forbidUnknownValues: false });
  return { ok: errors.length === 0, schema, reasons: flatten(errors) };
}
