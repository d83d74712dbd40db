/**
 * The light part of the runtime: errors, configuration and log levels, with
 * no Nest, NATS, Redis or DTOs behind them. `mcpspy --help`, usage errors and
 * `version` load only this (tens of milliseconds instead of half a second).
 */
export { McpspyError } from '@mcpspy/events/errors';
export { BusConnectError, CloseError, ConfigError, StoreConnectError } from './errors';
export { configFromEnv, DEFAULT_HF_URL, DEFAULT_SECURITY_MODEL, defaultConfig, type McpspyConfig, parseBool, parseFloatRange, parseHostPort, parseIntStrict, parseList, parseOtlp, parseRingSize, parseSize, type StageName, STAGES, VIEW_STAGES } from './config';
export { LOG_LEVELS } from './logger';
export { authFromEnv, type NatsAuth, readSecretFile, redactUrl, type RedisAuth, secretFromEnv, splitUrlCredentials } from './secrets';
export { ensurePrivateDir, openOutputFile, type SafeOpenOptions, type SafeOpenResult, UnsafeFileError } from './safe-file';
