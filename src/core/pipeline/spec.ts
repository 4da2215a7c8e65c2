// Reads a compiled pipeline file (KFP IR PipelineSpec YAML/JSON, or a KFP v1
// Argo Workflow), checks its structure and reports problems at their place in
// the file, and gives what a submit needs: the spec as the server takes it and
// the run's parameters.
import type { Document, Node as YamlNode } from 'yaml';
import { loadYaml } from '../util/lazy';
import type { JsonObject, JsonValue } from '../kfp/types';

export interface Position { line: number; character: number }
export interface Problem { message: string; severity: 'error' | 'warning'; start: Position; end: Position }

export type SpecKind = 'ir' | 'argo' | 'unknown';

export type ParameterType = 'STRING' | 'NUMBER_INTEGER' | 'NUMBER_DOUBLE' | 'BOOLEAN' | 'LIST' | 'STRUCT' | 'TASK_FINAL_STATUS' | 'TASK_CONFIG';

export interface PipelineParameter {
  name: string;
  type: ParameterType;
  default?: JsonValue;
  optional: boolean;
  description?: string;
}

export interface ParsedPipeline {
  kind: SpecKind;
  /** The first document: the pipeline spec (or the workflow). */
  spec?: JsonObject;
  /** The Kubernetes platform spec (a second YAML document), when present. */
  platformSpec?: JsonObject;
  name?: string;
  description?: string;
  sdkVersion?: string;
  problems: Problem[];
}

const IR_TOP_KEYS = new Set(['pipelineInfo', 'root', 'components', 'deploymentSpec', 'schemaVersion', 'sdkVersion', 'defaultPipelineRoot']);
const PARAM_TYPES = new Set(['STRING', 'NUMBER_INTEGER', 'NUMBER_DOUBLE', 'BOOLEAN', 'LIST', 'STRUCT', 'TASK_FINAL_STATUS', 'TASK_CONFIG']);

