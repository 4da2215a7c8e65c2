// From a pipeline file (Python or compiled) to an uploaded pipeline and a
// started run: compile if needed, validate, choose how to submit, ask for the
// parameters (typed, validated, remembered per pipeline), pick or create the
// experiment, submit, and open the run. Every prompt can be answered by an
// argument instead, so the flow is scriptable.
import { gitShortSha } from '../core/util/gitHead';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KfpClient } from '../core/kfp/client';
import type { Experiment, JsonValue } from '../core/kfp/types';
import { formatParameterValue, parseParameterValue, parsePipelineText, ParsedPipeline, pipelineParameters, PipelineParameter } from '../core/pipeline/spec';
import { expandName, PartialSubmitError, SubmitMode, submitPipeline, UnknownOutcomeError, uploadPipelineFile } from '../core/pipeline/submit';
import { scanPython } from '../core/python/scanner';
import { isIrSpec } from '../core/graph/model';
import type { EndpointManager } from '../endpoints/endpointManager';
import type { PipelineCompiler } from './compiler';
import type { SpecDiagnostics } from './specDiagnostics';
import { log } from '../logging';

export interface SubmitArgs {
  file?: string | vscode.Uri;
  function?: string;
  mode?: SubmitMode;
  parameters?: Record<string, JsonValue>;
  experiment?: string;
  pipelineName?: string;
  versionName?: string;
  runName?: string;
  description?: string;
  overwrite?: boolean;
  /** Prompt for what is not given (default: true from the UI, false for a script passing an object). */
  interactive?: boolean;
  /** Also ask how to submit and in which experiment, whatever the settings say ("Run with Options"). */
  askAll?: boolean;
}

export class UserCancelled extends Error { constructor() { super('cancelled'); } }

export interface Prepared { file: vscode.Uri; compiledFile: string; parsed: ParsedPipeline; content: Buffer; functionName?: string; sdkVersion?: string }

export class SubmitFlow {
  constructor(
    private readonly state: vscode.Memento,
    private readonly endpoints: EndpointManager,
    private readonly compiler: PipelineCompiler,
    private readonly specDiagnostics: SpecDiagnostics,
  ) {}

