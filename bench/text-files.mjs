// The text files under a folder, sorted, recursively (documentation, mail, source and extension-less files under 2 MB):
// the benign pools of the security benches. A folder that cannot be read yields nothing.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function* walkTextFiles(dir) {
  let names;
  try { names = readdirSync(dir).sort(); } catch { return; }
  for (const n of names) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) yield* walkTextFiles(p);
    else if (st.size > 0 && st.size < 2e6 && /\.(?:md|txt|markdown|rst|eml|go|ts|json)$|^[^.]+$/i.test(n)) yield p;
  }
}
