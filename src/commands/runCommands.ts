// The run view and the actions on a run: open, terminate, retry, clone, logs,
// and the graph of a pipeline that has not run.
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { parseParameterValue, parsePipelineText, pipelineParameters, formatParameterValue } from '../core/pipeline/spec';
import type { JsonValue, Run } from '../core/kfp/types';
import { RunPanel, RunPanelDeps } from '../runView/runPanel';
import { artifactUri, logUri, LogFileSystem } from '../runView/logDocuments';
import { runOutputs } from '../runView/stepOutputs';
import { runGraph } from '../core/graph/forRun';
import { storagePath } from '../core/mlmd/client';
import { SubmitFlow } from '../pipelines/submitFlow';
import type { PipelineCompiler } from '../pipelines/compiler';
import { cancelled, CommandResult, register, scriptOptions, Services, toRef, UserError } from './common';
import { isVertexRun, pipelineJobBody, jobIdFor } from '../core/vertex/runs';
import { vertexRunGraph, vertexStepOutputs } from '../runView/vertexRun';

/** Asks each parameter of the spec (prefilled with the source run's values, updated in place) and the run name; undefined when cancelled. */
async function askClone(spec: Record<string, JsonValue> | undefined, parameters: Record<string, JsonValue>, name: string): Promise<string | undefined> {
  const specParams = spec ? pipelineParameters({ kind: 'ir', spec, problems: [] }).filter((x) => x.type !== 'TASK_FINAL_STATUS' && x.type !== 'TASK_CONFIG') : [];
  for (const p of specParams) {
    const val = await vscode.window.showInputBox({
      title: `Clone: parameter ${p.name}`, prompt: `${p.name} (${p.type})`, value: formatParameterValue(parameters[p.name] ?? p.default), ignoreFocusOut: true,
      validateInput: (t) => { try { parseParameterValue(p.type, t); return null; } catch (e) { return (e as Error).message; } },
    });
    if (val === undefined) return undefined;
    parameters[p.name] = parseParameterValue(p.type, val);
  }
  return vscode.window.showInputBox({ title: 'Clone: run name', value: name, ignoreFocusOut: true });
}

/** Clone a Vertex AI run: the same spec, runtime config, service account, network and labels, new parameters if given (the SDK's clone names the job "cloned-…"). */
async function cloneVertex(s: Services, deps: RunPanelDeps, id: string, given: Record<string, JsonValue> | undefined, runName: string | undefined, interactive: boolean): Promise<CommandResult> {
  const v = await s.endpoints.getVertex();
  const src = await v.getPipelineJob(id);
  if (!src.pipelineSpec) throw new UserError('Vertex AI sent no spec for this run, so it cannot be cloned.');
  const parameters: Record<string, JsonValue> = { ...((src.runtimeConfig?.parameterValues ?? {}) as Record<string, JsonValue>), ...(given ?? {}) };
  let name = runName ?? `Clone of ${src.displayName ?? id}`;
  if (interactive) {
    const asked = await askClone(src.pipelineSpec as Record<string, JsonValue>, parameters, name);
    if (!asked) return cancelled();
    name = asked;
  }
  const labels = Object.fromEntries(Object.entries(src.labels ?? {}).filter(([k]) => k !== 'vertex-ai-pipelines-run-billing-id'));
  const body = pipelineJobBody({ spec: src.pipelineSpec as Record<string, JsonValue>, displayName: name, parameters, pipelineRoot: src.runtimeConfig?.gcsOutputDirectory, serviceAccount: src.serviceAccount, network: src.network, labels, templateUri: src.templateUri });
  const pipelineName = String((src.pipelineSpec.pipelineInfo as { name?: string } | undefined)?.name ?? 'pipeline');
  const created = await v.createPipelineJob(body, jobIdFor(`cloned-${pipelineName}`));
  const newId = created.name?.split('/').pop() ?? '';
  s.explorer.refresh();
  if (interactive) await RunPanel.open(deps, newId);
  return { ok: true, runId: newId, clonedFrom: id, parameters, backend: 'vertex' };
}

function runIdOf(arg: unknown): string {
  if (arg && typeof arg === 'object' && typeof (arg as { runId?: unknown }).runId === 'string') return (arg as { runId: string }).runId;
  if (typeof arg === 'string' && arg) return arg;
  return toRef(arg, ['run']).id;
}

