/**
 * What each key does, per mode: the table (move, filter, pause, density,
 * detail), the detail view (scroll, back), a prompt (type a filter), help.
 * Keys only change the state (tui-state.ts); the screens read it.
 */
import type { TuiState } from './tui-state';
import { DENSITIES, TRANSPORTS, TYPES, type KeyInfo } from './tui-types';

/** Applies one key (or a chunk of keys typed faster than the terminal is read). `quit` is q / Ctrl+C. */
export function applyKey(s: TuiState, input: string, k: KeyInfo, quit: () => void): void {
  if (k.ctrl && input === 'c') return quit();
  // Keys typed faster than the terminal is read arrive as one chunk; outside a prompt each is a command.
  if (s.mode !== 'prompt' && input.length > 1 && !k.ctrl && !k.meta) {
    for (const ch of input) applyKey(s, ch, {}, quit);
    return;
  }
  switch (s.mode) {
    case 'prompt':
      promptKey(s, input, k);
      break;
    case 'detail':
      detailKey(s, input, k);
      break;
    case 'help':
      s.mode = 'table';
      break;
    default:
      tableKey(s, input, k, quit);
  }
  s.changed();
}

function tableKey(s: TuiState, input: string, k: KeyInfo, quit: () => void): void {
  const page = Math.max(1, s.tableHeight() - 1);
  if (k.upArrow || input === 'k') return s.move(-1);
  if (k.downArrow || input === 'j') return s.move(1);
  if (k.pageUp) return s.move(-page);
  if (k.pageDown) return s.move(page);
  if (k.home || input === 'g') {
    s.follow = false;
    s.cursor = s.visible.length > 0 ? 0 : -1;
    return;
  }
  if (k.end || input === 'G' || input === 'f') {
    s.follow = true;
    s.cursor = s.visible.length - 1;
    return;
  }
  if (k.return) {
    const r = s.selected();
    if (r) {
      s.detail = r;
      s.detailTop = 0;
      s.mode = 'detail';
    }
    return;
  }
  switch (input) {
    case 'q':
      return quit();
    case '?':
      s.mode = 'help';
      return;
    case ' ':
      return s.togglePause();
    case 't':
      s.filters.transport = TRANSPORTS[(TRANSPORTS.indexOf(s.filters.transport) + 1) % TRANSPORTS.length];
      return s.refilter();
    case 'y':
      s.filters.type = TYPES[(TYPES.indexOf(s.filters.type) + 1) % TYPES.length];
      return s.refilter();
    case 'a':
      s.filters.alertsOnly = !s.filters.alertsOnly;
      return s.refilter();
    case 'c':
      return s.clearFilters();
    case 'd':
      s.density = DENSITIES[(DENSITIES.indexOf(s.density) + 1) % DENSITIES.length];
      return;
    case 'm':
      s.prompt = { field: 'method', text: s.filters.method };
      s.mode = 'prompt';
      return;
    case 'p':
      s.prompt = { field: 'process', text: s.filters.process };
      s.mode = 'prompt';
      return;
    case '/':
      s.prompt = { field: 'search', text: '' };
      s.mode = 'prompt';
      return;
  }
}

function promptKey(s: TuiState, input: string, k: KeyInfo): void {
  const p = s.prompt;
  if (!p) {
    s.mode = 'table';
    return;
  }
  if (k.escape) {
    s.prompt = undefined;
    s.mode = 'table';
    return;
  }
  if (k.return) {
    s.filters[p.field] = p.text.trim();
    s.prompt = undefined;
    s.mode = 'table';
    s.refilter();
    return;
  }
  if (k.backspace || k.delete) {
    p.text = p.text.slice(0, -1);
    return;
  }
  // eslint-disable-next-line no-control-regex
  if (!k.ctrl && input && !/[\u0000-\u001f\u007f-\u009f]/.test(input)) p.text += input;
}

function detailKey(s: TuiState, input: string, k: KeyInfo): void {
  if (k.escape || k.backspace || input === 'q' || k.leftArrow) {
    s.mode = 'table';
    s.detail = undefined;
    return;
  }
  const page = Math.max(1, s.height - 3);
  if (k.upArrow || input === 'k') s.detailTop = Math.max(0, s.detailTop - 1);
  else if (k.downArrow || input === 'j') s.detailTop++;
  else if (k.pageUp) s.detailTop = Math.max(0, s.detailTop - page);
  else if (k.pageDown || input === ' ') s.detailTop += page;
  else if (k.home || input === 'g') s.detailTop = 0;
}
