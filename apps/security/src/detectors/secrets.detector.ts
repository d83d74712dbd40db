/**
 * Secrets and personal data in arguments and results (category data_leak).
 * A single e-mail address is low risk (it shows up in every git log); many
 * distinct addresses in one message look like a dump and weigh more.
 */
import type { AlertEvidence } from '@mcpspy/events';
import { credentialFieldValue, SECRET_PATTERNS, SecretPattern } from '../secret-patterns';
import { clip, Detector, Finding, TextsInput } from '../types';
import { TriggerIndex } from '../trigger-index';
import { forEachMatch } from '../windows';

const MAX_WEIGHT = 0.97;

/** A call argument that names the recipients of a message or the guests of a meeting (`params.arguments.to[0]`). */
export const RECIPIENT_FIELD = /^params\.arguments(?:\.[\w-]+)*\.(?:to|cc|bcc|recipients?|attendees|invitees|participants|guests|members|reply_?to)(?:\[\d+\])?(?:\.(?:email|address))?$/i;

export class SecretsDetector implements Detector {
  readonly name = 'secrets';

  private readonly index: TriggerIndex;
  private readonly fired: Uint8Array;

  constructor(private readonly patterns: readonly SecretPattern[] = SECRET_PATTERNS) {
    // Case-insensitive gate: some patterns match case-insensitively ("ApiKey = ..."), and a gate may only be wider than its regex.
    this.index = new TriggerIndex(
      patterns.map((p) => p.triggers),
      true,
    );
    this.fired = new Uint8Array(patterns.length);
  }

  /**
   * @param gates secret gates of these texts from RulesDetector.detectGated
   *   (built-in patterns only); without them this detector runs its own pass.
   */
  detect(input: TextsInput, gates?: readonly Uint8Array[]): Finding[] {
    const best = new Map<string, { weight: number; evidence: AlertEvidence[]; summary: string }>();
    const emails = new Set<string>();
    const shared = this.patterns === SECRET_PATTERNS ? gates : undefined;
    const texts = input.texts;
    for (let ui = 0; ui < texts.length; ui++) {
      // Definitions are written by the server author once; a key there is a leak all the same.
      const text = texts[ui]!.text;
      const unit = texts[ui]!;
      let fired = shared && shared.length === texts.length ? shared[ui] : undefined;
      if (fired) {
        if (fired.indexOf(1) < 0) continue;
      } else {
        fired = this.fired;
        fired.fill(0);
        if (this.index.scan(text.toLowerCase(), fired) === 0) continue;
      }
      for (let pi = 0; pi < this.patterns.length; pi++) {
        if (fired[pi] === 0) continue;
        const p = this.patterns[pi]!;
        let found = 0;
        forEachMatch(p.re, text, (m) => {
          if (p.accept && !p.accept(m[0], m)) return true;
          found++;
          // The addressees of a call (to, cc, attendees…) are where a message goes, not data it carries: a meeting invite
          // to three colleagues is no dump (fp25). They still count once each as an address, at the low single weight.
          if (p.id === 'email' && !RECIPIENT_FIELD.test(unit.field)) emails.add(m[0].toLowerCase());
          let entry = best.get(p.id);
          if (!entry) best.set(p.id, (entry = { weight: p.weight, evidence: [], summary: p.summary }));
          if (entry.evidence.length < 3) {
            entry.evidence.push({ text: clip(redact(m[0])), field: unit.field, start: m.index, end: m.index + m[0].length, rule: p.id });
          }
          return found < 50;
        });
      }
    }
    credentialFields(texts, best);
    personalRecords(texts, best);
    nationalIds(texts, best);
    personalFields(texts, best);
    if (best.size === 0) return [];
    const email = best.get('email');
    if (email && emails.size >= 3) {
      email.weight = emails.size >= 10 ? 0.75 : 0.6;
      email.summary = `${emails.size} e-mail addresses`;
    }
    const list = [...best.entries()].sort((a, b) => b[1].weight - a[1].weight);
    let miss = 1;
    for (const [, e] of list) miss *= 1 - e.weight;
    return [
      {
        category: 'data_leak',
        score: Math.min(MAX_WEIGHT, 1 - miss),
        detector: this.name,
        evidence: list.flatMap(([, e]) => e.evidence).slice(0, 8),
        summary: list
          .slice(0, 3)
          .map(([, e]) => e.summary)
          .join('; '),
        details: { kinds: list.map(([id]) => id) },
      },
    ];
  }
}

