/**
 * The vocabulary of the TUI: a row of the table, a line of styled segments,
 * a key as ink reports it, the filters, modes and densities. Shared by the
 * state (tui-state.ts), the keys (tui-keys.ts) and the screens
 * (tui-screens.ts).
 */
import type { McpMessageEvent, NoticeEvent, SecurityAlertEvent } from '@mcpspy/events';
import type { Kind } from './message-view';

export type RowType = Kind | 'ALRT' | 'NOTE';

export interface Row {
  /** Arrival number; increases, so rows stay sorted by it. */
  seq: number;
  time: string;
  transport: string;
  type: RowType;
  /** Every text field below is already visible text (no control, bidi or zero-width character). */
  label: string;
  from: string;
  to: string;
  details: string;
  message?: McpMessageEvent;
  alert?: SecurityAlertEvent;
  notice?: NoticeEvent;
  /** Alerts that name this message (by msg_id). */
  alerts: SecurityAlertEvent[];
  /** Lower-cased text searched by `/`, built on first search. */
  haystack?: string;
}

export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
export type Line = Seg[];

/** Key as ink reports it; only the fields used here. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  backspace?: boolean;
  delete?: boolean;
  tab?: boolean;
}

export const TRANSPORTS = ['all', 'stdio', 'http'] as const;
export const TYPES = ['all', 'REQ', 'RESP', 'NOTF', 'ERR', 'ALRT', 'NOTE'] as const;
export const DENSITIES = ['normal', 'compact', 'wide'] as const;
export type Density = (typeof DENSITIES)[number];

export interface Filters {
  transport: (typeof TRANSPORTS)[number];
  type: (typeof TYPES)[number];
  /** Substring of the method/tool label. */
  method: string;
  /** Substring of comm or pid at either end. */
  process: string;
  alertsOnly: boolean;
  /** Substring anywhere in the message (raw text included). */
  search: string;
}

export type PromptField = 'method' | 'process' | 'search';
export type Mode = 'table' | 'detail' | 'prompt' | 'help';

export function emptyFilters(): Filters {
  return { transport: 'all', type: 'all', method: '', process: '', alertsOnly: false, search: '' };
}
