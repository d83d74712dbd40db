/**
 * @mcpspy/events — the contracts of mcpspy, and nothing else: what flows on
 * which subject, how it is validated, how raw batches are encoded, and the one
 * table of MCP methods. An outside consumer of the subjects imports only this
 * package; it pulls in class-validator for the DTOs and no Nest, NATS, Redis
 * or logger. The runtime the stages share is `@mcpspy/runtime`.
 */
import 'reflect-metadata';

// Subjects and partitions.
export { allPartitions, DURABLE_SUBJECTS, isBinarySubject, JETSTREAM_STREAM, LEGACY_RAW_IO, partitionOf, RAW_ROUTES, type RawRoute, rawSubject, SUBJECT_PREFIX, subjectMatches, type SubjectName, Subjects } from './subjects';

// Batches of JSON events of one subject in one NATS message.
export { BATCH_SUBJECT_PREFIX, BATCHED_SUBJECTS, BatchEncoder, type BatchLine, batchLineText, batchSubjectOf, type DecodedBatch, decodeBatchBytes, decodeBatchText, encodeBatchText, isBatchedSubject, subjectOfBatch } from './batch-envelope';

// Errors every mcpspy error extends.
export { McpspyError, RawCodecError, ValidationFailedError } from './errors';

// Raw batches: the probe's binary records and their codec.
export { Direction, type DirectionCode, FdType, type FdTypeCode, isHttpCandidate, isStdioEvent, rawRouteOf, KERNEL_STAT_SLOTS, KernelStat, kernelTimeToIso, type RawBatch, type RawEvent, RawEventLayout, RawFlags, RawKind, type RawKindCode, SCHEMA_RAW_BATCH, streamKeyOf, TLS_LIBRARIES, TLS_LIBRARY_SHIFT, tlsLibraryOf, type TlsLibraryName, UnseenWhat, type UnseenWhatCode } from './raw.events';
export { BATCH_HEADER_SIZE, BATCH_MAGIC, BATCH_VERSION, type BatchMeta, decodeRawBatch, decodeRawBatchOrCount, decodeRawRecord, MAX_RECORD_DATA, RawBatchWriter, rawKindName, writeBatchHeader } from './raw-codec';
export { BatchSequenceTracker, userGapEvent } from './batch-sequence';
export { ChunkContinuity, type ChunkPosition } from './chunk-continuity';

// Event families (JSON subjects): type, DTO, schema id.
export { PROC_SUBJECT, type ProcEvent, ProcEventDto, SCHEMA_PROC_EVENT } from './proc.events';
export { HTTP_SUBJECT, HttpMessageDto, type HttpMessageEvent, SCHEMA_HTTP_MESSAGE } from './http.events';
export { HttpTransportDto, type HttpTransportInfo, type JsonRpcError, MCP_SUBJECT, McpMessageDto, type McpMessageEvent, McpMessageType, type McpMessageTypeName, type PairedRequest, SCHEMA_MCP_MESSAGE, StdioTransportDto, type StdioTransportInfo } from './mcp.events';
export { ALERT_SUBJECT, AlertCategories, type AlertCategory, type AlertEvidence, AlertEvidenceDto, type AlertSubject, type RiskLevel, riskLevelOf, RiskLevels, SCHEMA_SECURITY_ALERT, SCHEMA_SECURITY_VERDICT, SecurityAlertDto, type SecurityAlertEvent, SecurityVerdictDto, type SecurityVerdictEvent } from './security.events';
export { PROBE_STATS_SUBJECT, ProbeStatsDto, type ProbeStatsEvent, SCHEMA_PROBE_STATS, SCHEMA_STAGE_STATS, StageStatsDto, type StageStatsEvent } from './stats.events';
export { NOTICE_REASONS, NOTICE_SUBJECT, NoticeDto, type NoticeEvent, type NoticeReason, SCHEMA_NOTICE } from './notice.events';

// Validation at service boundaries.
export { type PayloadValidator, schemaForSubject, validatePayload, validatorFor, type ValidationResult } from './validation';

// The one MCP method table.
export { describeMethod, describeResultType, inferResultMethod, isKnownMethod, type JudgedAs, judgedMethod, KNOWN_METHODS, MCP_METHODS, MCP_RESULT_TYPES, MCP_REVISIONS, MCP_TASKS_EXTENSION, type McpDirection, type McpMethodFamily, type McpMethodInfo, type McpResultType, type McpRevision, type McpSecurityScope, methodInfo, methodInRevision, methodsJudged, resultTypeOf } from './mcp-methods';

// Text from traffic, made safe for people to read.
export { hasInvisible, safeJsonText, visibleBytes, visibleText } from './display-text';

// The JSON text of a message's objects, stringified once per process.
export { bodyOnceJsonText, expandWireBody, KNOWN_WIRE_FORMS, WIRE_FORM_BODY_ONCE, WIRE_FORM_FULL, type WireBodyRef, wireLineText } from './wire-form';
export { capturedBytesOf, eventJsonText, heldJsonText, holdCapturedBytes, holdJsonText, jsonTextOf, releaseCapturedBytes } from './json-text';
