import 'reflect-metadata';
/** Security alerts: `mcpspy.v1.security.alert`, produced by the security stage. */
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsNumber, IsObject, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { Subjects } from './subjects';

export const SCHEMA_SECURITY_ALERT = 'mcpspy.security.v1.alert' as const;
export const ALERT_SUBJECT = Subjects.securityAlert;

export const RiskLevels = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RiskLevels)[number];

export const AlertCategories = [
  'prompt_injection',
  'jailbreak',
  'tool_poisoning',
  'rug_pull',
  'data_leak',
  'exfiltration',
] as const;
export type AlertCategory = (typeof AlertCategories)[number];

/** Score → level: low ≥ 0.3, medium ≥ 0.5, high ≥ 0.7, critical ≥ 0.9. */
export function riskLevelOf(score: number): RiskLevel | undefined {
  if (score >= 0.9) return 'critical';
  if (score >= 0.7) return 'high';
  if (score >= 0.5) return 'medium';
  if (score >= 0.3) return 'low';
  return undefined;
}

export interface AlertEvidence {
  /** The matched text (shortened to at most 200 characters). */
  text: string;
  /** Where it was found: a JSON path such as params.arguments.query. */
  field: string;
  /** Character offsets of the match inside that field's decoded text. */
  start: number;
  end: number;
  /** Rule or label that matched. */
  rule: string;
}

/** The MCP message an alert concerns. */
export interface AlertSubject {
  /** msg_id of the MCP message. */
  msg_id?: string;
  id?: string | number | null;
  method?: string;
  type: string;
  transport_type: string;
  session?: string;
  pid?: number;
  comm?: string;
  timestamp: string;
}

export interface SecurityAlertEvent {
  /** Always "security_alert": alerts share the JSONL file with messages. */
  type: 'security_alert';
  timestamp: string;
  risk: RiskLevel;
  category: AlertCategory;
  /** 0..1 */
  score: number;
  /** Detector that decided: rules, secrets, rug_pull, hf_api, onnx, or combined. */
  detector: string;
  /** One-line human summary. */
  summary: string;
  evidence: AlertEvidence[];
  message: AlertSubject;
  /** For rug pulls: what changed in the tool definition. */
  details?: Record<string, unknown>;
}

export class AlertEvidenceDto implements AlertEvidence {
  @IsString() text!: string;
  @IsString() field!: string;
  @IsNumber() start!: number;
  @IsNumber() end!: number;
  @IsString() rule!: string;
}

/**
 * With --security-async=false the security stage publishes one verdict per
 * analysed message on `mcpspy.v1.security.verdict`, and the sink holds the
 * message until its verdict arrives (or a timeout passes).
 */
export const SCHEMA_SECURITY_VERDICT = 'mcpspy.security.v1.verdict' as const;

export interface SecurityVerdictEvent {
  msg_id: string;
  alerts: number;
  timestamp: string;
}

export class SecurityVerdictDto implements SecurityVerdictEvent {
  @IsString() msg_id!: string;
  @IsNumber() alerts!: number;
  @IsString() timestamp!: string;
}

export class SecurityAlertDto implements SecurityAlertEvent {
  @IsIn(['security_alert']) type!: 'security_alert';
  @IsString() timestamp!: string;
  @IsIn(RiskLevels as unknown as string[]) risk!: RiskLevel;
  @IsIn(AlertCategories as unknown as string[]) category!: AlertCategory;
  @IsNumber() @Min(0) @Max(1) score!: number;
  @IsString() detector!: string;
  @IsString() summary!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => AlertEvidenceDto) evidence!: AlertEvidenceDto[];
  @IsObject() message!: AlertSubject;
  @IsOptional() @IsObject() details?: Record<string, unknown>;
}
