/**
 * Kubernetes manifests checked against the OpenAPI schemas shipped by the
 * `kubernetes-models` package, twice:
 *  - its ajv validators (types, required fields, enums, formats);
 *  - the TypeScript compiler over the same models, whose excess-property
 *    checks reject unknown fields at any depth (the JSON schemas allow them,
 *    while `kubectl apply --validate=strict` does not).
 */
import { join } from 'node:path';
import ts from 'typescript';
import { REPO } from './deploy-helpers';

export interface K8sDoc {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [k: string]: unknown;
}

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment`. */
export function modelModule(doc: Pick<K8sDoc, 'apiVersion' | 'kind'>): string {
  return `kubernetes-models/${doc.apiVersion}/${doc.kind}`;
}

/** Runs the model's schema validator; returns the error text, or undefined when valid. */
export function schemaError(doc: K8sDoc): string | undefined {
  let mod: any;
  try {
    mod = require(modelModule(doc));
  } catch (err) {
    return `no schema for ${doc.apiVersion} ${doc.kind}: ${(err as Error).message}`;
  }
  const Model = mod[doc.kind];
  if (typeof Model !== 'function') return `no model class ${doc.kind} in ${modelModule(doc)}`;
  try {
    new Model(doc).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Type-checks each document as an object literal of its model interface.
 * Returns one message per diagnostic, prefixed with the document's label.
 */
export function typeErrors(docs: Array<{ label: string; doc: K8sDoc }>): string[] {
  // Virtual file under tests/ so module resolution finds the repository's node_modules.
  const fileName = join(REPO, 'tests', 'deploy', '__k8s_typecheck__.ts');
  const lines: string[] = [];
  const labels: Array<{ line: number; label: string }> = [];
  docs.forEach(({ label, doc }, i) => {
    const iface = `I${doc.kind}`;
    lines.push(`import type { ${iface} as T${i} } from '${modelModule(doc)}';`);
  });
  docs.forEach(({ label, doc }, i) => {
    labels.push({ line: lines.length, label });
    lines.push(`export const doc${i}: T${i} = ${JSON.stringify(doc, null, 1)};`.split('\n').join(' '));
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) =>
    name === fileName ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  const program = ts.createProgram([fileName], options, host);
  const diags = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()];
  return diags.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const label = d.file.fileName === fileName ? labels.filter((l) => l.line <= line).pop()?.label ?? 'imports' : d.file.fileName;
    return `${label}: ${text}`;
  });
}