  /** The file an argument names, or the active editor's. */
  static target(arg: unknown): { file: vscode.Uri; args: SubmitArgs } {
    let args: SubmitArgs = {};
    let file: vscode.Uri | undefined;
    if (arg instanceof vscode.Uri) file = arg;
    else if (arg && typeof arg === 'object') {
      args = arg as SubmitArgs;
      if (args.file instanceof vscode.Uri) file = args.file;
      else if (typeof args.file === 'string') file = vscode.Uri.file(path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', args.file));
    }
    file ??= vscode.window.activeTextEditor?.document.uri;
    if (!file || file.scheme !== 'file') throw new Error('Open a pipeline file (a Python file with @dsl.pipeline, or a compiled .yaml/.json), or pass {file}.');
    return { file, args };
  }

  /** Compiles a Python file, or reads and validates a compiled one. */
  async prepare(file: vscode.Uri, args: SubmitArgs, interactive = true): Promise<Prepared | { error: string; kind: string; hint?: string; cancelled?: boolean; reported?: boolean }> {
    if (/\.py$/i.test(file.fsPath)) {
      let fn = args.function;
      if (!fn) {
        const doc = await vscode.workspace.openTextDocument(file);
        const pipelines = scanPython(doc.getText()).pipelines;
        if (pipelines.length === 1) fn = pipelines[0].functionName;
        else if (pipelines.length > 1 && interactive) {
          const pick = await vscode.window.showQuickPick(pipelines.map((p) => ({ label: p.functionName, description: p.displayName })), { title: 'Which pipeline?' });
          if (!pick) throw new UserCancelled();
          fn = pick.label;
        }
      }
      const r = await this.compiler.compile(file, { functionName: fn, overwrite: args.overwrite, quiet: !interactive });
      // In the interactive path the compiler has shown the error already, with its actions.
      if (!r.ok) return { error: r.error, kind: r.kind, hint: r.hint, cancelled: r.cancelled, reported: interactive };
      const content = await fs.readFile(r.output);
      const problems = r.parsed.problems.filter((p) => p.severity === 'error');
      if (problems.length) return { error: `The compiled pipeline has problems: ${problems[0].message}`, kind: 'invalid' };
      return { file, compiledFile: r.output, parsed: r.parsed, content, functionName: r.function, sdkVersion: r.sdkVersion };
    }
    if (!/\.(ya?ml|json)$/i.test(file.fsPath)) return { error: `${path.basename(file.fsPath)} is not a pipeline: use a Python file with @dsl.pipeline or a compiled .yaml/.json.`, kind: 'invalid' };
    const content = await fs.readFile(file.fsPath);
    const parsed = parsePipelineText(content.toString('utf8'));
    this.specDiagnostics.show(file, parsed);
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    if (errors.length) return { error: `${path.basename(file.fsPath)}: ${errors[0].message} (line ${errors[0].start.line + 1})${errors.length > 1 ? ` and ${errors.length - 1} more problem(s), see the Problems view` : ''}.`, kind: 'invalid' };
    return { file, compiledFile: file.fsPath, parsed, content };
  }

  async parameters(p: Prepared, given: Record<string, JsonValue> | undefined, interactive: boolean): Promise<Record<string, JsonValue>> {
    const defs = pipelineParameters(p.parsed).filter((d) => d.type !== 'TASK_FINAL_STATUS' && d.type !== 'TASK_CONFIG');
    const key = `kfp.parameters.${p.parsed.name}`;
    const remembered = this.state.get<Record<string, JsonValue>>(key, {});
    const values: Record<string, JsonValue> = {};
    const unknown = Object.keys(given ?? {}).filter((k) => !defs.some((d) => d.name === k));
    if (unknown.length) throw new Error(`The pipeline has no parameter ${unknown.map((u) => `"${u}"`).join(', ')} (it has: ${defs.map((d) => d.name).join(', ') || 'none'}).`);
    for (const d of defs) {
      if (given && d.name in given) { values[d.name] = coerce(d, given[d.name]); continue; }
      if (!interactive) {
        if (!d.optional) throw new Error(`The required parameter "${d.name}" (${d.type}) has no value: pass it in {parameters}.`);
        continue; // the server uses the default
      }
      const start = d.name in remembered ? remembered[d.name] : d.default;
      const text = await vscode.window.showInputBox({
        title: `Run ${p.parsed.name}: parameter ${d.name}`,
        prompt: `${d.name} (${typeLabel(d)})${d.optional ? `, default ${formatParameterValue(d.default) || 'empty'}` : ', required'}${d.description ? ` · ${d.description}` : ''}`,
        value: formatParameterValue(start), ignoreFocusOut: true,
        validateInput: (v) => { if (!v.trim() && d.type !== 'STRING') return d.optional ? null : 'A value is required'; try { parseParameterValue(d.type, v); return null; } catch (e) { return (e as Error).message; } },
      });
      if (text === undefined) throw new UserCancelled();
      if (!text.trim() && d.type !== 'STRING' && d.optional) continue;
      values[d.name] = parseParameterValue(d.type, text);
    }
    await this.state.update(key, { ...remembered, ...values });
    return values;
  }

  async experiment(client: KfpClient, name: string | undefined, interactive: boolean, askAll: boolean, file: vscode.Uri): Promise<Experiment> {
    if (!name && !askAll) name = vscode.workspace.getConfiguration('kfp', file).get<string>('submit.experiment', 'Default').trim() || undefined;
    if (name) {
      const found = await client.listExperiments({ pageSize: 1, filter: { predicates: [{ key: 'display_name', operation: 'EQUALS', string_value: name }] } });
      return found.items[0] ?? client.createExperiment(name);
    }
    if (!interactive) {
      const found = await client.listExperiments({ pageSize: 1, filter: { predicates: [{ key: 'display_name', operation: 'EQUALS', string_value: 'Default' }] } });
      return found.items[0] ?? client.createExperiment('Default');
    }
    const page = await client.listExperiments({ pageSize: 50, sortBy: 'created_at desc', filter: { predicates: [{ key: 'storage_state', operation: 'NOT_EQUALS', string_value: 'ARCHIVED' }] } });
    const last = this.state.get<string>('kfp.lastExperiment');
    const items = page.items.map((e) => ({ label: e.display_name ?? e.experiment_id ?? '', description: e.experiment_id === last ? 'last used' : e.description, experiment: e as Experiment | undefined }));
    items.sort((a, b) => Number(b.experiment?.experiment_id === last) - Number(a.experiment?.experiment_id === last));
    const create = { label: '$(add) New experiment…', description: '', experiment: undefined };
    const pick = await vscode.window.showQuickPick([...items, create], { title: 'Run in which experiment?', ignoreFocusOut: true });
    if (!pick) throw new UserCancelled();
    let exp = pick.experiment;
    if (!exp) {
      const newName = await vscode.window.showInputBox({ title: 'New experiment', prompt: 'Experiment name', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? null : 'Give a name') });
      if (!newName) throw new UserCancelled();
      exp = await client.createExperiment(newName.trim());
    }
    await this.state.update('kfp.lastExperiment', exp.experiment_id);
    return exp;
  }

