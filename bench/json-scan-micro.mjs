#!/usr/bin/env node
// Would a scanning reader beat JSON.parse for each captured line (issue 21, session 7)? Measures, interleaved in one
// process, CPU time per line of the stdio bench's tools/call requests (bench/micro-request.mjs):
//   parse     JSON.parse(line), what mcp-parser does now (the objects it builds are what pairing and the line read);
//   validate  the least a scanning reader must do instead: walk every character once and accept exactly the JSON
//             grammar (a line JSON.parse rejects must still be rejected), without building anything; every
//             character of a string is looked at (controls and escapes must be checked);
//   locate    an unsafe floor: indexOf for the four members pairing needs, no validation at all.
// A scanning reader costs at least `validate` (plus extracting id/method and the captured text's proof); it is worth
// building only if that is well below `parse`.
//   node bench/json-scan-micro.mjs [--n 200000] [--rounds 6]
import { loadAvg, parseArgs } from './pipeline-common.mjs';
import { requestRaw } from './micro-request.mjs';

const opt = parseArgs({ n: 200_000, rounds: 6 });
const flat = (s) => Buffer.from(s).toString();
const lines = Array.from({ length: 1000 }, (_, n) => flat(requestRaw(n)));

/** True when s is one JSON value (the grammar of RFC 8259, as JSON.parse accepts it); builds nothing. */
function validJson(s) {
  let i = 0;
  const n = s.length;
  const ws = () => {
    for (let c = s.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = s.charCodeAt(++i));
  };
  const str = () => {
    // at the opening quote: every character up to the closing one is checked (controls, escapes)
    for (i++; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const e = s.charCodeAt(++i);
        if (e === 117) {
          for (let h = 1; h < 5; h++) {
            const d = s.charCodeAt(i + h);
            if (!((d >= 48 && d <= 57) || (d >= 65 && d <= 70) || (d >= 97 && d <= 102))) return false;
          }
          i += 4;
        } else if (!(e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116)) return false;
      }
    }
    return false;
  };
  const num = () => {
    if (s.charCodeAt(i) === 45) i++;
    let c = s.charCodeAt(i);
    if (c === 48) c = s.charCodeAt(++i);
    else if (c >= 49 && c <= 57) while ((c = s.charCodeAt(++i)) >= 48 && c <= 57);
    else return false;
    if (c === 46) {
      c = s.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) return false;
      while ((c = s.charCodeAt(++i)) >= 48 && c <= 57);
    }
    if (c === 101 || c === 69) {
      c = s.charCodeAt(++i);
      if (c === 43 || c === 45) c = s.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) return false;
      while ((c = s.charCodeAt(++i)) >= 48 && c <= 57);
    }
    return true;
  };
  const lit = (w) => {
    if (!s.startsWith(w, i)) return false;
    i += w.length;
    return true;
  };
  const value = (depth) => {
    if (depth > 512) return false;
    ws();
    const c = s.charCodeAt(i);
    if (c === 123) {
      i++;
      ws();
      if (s.charCodeAt(i) === 125) return ++i > 0;
      for (;;) {
        ws();
        if (s.charCodeAt(i) !== 34 || !str()) return false;
        ws();
        if (s.charCodeAt(i++) !== 58) return false;
        if (!value(depth + 1)) return false;
        ws();
        const d = s.charCodeAt(i++);
        if (d === 125) return true;
        if (d !== 44) return false;
      }
    }
    if (c === 91) {
      i++;
      ws();
      if (s.charCodeAt(i) === 93) return ++i > 0;
      for (;;) {
        if (!value(depth + 1)) return false;
        ws();
        const d = s.charCodeAt(i++);
        if (d === 93) return true;
        if (d !== 44) return false;
      }
    }
    if (c === 34) return str();
    if (c === 116) return lit('true');
    if (c === 102) return lit('false');
    if (c === 110) return lit('null');
    return num();
  };
  if (!value(0)) return false;
  ws();
  return i === n;
}

// The validator agrees with JSON.parse on the bench lines and on broken forms of them (a check of this bench, not a
// proof of the validator: it is not used by mcpspy).
for (const l of lines.slice(0, 200)) {
  if (!validJson(l)) throw new Error(`validator rejects a valid line: ${l}`);
  for (const bad of [l.slice(0, -1), `${l}x`, l.replace(':', ';'), l.replace('"2.0"', '"2.0\u0001"'), l.replace('"id":', '"id":0')]) {
    let ok = true;
    try {
      JSON.parse(bad);
    } catch {
      ok = false;
    }
    if (validJson(bad) !== ok) throw new Error(`validator and JSON.parse differ on: ${bad}`);
  }
}

let sink = 0;
const variants = {
  parse: (l) => {
    const o = JSON.parse(l);
    sink += o.id;
  },
  validate: (l) => {
    if (validJson(l)) sink++;
  },
  locate: (l) => {
    sink += l.indexOf('"jsonrpc"') + l.indexOf('"id"') + l.indexOf('"method"') + l.indexOf('"params"');
  },
};
const run = (f) => {
  const t0 = process.cpuUsage();
  for (let k = 0; k < opt.n; k++) f(lines[k % lines.length]);
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / opt.n;
};
console.log(`json-scan-micro: ${opt.n} lines per round, ${opt.rounds} rounds, lines of ${lines[0].length}–${Math.max(...lines.map((l) => l.length))} chars; load ${loadAvg()}`);
for (const f of Object.values(variants)) run(f); // warm-up
const ns = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let r = 0; r < opt.rounds; r++) {
  const order = r % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
  for (const k of order) ns[k].push(run(variants[k]));
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const k of Object.keys(variants)) console.log(`  ${k.padEnd(9)} ${med(ns[k]).toFixed(0)} ns per line (rounds ${ns[k].map((x) => x.toFixed(0)).join(' ')}), ${(med(ns[k]) / med(ns.parse)).toFixed(2)} of parse`);
console.log(`load ${loadAvg()} (${sink > 0 ? 'ok' : ''})`);