/** Credentials held as JSON values (an OAuth token response): the key is in the field path, not in the text. */
function credentialFields(texts: TextsInput['texts'], best: Map<string, { weight: number; evidence: AlertEvidence[]; summary: string }>): void {
  for (const unit of texts) {
    if (unit.context === 'definition' || !credentialFieldValue(unit.field, unit.text)) continue;
    let entry = best.get('credential_field');
    if (!entry) best.set('credential_field', (entry = { weight: 0.8, evidence: [], summary: 'credential in a JSON field' }));
    if (entry.evidence.length < 3) entry.evidence.push({ text: clip(redact(unit.text)), field: unit.field, start: 0, end: unit.text.length, rule: 'credential_field' });
  }
}

/**
 * Fields of a personal record, each a label followed by its value (digits): an identity number (national ids of many
 * countries, tax, passport, patient/member/employee ids), a date of birth, a medical fact (a diagnosis, an ICD-10 code),
 * a bank account (an IBAN, an account number), a phone number, a salary. Labels in several languages; the value must be
 * there, so a form or a privacy notice that only names the fields is no record.
 */
const RECORD_FIELDS: readonly [string, RegExp][] = [
  ['id', /(?:\b(?:ssn|social security(?: no\.?| number)?|national (?:id|insurance)(?: no\.?| number)?|(?:nino?|nie|sin|tin) ?:|bsn|pesel|dni|cpf|aadhaar|tfn|tax id|steuer-?id|codice fiscale|personnummer|cccd|cmnd|mykad|nric|t\.c\.|tc kimlik(?: no)?|afm|amka|nif|curp|member id|patient id|mrn|employee id|passport(?: no\.?| number)?|id (?:no\.?|number)|medicare(?: no\.?)?)|αφμ|αμκα|身份证号?|マイナンバー|주민등록번호)[\s:#.№-]{0,4}[a-z]{0,3}[\s-]?(\d[\d\s-]{4,})/g],
  ['dob', /(?:\b(?:dob|d\.o\.b\.|date of birth|born(?: on)?|birth ?date|geburtsdatum|geb\.|fecha de nacimiento|date de naissance|data di nascita|ngày sinh|doğum tarihi|data de nascimento)|生年月日|出生日期|생년월일)[\s:]{0,3}(\d{1,4}[./-]\d{1,2}[./-]\d{2,4})/g],
  ['medical', /\b(?:diagnos(?:is|ed|e)|diagnóstico|icd-?10|hiv\+|[a-tv-z]\d{2}\.\d{1,3}[a-z]{0,3})\b()/g],
  ['bank', /\b[a-z]{2}\d{2}(?:\s?[a-z0-9]{4}){3,7}\b()|\b(?:bank(?: account)?|account no\.?|acct|iban|sort code|routing)\b[\s:#]{0,3}[a-z ]{0,12}(\d[\d\s-]{6,})/g],
  ['phone', /\b(?:tel\.?|phone|mobile|cell|sđt|τηλ\.?|telefon|teléfono|téléphone)[\s:.]{0,3}(\+?\d[\d\s().-]{6,})/g],
  ['money', /\b(?:salary|gehalt|salario|salaire|income|wage|compensation)\b[\s:]{0,3}[^\n]{0,12}?(\d[\d,.\s]{2,})/g],
];
/**
 * Every identifying kind's regex holds one of these ASCII literals, or a label in a script matched by
 * NON_ASCII_LABEL_SCRIPT (a gate may only be wider than its regexes); an ICD-10 code without the word diagnosis or ICD
 * is read only where another label opened the gate. Short labels that are pieces of common words ("sin" in "using",
 * "tin" in "setting") need their colon ("SIN: …"), so the gate stays shut on ordinary prose and logs.
 */
const RECORD_GATE = new TriggerIndex(
  [[
    'ssn', 'social security', 'national', 'nin:', 'nin :', 'nino:', 'nino :', 'nie:', 'nie :', 'sin:', 'sin :', 'tin:', 'tin :', 'bsn',
    'pesel', 'dni', 'cpf', 'aadhaar', 'tfn', 'tax id', 'steuer',
    'codice fiscale', 'personnummer', 'cccd', 'cmnd', 'mykad', 'nric', 't.c.', 'tc kimlik', 'afm', 'amka', 'nif', 'curp', 'member id',
    'patient id', 'mrn', 'employee id', 'passport', 'id no', 'id number', 'medicare', 'dob', 'd.o.b.', 'date of birth', 'born', 'birth',
    'geburtsdatum', 'geb.', 'fecha de nacimiento', 'date de naissance', 'data di nascita', 'sinh', 'tarihi', 'data de nascimento',
    'diagnos', 'diagn', 'icd', 'hiv+',
  ]],
  true,
  true,
);
const RECORD_GATE_FIRED = new Uint8Array(1);
const NON_ASCII_LABEL_SCRIPT = /[\u0370-\u03ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/;
/** The identifying labels' gate of personalRecords (exported for its test: a gate may only be wider than its regexes). */
export function recordGateOpens(src: string): boolean {
  RECORD_GATE_FIRED[0] = 0;
  return RECORD_GATE.scan(src, RECORD_GATE_FIRED) > 0 || NON_ASCII_LABEL_SCRIPT.test(src);
}
/** The identifying kinds a text's record fields show, ICD-10 codes left out (no literal gates them), for the gate test. */
export function identifyingKindsOf(text: string): string[] {
  const t = text.toLowerCase();
  const out: string[] = [];
  for (const [kind, re] of RECORD_FIELDS) {
    if (!IDENTIFYING.has(kind)) continue;
    const r = kind === 'medical' ? /\b(?:diagnos(?:is|ed|e)|diagnóstico|icd-?10|hiv\+)\b/g : new RegExp(re.source, 'g');
    if (r.test(t)) out.push(kind);
  }
  return out;
}
/** At least n ASCII digits in s (a loop over code units: cheaper than any regex on the many texts without records). */
function enoughDigits(s: string, n: number): boolean {
  for (let i = 0, len = s.length; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57 && --n === 0) return true;
  }
  return false;
}
/** Kinds that make a record sensitive by themselves (a phone, an account or a salary beside a name is a directory). */
const IDENTIFYING: ReadonlySet<string> = new Set(['id', 'dob', 'medical']);
const RECORD_SCAN_MAX = 16 * 1024;

/**
 * A personal record in data (a result, a resource): two kinds of record field with their values, one of them an identity
 * number, a date of birth or a medical fact ("MyKad: 870512-14-5563 … Medical: declared type 2 diabetes"). Round 15c:
 * the tuning writers' missed leaks were mostly such records in many languages; the secret formats do not cover them. A
 * value of one repeated digit (000-00-0000) is a placeholder.
 */
function personalRecords(texts: TextsInput['texts'], best: Map<string, { weight: number; evidence: AlertEvidence[]; summary: string }>): void {
  for (const unit of texts) {
    if (unit.context === 'definition' || unit.text.length < 24) continue;
    const src = unit.text.length > RECORD_SCAN_MAX ? unit.text.slice(0, RECORD_SCAN_MAX) : unit.text;
    // A record holds two values with digits, one of five or more: a text with fewer than eight digits holds none.
    if (!enoughDigits(src, 8)) continue;
    // One pass for the identifying kinds' ASCII label literals (labels in Greek, Chinese, Japanese or Korean open it too).
    if (!recordGateOpens(src)) continue;
    const t = src.toLowerCase();
    const kinds = new Map<string, RegExpExecArray>();
    for (const [kind, re] of RECORD_FIELDS) {
      // The identifying kinds come first: without one of them the rest need not be read.
      if (kinds.size === 0 && !IDENTIFYING.has(kind)) break;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(t)) !== null) {
        const value = (m[1] || m[2] || m[0]).replace(/\D/g, '');
        if (!/^(\d)\1*$/.test(value)) {
          kinds.set(kind, m);
          break;
        }
      }
    }
    if (kinds.size < 2 || ![...kinds.keys()].some((k) => IDENTIFYING.has(k))) continue;
    let entry = best.get('personal_record');
    if (!entry) best.set('personal_record', (entry = { weight: 0.6, evidence: [], summary: `personal record (${[...kinds.keys()].join(', ')})` }));
    const first = [...kinds.values()].sort((a, b) => a.index - b.index)[0]!;
    if (entry.evidence.length < 3) entry.evidence.push({ text: clip(redact(unit.text.slice(first.index, first.index + first[0].length))), field: unit.field, start: first.index, end: first.index + first[0].length, rule: 'personal_record' });
  }
}

/**
 * Round 19c: national identity numbers told by their shape, whatever language labels them. Each form below is written
 * with separators or an embedded birth date that no invoice, order or log number takes: a Brazilian CPF
 * (`ddd.ddd.ddd-dd`), a Chinese resident id (18 characters holding a birth date), a Korean resident registration number
 * (`YYMMDD-Gxxxxxx`), a French social security number written in its groups (`1 84 05 44 109 231 68`), a Russian SNILS
 * (`ddd-ddd-ddd dd`), an Emirates id (`784-YYYY-NNNNNNN-N`), a Spanish DNI (eight digits and its control letter) and a
 * British national insurance number (`AB 12 34 56 C`). The tuning writers' missed and classifier-only leaks outside
 * English held these forms under labels in a dozen languages ("身份证号", "СНИЛС", "N° de sécurité sociale", "رقم الهوية");
 * the label is not needed. Placeholders (one repeated digit, a run such as 123456, a masked value) are skipped. Only the
 * form is read, not its checksum: a real number passes its checksum, but a text may quote one with a typo all the same.
 * ASCII boundaries only (no `u` flag), so a number right after a Han or Arabic label still matches. Read only in a text
 * with a character outside ASCII (below); a hand-written pre-pass over the code units cost more than it saved.
 */
const NATIONAL_ID = new RegExp(
  [
    String.raw`(?<cpf>\d{3}\.\d{3}\.\d{3}-\d{2})`,
    String.raw`(?<cn>\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx])`,
    String.raw`(?<kr>\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-[1-4]\d{6})`,
    String.raw`(?<fr>[12] \d{2} (?:0[1-9]|1[0-2]|[2-9]\d) (?:\d{2}|2[ABab]) \d{3} \d{3} \d{2})`,
    String.raw`(?<ru>\d{3}-\d{3}-\d{3}[ -]\d{2})`,
    String.raw`(?<ae>784-(?:19|20)\d{2}-\d{7}-\d)`,
    String.raw`(?<es>\d{8}-?[TRWAGMYFPDXBNJZSQVHLCKE])`,
    String.raw`(?<uk>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D])`,
  ]
    .map((a) => String.raw`(?<![A-Za-z0-9_.-])` + a + String.raw`(?![A-Za-z0-9_]|[.-]\d)`)
    .join('|'),
  'g',
);
const ID_KIND_NAMES: Readonly<Record<string, string>> = { cpf: 'CPF', cn: 'Chinese resident id', kr: 'Korean resident number', fr: 'French social security number', ru: 'SNILS', ae: 'Emirates id', es: 'DNI', uk: 'national insurance number' };
/** A documentation value: one repeated digit, or a counting run (123456, 987654). */
function placeholderDigits(digits: string): boolean {
  return /^(\d)\1*$/.test(digits) || digits.includes('123456') || digits.includes('987654');
}
const NATIONAL_ID_WEIGHT = 0.6;
const NON_ASCII = /[^\x00-\x7f]/;
function nationalIds(texts: TextsInput['texts'], best: Map<string, { weight: number; evidence: AlertEvidence[]; summary: string }>): void {
  for (const unit of texts) {
    // A definition may show the format; a leak is a value in data or a call.
    if (unit.context === 'definition' || unit.text.length < 9) continue;
    const src = unit.text.length > RECORD_SCAN_MAX ? unit.text.slice(0, RECORD_SCAN_MAX) : unit.text;
    // Every form holds at least six digits.
    // Labelled outside ASCII (a label in another language, an accented name): 106 of the 108 tuning leaks the forms
    // gained; an English record's labels are read by the patterns above (ssn, personal records). Without this test the
    // regex cost ~4 µs CPU per 1 KB bench text at load 12.
    if (!enoughDigits(src, 6) || !NON_ASCII.test(src)) continue;
    NATIONAL_ID.lastIndex = 0;
    let m: RegExpExecArray | null;
    for (let n = 0; n < 64 && (m = NATIONAL_ID.exec(src)) !== null; n++) {
      if (placeholderDigits(m[0].replace(/\D/g, ''))) continue;
      const kind = Object.entries(m.groups ?? {}).find(([, v]) => v !== undefined)?.[0] ?? 'id';
      let entry = best.get('national_id');
      if (!entry) best.set('national_id', (entry = { weight: NATIONAL_ID_WEIGHT, evidence: [], summary: `national identity number (${ID_KIND_NAMES[kind] ?? kind})` }));
      if (entry.evidence.length >= 3) break;
      // An identity number is short: its first and last two characters only (redact() would show most of it).
      entry.evidence.push({ text: `${m[0].slice(0, 2)}…${m[0].slice(-2)}`, field: unit.field, start: m.index, end: m.index + m[0].length, rule: 'national_id' });
    }
  }
}

/**
 * Round 19c: personal data held as JSON values (a record an API returned: `{"ssn": "611-20-4498", "dob": "1979-03-22"}`).
 * The label is the field's key, not the text, so the labelled-record check above cannot see it (each JSON string is
 * judged as its own text). An identity number under an identity key, or a birth date beside a medical field, is a
 * personal record; masked values (`***-**-4498`, `XXX-XX-1234`), placeholders (one repeated digit, 123456…) and values
 * without enough digits are none. Keys are compared without case, `_`, `-` or spaces, in the spellings APIs use.
 */
const ID_KEY = /^(?:ssn|socialsecurity(?:number|no)?|nationalid(?:number|no)?|nationalinsurance(?:number|no)?|nin|nino|nik|nric|cpf|rut|dni|nie|nif|pesel|aadhaar(?:number|no)?|tckimlik(?:no)?|tckn|passport(?:number|no)?|taxid|taxnumber|itin|mrn|medicalrecordnumber|insuranceid|mbi|medicare(?:number|id)?|driverslicen[cs]e(?:number|no)?|licensenumber|snils|curp|bsn|personnummer|idnumber|idno|personalid|citizenid)$/;
const DOB_KEY = /^(?:dob|dateofbirth|birthdate|birthday|geburtsdatum|fechadenacimiento|datedenaissance|datadinascita)$/;
const MEDICAL_KEY = /^(?:diagnos[ie]s|diagnosiscodes?|icd10|icd|medicalhistory|conditions?|medications?)$/;
const MASKED = /[*•●]|x{2,}|X{2,}|#{2,}|redacted|masked/;
function lastKey(field: string): string | undefined {
  const j = field.lastIndexOf('#json.');
  if (j < 0) return undefined;
  const path = field.slice(j + 6).replace(/\[\d+\]/g, '');
  return path.slice(path.lastIndexOf('.') + 1).toLowerCase().replace(/[_\s-]/g, '');
}
function personalFields(texts: TextsInput['texts'], best: Map<string, { weight: number; evidence: AlertEvidence[]; summary: string }>): void {
  let id: TextsInput['texts'][number] | undefined;
  let dob = false;
  let medical = false;
  for (const unit of texts) {
    if (unit.context === 'definition' || unit.text.length > 64 || !unit.field.includes('#json.')) continue;
    const key = lastKey(unit.field);
    if (!key) continue;
    const v = unit.text.trim();
    if (!id && ID_KEY.test(key)) {
      const digits = v.replace(/\D/g, '');
      if (digits.length >= 5 && v.length <= 40 && !MASKED.test(v) && !placeholderDigits(digits)) id = unit;
    } else if (DOB_KEY.test(key)) {
      if (/(?:19|20)\d{2}/.test(v) && v.length <= 30) dob = true;
    } else if (MEDICAL_KEY.test(key)) {
      if (/\p{L}{3}/u.test(v)) medical = true;
    }
  }
  if (!id && !(dob && medical)) return;
  if (best.has('personal_record')) return;
  const at = id ?? texts.find((u) => u.field.includes('#json.'))!;
  best.set('personal_record', {
    weight: 0.6,
    summary: id ? `personal record (identity number under "${lastKey(at.field)}")` : 'personal record (birth date and medical fields)',
    evidence: [{ text: id ? `${at.text.trim().slice(0, 2)}…` : clip(redact(at.text)), field: at.field, start: 0, end: at.text.length, rule: 'personal_record' }],
  });
}

/** Evidence shows where a secret is, not the secret: alerts travel further than the traffic. */
export function redact(s: string): string {
  if (s.length <= 12) return s.slice(0, 2) + '…';
  if (s.includes('PRIVATE KEY')) return s.slice(0, s.indexOf('-----', 5) + 5) + '…';
  return s.slice(0, 8) + '…' + s.slice(-4);
}