  async mode(client: KfpClient, p: Prepared, pipelineName: string, given: SubmitMode | undefined, interactive: boolean, askAll: boolean): Promise<SubmitMode> {
    if (given) return given;
    const setting = vscode.workspace.getConfiguration('kfp', p.file).get<string>('submit.mode', 'upload');
    if (!askAll && (setting === 'upload' || setting === 'direct')) return setting;
    if (!interactive) return setting === 'direct' ? 'direct' : 'upload';
    const existing = await client.getPipelineByName(pipelineName);
    const pick = await vscode.window.showQuickPick([
      { label: existing ? `$(versions) Upload as a new version of "${pipelineName}"` : `$(cloud-upload) Upload as a new pipeline "${pipelineName}"`, mode: 'upload' as const, detail: 'The run refers to the uploaded version; it appears under Pipelines.' },
      { label: '$(play) Run without uploading', mode: 'direct' as const, detail: 'The spec goes inline in the run (like create_run_from_pipeline_func).' },
    ], { title: 'How to submit?', ignoreFocusOut: true });
    if (!pick) throw new UserCancelled();
    return pick.mode;
  }

  /** What Run and Upload share: the target, a client, the compiled pipeline and its name. */
  private async start(fileArg: unknown): Promise<{ error: Record<string, unknown> } | { args: SubmitArgs; interactive: boolean; client: KfpClient; p: Prepared; pipelineName: string }> {
    const { file, args } = SubmitFlow.target(fileArg);
    const interactive = args.interactive ?? !(fileArg && typeof fileArg === 'object' && !(fileArg instanceof vscode.Uri));
    const client = await this.endpoints.getClient();
    const p = await this.prepare(file, args, interactive);
    if ('error' in p) return { error: { ok: false, error: p.error, kind: p.kind, hint: p.hint, cancelled: p.cancelled, reported: p.reported } };
    const pipelineName = args.pipelineName ?? p.parsed.name ?? path.basename(p.compiledFile).replace(/\.(ya?ml|json)$/i, '');
    return { args, interactive, client, p, pipelineName };
  }

