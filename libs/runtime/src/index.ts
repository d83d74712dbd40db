/**
 * @mcpspy/runtime — what the stages share to run: the Bus (in-process or
 * NATS JetStream) behind one Nest transport, the Store (memory or Redis),
 * bootstrap, configuration, counters, metrics and logging. The contracts that
 * flow over the Bus are `@mcpspy/events`; an outside consumer needs only that.
 */
import 'reflect-metadata';

// Configuration and errors.
export { configFromEnv, DEFAULT_HF_URL, DEFAULT_SECURITY_MODEL, defaultConfig, type McpspyConfig, parseBool, parseFloatRange, parseHostPort, parseIntStrict, parseList, parseOtlp, parseRingSize, parseSize, type StageName, STAGES, VIEW_STAGES } from './config';
export { BusConnectError, CloseError, ConfigError, StoreConnectError } from './errors';
export { authFromEnv, type NatsAuth, readSecretFile, redactUrl, type RedisAuth, secretFromEnv, splitUrlCredentials } from './secrets';
export { ensurePrivateDir, openOutputFile, type SafeOpenOptions, type SafeOpenResult, UnsafeFileError } from './safe-file';

// Logging, counters, metrics.
export { LOG_LEVELS, type Logger, silentLogger } from './logger';
export { Counters } from './counters';
export { type HealthCheck, Metrics, StallWatch } from './metrics';

// The Bus and its Nest transport.
export { type Bus, BUS, type BusContextInfo, type BusHandler, type BusSubscribeOptions, type BusSubscription } from './bus/bus';
export { InProcessBus } from './bus/in-process.bus';
export { NatsBus, type NatsBusOptions, natsSecurityOptions } from './bus/nats.bus';
export { JetStreamPublisher, JetStreamPublishError } from './bus/jetstream-publisher';
export { BusContext } from './bus/bus.context';
export { BusServer, type BusServerOptions } from './bus/bus.server';
export { PublishTracker } from './bus/publish-tracker';
export { SerialQueue } from './bus/serial-queue';

// The Store.
export { type Store, STORE, type StoreOptions } from './store/store';
export { MemoryStore } from './store/memory.store';
export { StringSlab } from './store/string-slab';
export { RedisStore, type RedisStoreOptions, redisSecurityOptions } from './store/redis.store';

// Stage bootstrap.
export { publishStageStats, RUNTIME, type StageRuntime } from './stage-runtime';
export { createRuntime, type RuntimeOptions, serverOptionsFor, ShutdownRequests, startStage, stopStages } from './bootstrap';
export { lowerPriority, securityNice, type LoweredPriority } from './priority';
export { runWarmUp, syntheticMcpMessages, warmBatchCodec, warmUpEnabled } from './warm-up';
export { TurnTrace, turnTrace } from './turn-trace';
