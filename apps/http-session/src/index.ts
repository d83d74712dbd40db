/** http-session: HTTP/1.x messages and Server-Sent Events rebuilt from raw TLS and socket chunks. */
export { HttpSessionEngine, HTTP_SESSION_DEFAULTS } from './http-session.engine';
export type { HttpSessionOptions } from './http-session.engine';
export { HttpSessionError, HttpFramingError, BodyDecodeError } from './errors';
export { SseDecoder } from './sse-decoder';
export type { SseEvent } from './sse-decoder';
export { HttpSessionModule } from './http-session.module';
export { HttpSessionController } from './http-session.controller';