  /** Upload and run. */
  async run(fileArg: unknown): Promise<Record<string, unknown>> {
    const started = await this.start(fileArg);
    if ('error' in started) return started.error;
    const { args, interactive, client, p, pipelineName } = started;
    const mode = await this.mode(client, p, pipelineName, args.mode, interactive, args.askAll === true);
    const parameters = await this.parameters(p, args.parameters, interactive);
    const experiment = await this.experiment(client, args.experiment, interactive, args.askAll === true, p.file);
    const names = await this.names(p, pipelineName, args);
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting ${pipelineName}…` }, () => submitPipeline(client, {
        parsed: p.parsed, fileName: path.basename(p.compiledFile), content: p.content, mode, pipelineName, versionName: names.version, runName: names.run,
        experiment, parameters, description: args.description, versionNameFromTemplate: args.versionName === undefined,
      }));
      log().info(`Started run ${result.run.run_id} (${names.run}) of ${pipelineName} in ${experiment.display_name}; created ${result.created.join(', ')}`);
      return {
        ok: true, mode, created: result.created, compiledFile: p.compiledFile, parameters,
        run: { run_id: result.run.run_id, display_name: result.run.display_name, state: result.run.state },
        pipeline: result.pipeline ? { pipeline_id: result.pipeline.pipeline_id, display_name: result.pipeline.display_name } : undefined,
        version: result.version ? { pipeline_version_id: result.version.pipeline_version_id, display_name: result.version.display_name } : undefined,
        experiment: { experiment_id: experiment.experiment_id, display_name: experiment.display_name },
        foundAfterNoAnswer: result.foundAfterNoAnswer,
      };
    } catch (e) {
      if (e instanceof PartialSubmitError) return { ok: false, error: e.message, created: e.created, pipeline: e.pipeline?.pipeline_id, version: e.version?.pipeline_version_id };
      if (e instanceof UnknownOutcomeError) return { ok: false, outcome: 'unknown', error: e.message, created: e.created };
      throw e;
    }
  }

  /**
   * Runs an uploaded pipeline version (a pipeline's newest when none is named),
   * from the tree or a script: {pipelineId, versionId?, parameters?, experiment?, runName?, askAll?}.
   */
  async runVersion(ref: { pipelineId: string; versionId?: string; parameters?: Record<string, JsonValue>; experiment?: string; runName?: string; interactive: boolean; askAll?: boolean; open?: boolean }): Promise<Record<string, unknown>> {
    const client = await this.endpoints.getClient();
    let versionId = ref.versionId;
    if (!versionId) {
      versionId = (await client.listPipelineVersions(ref.pipelineId, { pageSize: 1, sortBy: 'created_at desc' })).items[0]?.pipeline_version_id;
      if (!versionId) return { ok: false, error: 'This pipeline has no version to run. Upload one first.' };
    }
    const [pipeline, version] = await Promise.all([client.getPipeline(ref.pipelineId), client.getPipelineVersion(ref.pipelineId, versionId)]);
    const spec = version.pipeline_spec;
    const parsed: ParsedPipeline = { kind: spec && isIrSpec(spec) ? 'ir' : spec ? 'argo' : 'unknown', spec, name: pipeline.display_name ?? ref.pipelineId, problems: [] };
    const scope = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.sep);
    const p: Prepared = { file: scope, compiledFile: '', parsed, content: Buffer.alloc(0) };
    try {
      const parameters = parsed.kind === 'unknown' ? ref.parameters ?? {} : await this.parameters(p, ref.parameters, ref.interactive);
      const experiment = await this.experiment(client, ref.experiment, ref.interactive, ref.askAll === true, scope);
      const vars = { pipelineName: parsed.name!, date: new Date() };
      const runName = ref.runName ?? expandName(vscode.workspace.getConfiguration('kfp').get<string>('submit.runName', '${pipelineName} ${timestamp}'), vars);
      const run = await client.createRun({
        display_name: runName, experiment_id: experiment.experiment_id, runtime_config: { parameters },
        pipeline_version_reference: { pipeline_id: ref.pipelineId, pipeline_version_id: versionId },
      });
      log().info(`Started run ${run.run_id} (${runName}) of ${parsed.name} version ${version.display_name} in ${experiment.display_name}`);
      return { ok: true, run: { run_id: run.run_id, display_name: run.display_name, state: run.state }, pipeline: { pipeline_id: ref.pipelineId, display_name: pipeline.display_name }, version: { pipeline_version_id: versionId, display_name: version.display_name }, parameters, experiment: { experiment_id: experiment.experiment_id, display_name: experiment.display_name } };
    } catch (e) {
      if (e instanceof UserCancelled) return { ok: false, cancelled: true, error: 'Cancelled.' };
      throw e;
    }
  }

  /** Upload only (new pipeline, or new version of the one with that name). */
  async upload(fileArg: unknown): Promise<Record<string, unknown>> {
    const started = await this.start(fileArg);
    if ('error' in started) return started.error;
    const { args, client, p, pipelineName } = started;
    const names = await this.names(p, pipelineName, args);
    let r: Awaited<ReturnType<typeof uploadPipelineFile>>;
    try {
      r = await uploadPipelineFile(client, { fileName: path.basename(p.compiledFile), content: p.content, pipelineName, versionName: names.version, description: args.description, versionNameFromTemplate: args.versionName === undefined });
    } catch (e) {
      if (e instanceof UnknownOutcomeError) return { ok: false, outcome: 'unknown', error: e.message };
      throw e;
    }
    return {
      ok: true, created: r.created, compiledFile: p.compiledFile,
      pipeline: { pipeline_id: r.pipeline.pipeline_id, display_name: r.pipeline.display_name },
      version: r.version ? { pipeline_version_id: r.version.pipeline_version_id, display_name: r.version.display_name } : undefined,
      foundAfterNoAnswer: r.foundAfterNoAnswer,
    };
  }

  async names(p: Prepared, pipelineName: string, args: SubmitArgs): Promise<{ version: string; run: string }> {
    const cfg = vscode.workspace.getConfiguration('kfp', p.file);
    const vars = { pipelineName, date: new Date(), gitShortSha: await gitShortSha(path.dirname(p.file.fsPath)), functionName: p.functionName };
    return {
      version: args.versionName ?? expandName(cfg.get<string>('submit.versionName', '${pipelineName}-${timestamp}-${gitShortSha}'), vars),
      run: args.runName ?? expandName(cfg.get<string>('submit.runName', '${pipelineName} ${timestamp}'), vars),
    };
  }
}

function coerce(d: PipelineParameter, v: JsonValue): JsonValue {
  if (typeof v === 'string' && d.type !== 'STRING') return parseParameterValue(d.type, v);
  return v;
}

function typeLabel(d: PipelineParameter): string {
  return { STRING: 'text', NUMBER_INTEGER: 'integer', NUMBER_DOUBLE: 'number', BOOLEAN: 'true/false', LIST: 'JSON list', STRUCT: 'JSON object', TASK_FINAL_STATUS: 'status', TASK_CONFIG: 'config' }[d.type];
}

