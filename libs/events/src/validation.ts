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
  return validatorFor(subject)(payload);
}

export type PayloadValidator = (payload: unknown) => ValidationResult;

/** Validators by subject (a stage uses a handful of subjects; bounded all the same). */
const validators = new Map<string, PayloadValidator>();
const MAX_VALIDATORS = 1024;

/**
 * validatePayload for one subject, with the subject's schema, DTO and
 * acceptor looked up once: a receiver of many events on one subject (the
 * events of a batch) validates each without the lookups, and a valid payload
 * gets one shared frozen answer instead of a new object.
 */
export function validatorFor(subject: string): PayloadValidator {
  let v = validators.get(subject);
  if (v) return v;
  v = makeValidator(subject);
  if (validators.size < MAX_VALIDATORS) validators.set(subject, v);
  return v;
}

function makeValidator(subject: string): PayloadValidator {
  const { schema, dto } = schemaForSubject(subject);
  const valid: ValidationResult = Object.freeze({ ok: true, schema, reasons: Object.freeze([]) as unknown as string[] });
  if (!dto) return () => valid;
  const accept = acceptorFor(dto);
  return (payload: unknown): ValidationResult => {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return { ok: false, schema, reasons: ['payload is not a JSON object'] };
    }
    // Nearly every payload is valid: the compiled acceptor confirms that cheaply; the rest get the full check and its reasons.
    if (accept?.(payload)) return valid;
    const instance = plainToInstance(dto, payload);
    const errors = validateSync(instance as object, { forbidUnknownValues: false });
    return errors.length === 0 ? valid : { ok: false, schema, reasons: flatten(errors) };
  };
}
