export { WebModule } from './web.module';
export { WebController } from './web.controller';
export { WebView, type WebViewOptions } from './web-view';
export { WebEngine, type WebEngineOptions, type WebListener, isFailure, targetName } from './web-engine';
export { WebServer, type WebServerOptions, CONTENT_SECURITY_POLICY, PUBLIC_DIR } from './web-server';
export { cookieName, hostAllowed, newToken, originAllowed, tokensEqual } from './web-auth';
export type * from './web-protocol';
export * from './errors';
