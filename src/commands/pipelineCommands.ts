// Compile, Run, Upload and Validate a pipeline file: from a code lens, the
// editor title, the explorer's context menu, the Pipelines in Workspace view,
// or a script ({file, function?, parameters?, experiment?, mode?, …}).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PipelineCompiler } from '../pipelines/compiler';
import type { SpecDiagnostics } from '../pipelines/specDiagnostics';
import type { VertexSubmit } from '../pipelines/vertexSubmit';
import { SubmitFlow, UserCancelled } from '../pipelines/submitFlow';
import { WorkspacePipelinesProvider } from '../pipelines/workspacePipelines';
import { parsePipelineText } from '../core/pipeline/spec';
import { selectInterpreter } from '../pipelines/interpreter';
import { cancelled, CommandResult, register, Services, toRef } from './common';
import type { JsonValue } from '../core/kfp/types';
import { promises as fs } from 'node:fs';

export interface PipelineServices { compiler: PipelineCompiler; flow: SubmitFlow; specDiagnostics: SpecDiagnostics; workspacePipelines: WorkspacePipelinesProvider; vertex: VertexSubmit }

/** Invoked by a person (palette, lens, menu), not by a script passing an object. */
const fromUi = (arg: unknown): boolean => !(arg && typeof arg === 'object' && !(arg instanceof vscode.Uri)) || (arg as { interactive?: boolean }).interactive === true || WorkspacePipelinesProvider.args(arg) !== undefined;

/** A row of the Pipelines in Workspace view becomes {file, function}. */
const normalise = (arg: unknown): unknown => WorkspacePipelinesProvider.args(arg) ?? arg;

async function guarded(fn: () => Promise<Record<string, unknown>>): Promise<CommandResult> {
  try {
    const r = await fn();
    return r as CommandResult;
  } catch (e) {
    if (e instanceof UserCancelled) return cancelled();
    throw e;
  }
}

