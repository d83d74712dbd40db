/**
 * The labelled training text written for the classifier (apps/security/training/*.jsonl, one file per writer, in
 * the corpus format: id, label, form, text and the form's extras, writer). The trainer
 * (bench/security-train-classifier.mjs) reads it through here: each sample is expanded into the MCP messages it
 * stands for (corpus.ts messagesOf) and the texts those messages carry are what the classifier is trained on, the
 * same texts the detector judges at run time. A file can be left out (leave-one-writer-out experiments); its rows
 * come back apart, so the caller can score them with the model trained without them.
 *
 * The files are data written by hand and may hold anything: a line that is not JSON, a sample of an unknown form or
 * one that carries no text is counted and skipped, and the rest of the file is read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { messagesOf, Sample } from './corpus';
import { extractTexts, subjectOf } from './extract';

export interface TrainingText {
  /** The texts one message carries (plain and JSON string values), joined by line breaks. */
  text: string;
  /** 0 for benign, 1 for any attack label. */
  y: 0 | 1;
  /** The sample's label as written (benign, prompt_injection, jailbreak, …). */
  label: string;
  /** The file the sample came from, without `.jsonl` (one writer per file). */
  writer: string;
  id: string;
  /** Where the text sits in MCP traffic: the context of the message's first text (definition, argument, result). */
  context?: string;
}

export interface TrainingFolder {
  /** Rows of the files not left out. */
  rows: TrainingText[];
  /** Rows of the files left out. */
  heldOut: TrainingText[];
  /** Every file read, without `.jsonl`, sorted. */
  writers: string[];
  /** Lines that could not be used, with the reason (counted, never thrown). */
  skipped: { writer: string; line: number; reason: string }[];
}

/** The texts a sample's messages carry, one string per message that has any (a rug pull: its last listing only). */
export function sampleTexts(s: Sample): string[] {
  return sampleSurfaces(s).map((x) => x.text);
}

/** sampleTexts with the surface of each text: the context (definition, argument, result) of the message's first text. */
export function sampleSurfaces(s: Sample): { text: string; context: string }[] {
  const msgs = messagesOf(s);
  const out: { text: string; context: string }[] = [];
  for (const m of s.form === 'rug' ? msgs.slice(-1) : msgs) {
    const subject = subjectOf(m);
    if (!subject) continue;
    const units = extractTexts(m, subject).texts.filter((u) => u.origin === 'plain' || u.origin === 'json');
    const joined = units.map((u) => u.text).join('\n');
    if (joined.trim()) out.push({ text: joined, context: units[0]!.context });
  }
  return out;
}

/** Reads every `*.jsonl` of `dir`; the files named in `leaveOut` (without `.jsonl`) go to `heldOut`. */
export function loadTrainingFolder(dir: string, opts: { leaveOut?: readonly string[] } = {}): TrainingFolder {
  const leaveOut = new Set((opts.leaveOut ?? []).map((w) => w.replace(/\.jsonl$/, '')));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  const out: TrainingFolder = { rows: [], heldOut: [], writers: [], skipped: [] };
  for (const f of files) {
    const writer = basename(f, '.jsonl');
    out.writers.push(writer);
    const into = leaveOut.has(writer) ? out.heldOut : out.rows;
    const lines = readFileSync(join(dir, f), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const skip = (reason: string) => out.skipped.push({ writer, line: i + 1, reason });
      let s: Sample;
      try {
        s = JSON.parse(line) as Sample;
      } catch {
        return skip('not JSON');
      }
      if (!s || typeof s !== 'object' || typeof s.label !== 'string' || typeof s.form !== 'string') return skip('no label or form');
      let texts: { text: string; context: string }[];
      try {
        texts = sampleSurfaces(s);
      } catch (e) {
        return skip(e instanceof Error ? e.message.slice(0, 120) : 'cannot expand');
      }
      if (!texts.length) return skip('no text');
      const id = typeof s.id === 'string' ? s.id : `${writer}:${i + 1}`;
      for (const { text, context } of texts) into.push({ text, y: s.label === 'benign' ? 0 : 1, label: s.label, writer, id, context });
    });
  }
  return out;
}