export function registerRunCommands(s: Services, deps: RunPanelDeps, compiler: PipelineCompiler, logFs: LogFileSystem): void {
  register(s, 'kfp.run.open', async (arg?: unknown) => {
    let id: string | undefined;
    try { id = runIdOf(arg); } catch { /* ask */ }
    if (!id) {
      const typed = await vscode.window.showInputBox({ title: 'Open run', prompt: 'Run ID', ignoreFocusOut: true });
      if (!typed?.trim()) return cancelled();
      id = typed.trim();
    }
    const panel = await RunPanel.open(deps, id);
    // The panel stays open with the reason and a Retry button; the caller hears that the run could not be loaded.
    if (panel.loadError) return { ok: false, runId: id, error: `Could not open run ${id}: ${panel.loadError}` };
    void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.watched', true);
    return { ok: true, runId: id, title: panel.panel.title };
  });

  const refresh = async (id: string) => { await RunPanel.panels.get(id)?.refreshNow(); s.explorer.refresh(); };

  register(s, 'kfp.run.terminate', async (...args: unknown[]) => {
    const id = runIdOf(args[0]);
    if (!scriptOptions(args).skipConfirmation) {
      const ok = await vscode.window.showWarningMessage('Terminate this run? Its running steps are stopped.', { modal: true }, 'Terminate');
      if (ok !== 'Terminate') return cancelled();
    }
    if (s.endpoints.isVertex) {
      // Vertex AI: a best-effort cancel; the run goes CANCELLING, then CANCELLED (pipeline_service.proto CancelPipelineJob).
      await (await s.endpoints.getVertex()).cancelPipelineJob(id);
      await refresh(id);
      return { ok: true, runId: id, terminated: true, backend: 'vertex' };
    }
    await (await s.endpoints.getClient()).terminateRun(id);
    await refresh(id);
    return { ok: true, runId: id, terminated: true };
  });

  register(s, 'kfp.run.retry', async (arg?: unknown) => {
    const id = runIdOf(arg);
    await (await s.endpoints.getClient()).retryRun(id);
    await refresh(id);
    return { ok: true, runId: id, retried: true };
  });

  register(s, 'kfp.run.clone', async (arg?: unknown) => {
    const id = runIdOf(arg);
    const a = (arg && typeof arg === 'object' ? arg : {}) as { parameters?: Record<string, JsonValue>; runName?: string; interactive?: boolean; kind?: string };
    const interactive = a.interactive ?? (a.parameters === undefined && a.runName === undefined);
    if (s.endpoints.isVertex) return cloneVertex(s, deps, id, a.parameters, a.runName, interactive);
    const client = await s.endpoints.getClient();
    const source = await client.getRun(id);
    const parameters: Record<string, JsonValue> = { ...(source.runtime_config?.parameters ?? {}), ...(a.parameters ?? {}) };
    let runName = a.runName ?? `Clone of ${source.display_name ?? id}`;
    if (interactive) {
      const spec = source.pipeline_spec ?? (source.pipeline_version_reference?.pipeline_version_id ? (await client.getPipelineVersion(source.pipeline_version_reference.pipeline_id ?? '', source.pipeline_version_reference.pipeline_version_id)).pipeline_spec : undefined);
      const asked = await askClone(spec ? (spec.pipeline_spec ?? spec) as Record<string, JsonValue> : undefined, parameters, runName);
      if (!asked) return cancelled();
      runName = asked;
    }
    const body: Run = { display_name: runName, experiment_id: source.experiment_id, runtime_config: { ...source.runtime_config, parameters } };
    if (source.pipeline_version_reference?.pipeline_version_id) body.pipeline_version_reference = source.pipeline_version_reference;
    else if (source.pipeline_spec) body.pipeline_spec = source.pipeline_spec;
    else throw new UserError('The run has neither a pipeline version nor a spec to clone.');
    if (source.service_account) body.service_account = source.service_account;
    const created = await client.createRun(body);
    s.explorer.refresh();
    if (interactive) await RunPanel.open(deps, created.run_id!);
    return { ok: true, runId: created.run_id, clonedFrom: id, parameters };
  });

  register(s, 'kfp.run.openLog', async (arg?: unknown) => {
    const a = (arg ?? {}) as { runId?: string; nodeId?: string; attempt?: number };
    if (!a.runId || !a.nodeId) throw new UserError('Pass {runId, nodeId} (a step of the run view), and attempt (0, 1, …) for one attempt of a retried step.');
    if (a.attempt !== undefined && (!Number.isInteger(a.attempt) || a.attempt < 0)) throw new UserError('attempt must be a whole number from 0.');
    const uri = logUri(a.runId, a.nodeId, a.nodeId.split('/').pop() ?? 'step', a.attempt);
    // Read first: a step with no log (cached, not started) or a log no source could give is said, not opened as if it were there.
    const ready = await logFs.prepare(uri);
    if (!ready.ok) {
      if (ready.noLog) void vscode.window.showInformationMessage(ready.error);
      else void vscode.window.showErrorMessage(`Could not read the log of ${a.nodeId}: ${ready.error}`, 'Retry').then((p) => { if (p) void vscode.commands.executeCommand('kfp.run.openLog', a); });
      return { ok: false, error: ready.error, noLog: ready.noLog === true };
    }
    // vscode.open rather than openTextDocument: logs over 50 MB are not handed to extensions, but the editor opens them.
    await vscode.commands.executeCommand('vscode.open', uri, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    // complete: false means the editor shows the first part and reloads with the whole log when it has arrived.
    return { ok: true, uri: uri.toString(), bytes: ready.bytes, complete: ready.complete, source: ready.source };
  });

  register(s, 'kfp.run.stepOutputs', async (arg?: unknown) => {
    const a = (arg ?? {}) as { runId?: string; nodeId?: string };
    if (!a.runId || !a.nodeId) throw new UserError('Pass {runId, nodeId} (a step of the run view, e.g. "root/train" or "root/for-loop-2[1]/train").');
    if (s.endpoints.isVertex) {
      const run = await s.endpoints.getRun(a.runId);
      if (!isVertexRun(run)) throw new UserError('The endpoint changed.');
      const out = vertexStepOutputs(run, vertexRunGraph(run).state, a.nodeId);
      if (!out) return { ok: false, error: `Vertex AI reports no task for ${a.nodeId} in run ${a.runId} (it has not started, or it did not run).` };
      return { ok: true, runId: a.runId, nodeId: a.nodeId, state: out.executionState, outputs: Object.fromEntries(out.values), artifacts: out.artifacts };
    }
    const client = await s.endpoints.getClient();
    const run = await client.getRun(a.runId);
    const { graph } = await runGraph(await RunPanel.stateSources(s.endpoints), run);
    const steps = await runOutputs(client, a.runId, graph, `${run.state}`);
    const step = steps.get(a.nodeId);
    if (!step) return { ok: false, error: `ML Metadata has no execution for ${a.nodeId} in run ${a.runId} (it has not started, or it was skipped).` };
    return { ok: true, runId: a.runId, nodeId: a.nodeId, ...step };
  });

  register(s, 'kfp.run.openArtifact', async (arg?: unknown) => {
    const a = (arg ?? {}) as { runId?: string; uri?: string; name?: string };
    if (!a.uri) throw new UserError('Pass {uri} (an artifact URI such as minio://mlpipeline/v2/artifacts/…) and optionally {runId, name}.');
    if (s.endpoints.isVertex) {
      // Vertex AI artifacts live in Cloud Storage: opened in the console's object browser (the extension does not read buckets).
      const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(a.uri);
      if (!m) throw new UserError(`${a.uri} is not a gs:// URI.`);
      const url = `https://console.cloud.google.com/storage/browser/${m[2] ? '_details/' : ''}${encodeURIComponent(m[1])}${m[2] ? `/${m[2].split('/').map(encodeURIComponent).join('/')}` : ''}`;
      await vscode.env.openExternal(vscode.Uri.parse(url));
      return { ok: true, url };
    }
    if (!storagePath(a.uri)) throw new UserError(`${a.uri} is not a storage path the KFP UI server can read (gs://, s3://, minio://, http(s)://).`);
    const uri = artifactUri(a.runId ?? 'artifact', a.uri, a.name);
    const data = await logFs.readWhole(uri).catch((e: Error) => e);
    if (data instanceof Error) return { ok: false, error: data.message };
    await vscode.commands.executeCommand('vscode.open', uri, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    return { ok: true, uri: uri.toString(), bytes: data.length };
  });

  register(s, 'kfp.pipeline.showGraph', async (arg?: unknown) => {
    // A pipeline version from the tree, a compiled file, or a Python file (compiled first).
    if (arg && typeof arg === 'object' && (arg as { resource?: unknown }).resource) {
      const ref = toRef(arg, ['pipelineVersion', 'pipeline']);
      const client = await s.endpoints.getClient();
      let pid = ref.pipelineId ?? ref.id;
      let vid = ref.kind === 'pipelineVersion' ? ref.id : undefined;
      if (!vid) { vid = (await client.listPipelineVersions(pid, { pageSize: 1, sortBy: 'created_at desc' })).items[0]?.pipeline_version_id; pid = ref.id; }
      if (!vid) throw new UserError('This pipeline has no version to draw.');
      const v = await client.getPipelineVersion(pid, vid);
      if (!v.pipeline_spec) throw new UserError('The server sent no spec for this version.');
      const panel = await RunPanel.openStatic(deps, { title: v.display_name ?? vid, spec: v.pipeline_spec });
      return { ok: true, title: panel.panel.title };
    }
    const { file, args } = SubmitFlow.target(arg instanceof vscode.Uri || typeof (arg as { file?: unknown })?.file !== 'undefined' ? arg : undefined);
    let specText: string;
    if (/\.py$/i.test(file.fsPath)) {
      const r = await compiler.compile(file, { functionName: args.function, quiet: !(arg instanceof vscode.Uri) && !(args as { interactive?: boolean }).interactive });
      if (!r.ok) return { ok: false, error: r.error, kind: r.kind };
      specText = await fs.readFile(r.output, 'utf8');
    } else specText = await fs.readFile(file.fsPath, 'utf8');
    const parsed = parsePipelineText(specText);
    if (parsed.kind !== 'ir' || !parsed.spec) throw new UserError(`${path.basename(file.fsPath)} is not a KFP v2 pipeline spec, so there is no graph to draw.`);
    const panel = await RunPanel.openStatic(deps, { title: parsed.name ?? path.basename(file.fsPath), spec: parsed.spec });
    return { ok: true, title: panel.panel.title };
  });
}