export function parsePipelineText(text: string): ParsedPipeline {
  const { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } = loadYaml();
  const lc = new LineCounter();
  const problems: Problem[] = [];
  const pos = (offset: number): Position => { const p = lc.linePos(offset); return { line: p.line - 1, character: p.col - 1 }; };
  const at = (node: YamlNode | null | undefined, message: string, severity: Problem['severity'] = 'error') => {
    const r = node?.range ?? [0, 0, 0];
    problems.push({ message, severity, start: pos(r[0]), end: pos(Math.max(r[0], r[1])) });
  };
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true }) as Document.Parsed[];
    // PyYAML (the KFP SDK) folds long quoted strings with continuation lines at the indentation of a list's dash,
    // which PyYAML and the backend's yaml.v3 read and a strict YAML 1.2 parser does not. Re-indenting those lines
    // changes no value (leading spaces of a folded line are dropped), so the file is read as the server reads it.
    const failed = (Array.isArray(docs) ? docs : [docs]).some((d) => d.errors.length);
    if (failed) {
      const fixed = reindentFoldedQuotes(text);
      if (fixed !== text) {
        const lc2 = new LineCounter();
        const again = parseAllDocuments(fixed, { lineCounter: lc2, uniqueKeys: true }) as Document.Parsed[];
        if (!(Array.isArray(again) ? again : [again]).some((d) => d.errors.length)) { docs = again; Object.assign(lc, lc2); }
      }
    }
  } catch (e) {
    problems.push({ message: `Not YAML: ${(e as Error).message}`, severity: 'error', start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    return { kind: 'unknown', problems };
  }
  if (!Array.isArray(docs)) docs = [docs];
  docs = docs.filter((d) => d.contents !== null);
  // The parser's messages end in " at line L, column C:" before a code excerpt; the position is the diagnostic's own.
  // One mistake often yields several errors: the same message is reported once, and at most five in all.
  const seenMessages = new Set<string>();
  const yamlErrors = docs.flatMap((d) => d.errors);
  for (const e of yamlErrors) {
    const message = `${e.message.split('\n')[0].replace(/\s+at line \d+, column \d+:?\s*$/, '').replace(/:\s*$/, '')}.`.replace(/\.\.$/, '.');
    if (seenMessages.has(message)) continue;
    seenMessages.add(message);
    if (seenMessages.size > 5) { problems.push({ message: `${yamlErrors.length - 5} more YAML problems follow from the ones above; fix those first.`, severity: 'error', start: pos(e.pos[0]), end: pos(e.pos[1]) }); break; }
    problems.push({ message, severity: 'error', start: pos(e.pos[0]), end: pos(e.pos[1]) });
  }
  if (problems.length) return { kind: 'unknown', problems };
  if (!docs.length) {
    problems.push({ message: 'The file is empty: it has no pipeline spec (only comments?). Compile the pipeline again.', severity: 'error', start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    return { kind: 'unknown', problems };
  }
  const doc = docs[0];
  const root = doc.contents;
  if (!isMap(root)) { at(root, 'A pipeline file must be a YAML mapping (an IR PipelineSpec or an Argo Workflow).'); return { kind: 'unknown', problems }; }
  const spec = doc.toJS() as JsonObject;
  const out: ParsedPipeline = { kind: 'unknown', spec, problems };
  if (docs.length > 1) {
    const second = docs[1].toJS() as JsonObject;
    if (second && typeof second === 'object' && 'platforms' in second) out.platformSpec = second;
    else at(docs[1].contents, 'The second YAML document is not a platform spec (a mapping with "platforms:"); the server would reject it.');
    if (docs.length > 2) at(docs[2].contents, 'A pipeline file has at most two YAML documents (the pipeline spec and the platform spec).');
  }
  const get = (node: unknown, key: string): YamlNode | undefined => (isMap(node) ? (node.get(key, true) as YamlNode | undefined) : undefined);
  const keyNode = (node: unknown, key: string): YamlNode | undefined => (isMap(node) ? (node.items.find((p) => isScalar(p.key) && p.key.value === key)?.key as YamlNode | undefined) : undefined);

  if (spec.kind === 'Workflow' && typeof spec.apiVersion === 'string' && spec.apiVersion.startsWith('argoproj.io/')) {
    out.kind = 'argo';
    const meta = spec.metadata as JsonObject | undefined;
    const annotations = (meta?.annotations ?? {}) as Record<string, string>;
    out.name = (meta?.name as string) ?? (meta?.generateName as string | undefined)?.replace(/-$/, '');
    out.sdkVersion = annotations['pipelines.kubeflow.org/kfp_sdk_version'];
    const specNode = get(root, 'spec');
    if (!isMap(specNode)) { at(keyNode(root, 'kind'), 'An Argo Workflow needs "spec".'); return out; }
    const templates = get(specNode, 'templates');
    const entry = get(specNode, 'entrypoint');
    if (!isSeq(templates) || !templates.items.length) at(specNode, 'The workflow has no "spec.templates".');
    const names = new Set(isSeq(templates) ? templates.items.map((t) => (isMap(t) ? String((t.get('name') as unknown) ?? '') : '')) : []);
    if (!isScalar(entry)) at(specNode, 'The workflow has no "spec.entrypoint".');
    else if (!names.has(String(entry.value))) at(entry, `The entrypoint "${String(entry.value)}" is not one of the templates (${[...names].join(', ')}).`);
    return out;
  }

  if (!('pipelineInfo' in spec) && !('root' in spec)) {
    at(root, 'This is neither a KFP pipeline spec (no "pipelineInfo" and "root") nor an Argo Workflow. Was it compiled with the KFP SDK (kfp.compiler.Compiler)?');
    return out;
  }
  out.kind = 'ir';
  for (const p of root.items) {
    const k = isScalar(p.key) ? String(p.key.value) : '';
    if (!IR_TOP_KEYS.has(k)) at(p.key as YamlNode, `Unknown top-level key "${k}" in a pipeline spec (expected ${[...IR_TOP_KEYS].join(', ')}).`);
  }
  const info = get(root, 'pipelineInfo');
  const name = get(info, 'name');
  if (!isMap(info)) at(keyNode(root, 'pipelineInfo') ?? root, 'The pipeline spec has no "pipelineInfo".');
  else if (!isScalar(name) || name.value === null || String(name.value).trim() === '') at(keyNode(info, 'name') ?? info, 'The pipeline has no name ("pipelineInfo.name" is empty). Give @dsl.pipeline a name and compile again.');
  else out.name = String(name.value);
  out.description = typeof (spec.pipelineInfo as JsonObject | undefined)?.description === 'string' ? (spec.pipelineInfo as JsonObject).description as string : undefined;
  out.sdkVersion = typeof spec.sdkVersion === 'string' ? spec.sdkVersion : undefined;
  if (!('schemaVersion' in spec)) at(root, 'The pipeline spec has no "schemaVersion".', 'warning');

  const components = get(root, 'components');
  const executors = get(get(root, 'deploymentSpec'), 'executors');
  const componentNames = new Set(isMap(components) ? components.items.map((p) => String(isScalar(p.key) ? p.key.value : '')) : []);
  const executorNames = new Set(isMap(executors) ? executors.items.map((p) => String(isScalar(p.key) ? p.key.value : '')) : []);
  const rootComponent = get(root, 'root');
  if (!isMap(rootComponent)) at(keyNode(root, 'root') ?? root, 'The pipeline spec has no "root" component.');
  else checkComponent(rootComponent, 'root');
  if (isMap(components)) {
    for (const p of components.items) {
      const cname = String(isScalar(p.key) ? p.key.value : '');
      if (!isMap(p.value)) { at(p.key as YamlNode, `Component "${cname}" is not a mapping.`); continue; }
      const label = get(p.value, 'executorLabel');
      const dag = get(p.value, 'dag');
      if (!label && !dag) at(p.key as YamlNode, `Component "${cname}" has neither "executorLabel" nor "dag".`);
      if (isScalar(label) && !executorNames.has(String(label.value))) at(label, `Executor "${String(label.value)}" of component "${cname}" is not in deploymentSpec.executors.`);
      checkComponent(p.value, cname);
    }
  }
  // A component that reaches itself through its tasks would make the graph (and the server's compiled workflow) infinite.
  if (isMap(components)) {
    const refsOf = new Map<string, Array<{ ref: string; node: YamlNode }>>();
    const collect = (c: unknown, name: string) => {
      const tasks = get(get(c, 'dag'), 'tasks');
      const refs: Array<{ ref: string; node: YamlNode }> = [];
      if (isMap(tasks)) for (const p of tasks.items) { const r = get(get(p.value, 'componentRef'), 'name'); if (isScalar(r)) refs.push({ ref: String(r.value), node: r }); }
      refsOf.set(name, refs);
    };
    collect(rootComponent, 'root');
    for (const p of components.items) collect(p.value, String(isScalar(p.key) ? p.key.value : ''));
    const state = new Map<string, 1 | 2>();
    const reported = new Set<string>();
    const visit = (name: string, path: string[]) => {
      state.set(name, 1);
      for (const { ref, node } of refsOf.get(name) ?? []) {
        if (state.get(ref) === 1) {
          const cycle = [...path.slice(path.indexOf(ref)), ref];
          if (!reported.has(ref)) { reported.add(ref); at(node, `Component "${ref}" calls itself (${cycle.join(' → ')}): the graph would never end. A pipeline cannot be recursive.`); }
        } else if (!state.has(ref)) visit(ref, [...path, ref]);
      }
      state.set(name, 2);
    };
    visit('root', ['root']);
  }
  const params = get(get(rootComponent, 'inputDefinitions'), 'parameters');
  if (isMap(params)) {
    for (const p of params.items) {
      const t = get(p.value, 'parameterType');
      if (isScalar(t) && !PARAM_TYPES.has(String(t.value))) at(t, `Unknown parameterType "${String(t.value)}".`);
    }
  }
  return out;

  function checkComponent(component: YamlNode, cname: string): void {
    const tasks = get(get(component, 'dag'), 'tasks');
    if (!isMap(tasks)) return;
    const taskNames = new Set(tasks.items.map((p) => String(isScalar(p.key) ? p.key.value : '')));
    for (const p of tasks.items) {
      const tname = String(isScalar(p.key) ? p.key.value : '');
      const ref = get(get(p.value, 'componentRef'), 'name');
      if (!isScalar(ref)) at(p.key as YamlNode, `Task "${tname}" in ${cname} has no componentRef.name.`);
      else if (!componentNames.has(String(ref.value))) at(ref, `Task "${tname}" refers to component "${String(ref.value)}", which is not in "components".`);
      const deps = get(p.value, 'dependentTasks');
      if (isSeq(deps)) for (const d of deps.items) if (isScalar(d) && !taskNames.has(String(d.value))) at(d, `Task "${tname}" depends on "${String(d.value)}", which is not a task of ${cname}.`);
    }
  }
}

/** The run's parameters from root.inputDefinitions.parameters (IR) or spec.arguments.parameters (Argo). */
export function pipelineParameters(p: ParsedPipeline): PipelineParameter[] {
  if (p.kind === 'argo') {
    const args = ((p.spec?.spec as JsonObject | undefined)?.arguments as JsonObject | undefined)?.parameters as Array<{ name: string; value?: string }> | undefined;
    // Backend-compiled v2 workflows carry the spec in components-*, implementations-* and kubernetes-* arguments
    // (kubeflow/pipelines backend/src/v2/compiler/argocompiler/argo.go argumentsComponents, argumentsContainers,
    // argumentsKubernetesSpec): they are not user parameters.
    return (args ?? []).filter((a) => a && typeof a.name === 'string' && !/^(components|implementations|kubernetes)-/.test(a.name)).map((a) => ({ name: a.name, type: 'STRING', default: a.value, optional: a.value !== undefined }));
  }
  const defs = (((p.spec?.root as JsonObject | undefined)?.inputDefinitions as JsonObject | undefined)?.parameters ?? {}) as Record<string, { parameterType?: string; defaultValue?: JsonValue; isOptional?: boolean; description?: string }>;
  return Object.entries(defs).map(([name, d]) => ({
    name,
    type: (d.parameterType ?? 'STRING') as ParameterType,
    default: d.defaultValue,
    optional: d.isOptional === true || d.defaultValue !== undefined,
    description: d.description,
  }));
}

/** The pipeline_spec of a run or upload: the spec, wrapped with its platform spec when there is one. */
export function specForRun(p: ParsedPipeline): JsonObject {
  if (!p.spec) throw new Error('no pipeline spec');
  return p.platformSpec ? { pipeline_spec: p.spec, platform_spec: p.platformSpec } : p.spec;
}

/** Parses what a user typed for a parameter into the typed JSON value the API expects; throws a readable message. */
export function parseParameterValue(type: ParameterType, text: string): JsonValue {
  const t = text.trim();
  switch (type) {
    case 'STRING': return text;
    case 'NUMBER_INTEGER':
      if (!/^[-+]?\d+$/.test(t)) throw new Error(`"${text}" is not a whole number`);
      return Number(t);
    case 'NUMBER_DOUBLE':
      if (t === '' || Number.isNaN(Number(t))) throw new Error(`"${text}" is not a number`);
      return Number(t);
    case 'BOOLEAN':
      if (/^(true|yes|1)$/i.test(t)) return true;
      if (/^(false|no|0)$/i.test(t)) return false;
      throw new Error(`"${text}" is not true or false`);
    case 'LIST': case 'STRUCT': {
      let v: unknown;
      try { v = JSON.parse(t); } catch { throw new Error(`"${text}" is not JSON (a ${type === 'LIST' ? 'list like [1, 2]' : 'mapping like {"a": 1}'})`); }
      if (type === 'LIST' && !Array.isArray(v)) throw new Error('expected a JSON list like [1, 2]');
      if (type === 'STRUCT' && (!v || typeof v !== 'object' || Array.isArray(v))) throw new Error('expected a JSON mapping like {"a": 1}');
      return v as JsonValue;
    }
    default:
      throw new Error(`parameters of type ${type} are set by the pipeline itself`);
  }
}

/** How a value is shown in an input box. */
export function formatParameterValue(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Indents the continuation lines of multi-line quoted scalars that sit at (or
 * left of) the indentation of the sequence entry or key that opened them, as
 * PyYAML writes them. Only those lines change, and only their leading spaces.
 */
export function reindentFoldedQuotes(text: string): string {
  const lines = text.split('\n');
  let open: { quote: string; indent: number } | undefined;
  // The index just past the closing quote of a scalar that starts at `from`, or -1 when it runs past the line.
  const closeAt = (line: string, from: number, quote: string): number => {
    for (let i = from; i < line.length; i++) {
      const ch = line[i];
      if (quote === '"' && ch === '\\') { i++; continue; }
      if (ch === quote) {
        if (quote === "'" && line[i + 1] === "'") { i++; continue; }
        return i + 1;
      }
    }
    return -1;
  };
  let block: number | undefined; // indentation of the key or dash that opened a block scalar (| or >): its lines are text
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (block !== undefined) {
      if (!line.trim() || /^ */.exec(line)![0].length > block) continue;
      block = undefined;
    }
    if (!open) {
      const b = /^( *)(?:- +|(?:- +)?[^\s#'"][^#'"]*?: +)[|>][-+0-9]*\s*(#.*)?$/.exec(line);
      if (b) { block = b[1].length; continue; }
    }
    if (open) {
      const lead = /^ */.exec(line)![0].length;
      const body = line.slice(lead);
      if (body.length && lead < open.indent) lines[n] = ' '.repeat(open.indent) + body;
      if (closeAt(lines[n], 0, open.quote) >= 0) open = undefined;
      continue;
    }
    const m = /^( *)(?:- +)?(?:[^\s#'"][^#'"]*?: +)?(["'])/.exec(line);
    if (!m) continue;
    const start = m[0].length;
    if (closeAt(line, start, m[2]) >= 0) continue;
    open = { quote: m[2], indent: m[1].length + 2 };
  }
  return lines.join('\n');
}

/**
 * Whether a YAML or JSON file is a compiled pipeline worth checking: top-level
 * IR keys (pipelineInfo, root, deploymentSpec, components) or an Argo Workflow.
 * A JSON file that only mentions "pipelineInfo" somewhere inside is not one.
 */
export function looksLikePipeline(text: string, json: boolean): boolean {
  if (!json) return /^(pipelineInfo|deploymentSpec|components|root):|^kind:\s*Workflow\b/m.test(text);
  if (!/"pipelineInfo"|"kind"\s*:\s*"Workflow"/.test(text) || text.length > 64 * 1024 * 1024) return false;
  let v: unknown;
  try { v = JSON.parse(text); } catch { return /^\s*\{\s*"(pipelineInfo|root|components|deploymentSpec)"\s*:/.test(text); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = (v as { pipeline_spec?: unknown }).pipeline_spec && typeof (v as { pipeline_spec?: unknown }).pipeline_spec === 'object' ? (v as { pipeline_spec: Record<string, unknown> }).pipeline_spec : v as Record<string, unknown>;
  return ('pipelineInfo' in o && 'root' in o) || (o.kind === 'Workflow' && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('argoproj.io'));
}