export function registerPipelineCommands(s: Services, p: PipelineServices): void {
  register(s, 'kfp.pipeline.compile', async (arg?: unknown) => guarded(async () => {
    const { file, args } = SubmitFlow.target(normalise(arg));
    if (!/\.py$/i.test(file.fsPath)) return { ok: false, error: 'Compile works on a Python file that defines a @dsl.pipeline.' };
    const prepared = await p.flow.prepare(file, args, fromUi(arg));
    if ('error' in prepared) return { ok: false, error: prepared.error, kind: prepared.kind, hint: prepared.hint, cancelled: prepared.cancelled };
    if (fromUi(arg)) {
      void vscode.window.showInformationMessage(`Compiled ${prepared.functionName} to ${vscode.workspace.asRelativePath(prepared.compiledFile)}`, 'Open').then((o) => {
        if (o) void vscode.window.showTextDocument(vscode.Uri.file(prepared.compiledFile));
      });
    }
    return { ok: true, output: prepared.compiledFile, function: prepared.functionName, pipelineName: prepared.parsed.name, sdkVersion: prepared.sdkVersion, kind: prepared.parsed.kind };
  }));

  register(s, 'kfp.pipeline.run', async (arg?: unknown) => guarded(async () => {
    // The same command on either backend: a KFP run, or a Vertex AI pipeline job.
    const vertex = s.endpoints.isVertex;
    const r = vertex ? await p.vertex.run(normalise(arg)) : await p.flow.run(normalise(arg));
    if (r.ok) {
      s.explorer.refresh();
      void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.hasRun', true);
      const run = r.run as { run_id: string; display_name: string };
      const args = (arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) ? arg : {}) as { openRun?: boolean };
      if (args.openRun !== false) await vscode.commands.executeCommand('kfp.run.open', run.run_id);
      void vscode.window.showInformationMessage(`Started run "${run.display_name}"${vertex ? ' on Vertex AI' : ''}.`, vertex ? 'Open in Console' : 'Open in KFP Web UI').then((o) => {
        if (o) void vscode.commands.executeCommand('kfp.item.openInBrowser', { kind: 'run', id: run.run_id });
      });
    } else if (!r.cancelled && r.error && !r.reported) {
      void vscode.window.showErrorMessage(String(r.error));
    }
    return r;
  }));

  // Run an uploaded pipeline (its newest version) or a version, from the tree or a script.
  const runVersion = async (arg: unknown, askAll: boolean) => {
    let ref: { pipelineId: string; versionId?: string };
    const a = (arg ?? {}) as { pipelineId?: string; versionId?: string; parameters?: Record<string, JsonValue>; experiment?: string; runName?: string; openRun?: boolean };
    if (typeof a.pipelineId === 'string') ref = { pipelineId: a.pipelineId, versionId: a.versionId };
    else {
      const r = toRef(arg, ['pipeline', 'pipelineVersion']);
      ref = r.kind === 'pipelineVersion' ? { pipelineId: r.pipelineId!, versionId: r.id } : { pipelineId: r.id };
    }
    const interactive = typeof a.pipelineId !== 'string';
    const r = await p.flow.runVersion({ ...ref, parameters: a.parameters, experiment: a.experiment, runName: a.runName, interactive, askAll });
    if (r.ok) {
      s.explorer.refresh();
      void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.hasRun', true);
      if (a.openRun !== false && interactive) await vscode.commands.executeCommand('kfp.run.open', (r.run as { run_id: string }).run_id);
    }
    return r as CommandResult;
  };
  register(s, 'kfp.pipeline.runVersion', (arg?: unknown) => runVersion(arg, false));
  register(s, 'kfp.pipeline.runVersionWithOptions', (arg?: unknown) => runVersion(arg, true));

  register(s, 'kfp.pipeline.runWithOptions', async (arg?: unknown) => {
    const base = normalise(arg);
    const withOptions = base instanceof vscode.Uri ? { file: base, interactive: true, askAll: true } : { ...(base && typeof base === 'object' ? base : {}), interactive: true, askAll: true };
    return vscode.commands.executeCommand<CommandResult>('kfp.pipeline.run', withOptions);
  });

  register(s, 'kfp.pipeline.upload', async (arg?: unknown) => guarded(async () => {
    // On Vertex AI a pipeline is uploaded as a template version of the endpoint's repository.
    if (s.endpoints.isVertex) return vscode.commands.executeCommand<CommandResult>('kfp.vertex.template.upload', normalise(arg));
    const r = await p.flow.upload(normalise(arg));
    if (r.ok) {
      s.explorer.refresh();
      const pl = r.pipeline as { display_name?: string };
      void vscode.window.showInformationMessage(`Uploaded ${(r.created as string[]).includes('version') ? 'a new version of' : 'the pipeline'} "${pl.display_name}".`);
    } else if (!r.cancelled && r.error && !r.reported) void vscode.window.showErrorMessage(String(r.error));
    return r;
  }));

  register(s, 'kfp.pipeline.validate', async (arg?: unknown) => {
    const { file } = SubmitFlow.target(arg);
    if (!/\.(ya?ml|json)$/i.test(file.fsPath)) return { ok: false, error: 'Validate works on a compiled pipeline (.yaml, .yml, .json).' };
    const parsed = parsePipelineText(await fs.readFile(file.fsPath, 'utf8'));
    p.specDiagnostics.show(file, parsed);
    const errors = parsed.problems.filter((x) => x.severity === 'error').length;
    const msg = `${path.basename(file.fsPath)}: ${parsed.kind === 'ir' ? 'KFP pipeline spec' : parsed.kind === 'argo' ? 'Argo Workflow (KFP v1)' : 'not a pipeline'}, ${errors ? `${errors} error(s): see the Problems view` : 'no problems'}.`;
    if (errors) void vscode.window.showWarningMessage(msg); else void vscode.window.showInformationMessage(msg);
    return { ok: true, kind: parsed.kind, name: parsed.name, problems: parsed.problems.map((x) => ({ message: x.message, severity: x.severity, line: x.start.line + 1 })) };
  });

  register(s, 'kfp.pipeline.refreshWorkspace', async () => {
    p.workspacePipelines.refresh();
    return { ok: true };
  });

  register(s, 'kfp.python.selectInterpreter', async () => {
    await selectInterpreter();
    return { ok: true };
  });
}
