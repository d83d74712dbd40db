/**
 * The light part of the contracts: errors, configuration, subjects and log
 * levels, with no Nest, NATS or Redis behind them. `mcpspy --help`, usage
 * errors and `version` load only this (tens of milliseconds instead of half
 * a second for the whole library).
 */
export * from './errors';
export * from './config';
export * from './subjects';
export { LOG_LEVELS } from './logger';
