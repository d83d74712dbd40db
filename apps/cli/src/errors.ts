/** Errors of the mcpspy command. Usage errors exit with code 2. */
import { McpspyError } from '@mcpspy/runtime/core';

export class UsageError extends McpspyError {}

/** The command cannot run here as asked (privileges, kernel support); exit code 1. */
export class EnvironmentError extends McpspyError {}
