/**
 * The detector contract: every detector sees the same prepared input (the
 * message, the method it is judged under, the texts extracted from it) and
 * returns findings; the engine merges findings into one verdict per category.
 */
import type { AlertCategory, AlertEvidence, McpMessageEvent } from '@mcpspy/events';

/** Where a text came from, which changes what an instruction inside it means. */
export type TextContext = 'argument' | 'result' | 'definition';

export interface TextUnit {
  /** JSON path of the field, with `#base64`/`#json`/... suffixes for decoded layers. */
  field: string;
  /** The decoded text that evidence offsets refer to. */
  text: string;
  context: TextContext;
  /** How the text was uncovered: plain, or the decoding that revealed it. */
  origin: 'plain' | 'json' | 'base64' | 'percent' | 'html' | 'escape' | 'unicode-tags';
}

export interface AnalysisInput {
  msg: McpMessageEvent;
  /** The method the message is judged under (a response takes its request's). */
  method: string;
  direction: 'request' | 'response' | 'notification';
  texts: TextUnit[];
}

/** What the text detectors (rules, secrets) read: the texts without the message they came from, so a worker thread can judge them. */
export type TextsInput = Pick<AnalysisInput, 'method' | 'direction' | 'texts'> & { msg?: McpMessageEvent };

export interface Finding {
  category: AlertCategory;
  /** 0..1, already combined within this detector. */
  score: number;
  detector: string;
  evidence: AlertEvidence[];
  summary: string;
  details?: Record<string, unknown>;
  /** Reported as an alert of its own rather than merged into its category (one per changed tool). */
  standalone?: boolean;
  /** Says "attack-like" without a kind: joins the strongest text category another detector found (verdict.ts). */
  floating?: boolean;
}

export interface Detector {
  readonly name: string;
  init?(): Promise<void>;
  detect(input: AnalysisInput): Finding[] | Promise<Finding[]>;
  close?(): Promise<void>;
}

export const EVIDENCE_MAX = 200;

export function clip(s: string, max = EVIDENCE_MAX): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
