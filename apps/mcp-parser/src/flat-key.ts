/**
 * A key that lives as long as its entry (pending requests, conversations'
 * calls), made flat once. A template literal or `+` of long strings gives V8
 * a rope (ConsString): one 32-byte node per join, kept with its pieces for
 * as long as the key is held, and walked again on the first hash of each
 * copy. Reading one character flattens the rope in place (V8 copies it once
 * into a plain string; the garbage collector then drops the nodes): 100,000
 * pending keys of `mcp:pending:<scope>:<id>` took 164 B each as ropes and
 * 77 B flat (micro, `--expose-gc`, heap used after a full GC).
 */
export function flatKey(s: string): string {
  s.charCodeAt(0);
  return s;
}
