export { McpParserEngine, MCP_PARSER_DEFAULTS } from './mcp-parser.engine';
export type { McpParserOptions } from './mcp-parser.engine';
export { parseJsonRpcText, classify } from './jsonrpc';
export type { ParsedMessage, ParseResult, Reject } from './jsonrpc';
export { NdjsonSplitter, ByteBudget } from './ndjson-splitter';
export { McpParserError, ParserStoreError, EmitError } from './errors';
export { McpParserModule } from './mcp-parser.module';
export { McpParserController } from './mcp-parser.controller';
export { warmUpMcpParser, warmUpBatches } from './warm-up';
