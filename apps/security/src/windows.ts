/**
 * Long texts are classified whole, in overlapping windows, rather than cut
 * at a fixed size: an instruction at the end of a 50 KB page counts too.
 * The overlap keeps a sentence that straddles a boundary inside one window.
 */
export interface TextWindow {
  start: number;
  end: number;
  text: string;
}

export function windowsOf(text: string, size = 2000, overlap = 200): TextWindow[] {
  if (text.length <= size) return [{ start: 0, end: text.length, text }];
  const out: TextWindow[] = [];
  const step = Math.max(1, size - overlap);
  for (let start = 0; start < text.length; start += step) {
    let end = Math.min(text.length, start + size);
    // End on whitespace when one is near, so words are not split.
    if (end < text.length) {
      const ws = text.lastIndexOf(' ', end);
      if (ws > start + size * 0.8) end = ws;
    }
    out.push({ start, end, text: text.slice(start, end) });
    if (end >= text.length) break;
  }
  return out;
}
