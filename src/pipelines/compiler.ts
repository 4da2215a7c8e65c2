// Compiles a pipeline function with the user's own KFP SDK: in a trusted
// workspace only (it runs the user's code), with progress and cancel, errors as
// diagnostics at the right file and line, and the output written only where it
// may be (see outputs.ts).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { compilePipeline, CompileError, CompileOutcome } from '../core/python/compile';
import { parsePipelineText, pipelineParameters, ParsedPipeline, PipelineParameter } from '../core/pipeline/spec';
import { log } from '../logging';
import { resolveInterpreter, selectInterpreter } from './interpreter';
import { OutputRegistry, outputPathFor } from './outputs';

export interface CompileOptions {
  functionName?: string;
  /** Replace an existing file this extension did not write, without asking (scripts). */
  overwrite?: boolean;
  /** Show no error notification (the caller reports). */
  quiet?: boolean;
  token?: vscode.CancellationToken;
}

export type CompileResult =
  | { ok: true; output: string; sdkVersion: string; function: string; pipelineName: string; parameters: PipelineParameter[]; parsed: ParsedPipeline; durationMs: number }
  | { ok: false; error: string; kind: CompileError['kind'] | 'untrusted' | 'exists'; hint?: string; cancelled?: boolean; v1Code?: boolean };

export class PipelineCompiler implements vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('kfp-compile');
  private readonly outputs: OutputRegistry;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.outputs = new OutputRegistry(context.workspaceState);
  }

  async compile(file: vscode.Uri, o: CompileOptions = {}): Promise<CompileResult> {
    if (!vscode.workspace.isTrusted) {
      const error = 'Compiling runs the pipeline\'s Python code, so it is off in Restricted Mode. Trust this workspace to compile.';
      if (!o.quiet) void vscode.window.showWarningMessage(error, 'Manage Workspace Trust').then((p) => { if (p) void vscode.commands.executeCommand('workbench.trust.manage'); });
      return { ok: false, error, kind: 'untrusted' };
    }
    const interpreter = await resolveInterpreter(file);
    const folder = vscode.workspace.getWorkspaceFolder(file)?.uri.fsPath ?? path.dirname(file.fsPath);
    const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kfp-out-'));
    const tmpOut = path.join(tmpDir, `${o.functionName ?? 'pipeline'}.yaml`);
    const timeoutMs = Math.max(5, vscode.workspace.getConfiguration('kfp', file).get<number>('compile.timeout', 120)) * 1000;
    this.diagnostics.delete(file);
    log().info(`Compiling ${file.fsPath}${o.functionName ? ` (${o.functionName})` : ''} with ${interpreter.path} (${interpreter.source})`);
    let outcome: CompileOutcome;
    try {
      outcome = await vscode.window.withProgress({
        location: vscode.ProgressLocation.Notification, cancellable: true,
        title: `Compiling ${o.functionName ?? path.basename(file.fsPath)}…`,
      }, async (_p, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        o.token?.onCancellationRequested(() => ac.abort());
        return compilePipeline({
          python: interpreter.path, helper: this.context.asAbsolutePath('python/kfp_compile.py'),
          file: file.fsPath, functionName: o.functionName, output: tmpOut, cwd: folder, timeoutMs, signal: ac.signal,
        });
      });
      if (outcome.stdout.trim()) log().info(`Python printed:\n${outcome.stdout.trimEnd()}`);
      if (outcome.stderr.trim()) log().info(`Python stderr:\n${outcome.stderr.trimEnd()}`);
      if (!outcome.ok) return this.failed(file, outcome.error, interpreter.path, o);
      const text = await fs.readFile(outcome.output, 'utf8');
      const parsed = parsePipelineText(text);
      const functionName = outcome.function;
      const dest = outputPathFor(file, functionName);
      if (!(await this.outputs.isOurs(dest)) && !o.overwrite) {
        if (o.quiet) return { ok: false, kind: 'exists', error: `${dest} exists and was not written by this extension; pass {overwrite: true} to replace it.` };
        const pick = await vscode.window.showWarningMessage(`${path.basename(dest)} exists and was not written by Kubeflow Pipelines: Compile. Replace it?`, { modal: true, detail: dest }, 'Replace', 'Save As…');
        if (pick === 'Save As…') {
          const other = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(dest), filters: { YAML: ['yaml', 'yml'] } });
          if (!other) return { ok: false, kind: 'exists', error: 'Not saved.', cancelled: true };
          return await this.finish(outcome.output, other.fsPath, outcome, parsed);
        }
        if (pick !== 'Replace') return { ok: false, kind: 'exists', error: `${dest} was left as it was.`, cancelled: true };
      }
      // Awaited here: the finally below removes the temporary output.
      return await this.finish(outcome.output, dest, outcome, parsed);
    } finally {
      await fs.rm(tmpDir, { recursive: true, force: true });
    }
  }

  private async finish(from: string, dest: string, outcome: Extract<CompileOutcome, { ok: true }>, parsed: ParsedPipeline): Promise<CompileResult> {
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.copyFile(from, dest);
    await this.outputs.remember(dest);
    log().info(`Compiled ${outcome.function} with kfp ${outcome.sdkVersion} to ${dest} in ${outcome.durationMs} ms`);
    return { ok: true, output: dest, sdkVersion: outcome.sdkVersion, function: outcome.function, pipelineName: parsed.name ?? outcome.pipelineName, parameters: pipelineParameters(parsed), parsed, durationMs: outcome.durationMs };
  }

  private failed(file: vscode.Uri, e: CompileError, python: string, o: CompileOptions): CompileResult {
    if (e.text) log().error(e.text.trimEnd());
    log().error(`Compile failed (${e.kind}): ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
    if (e.location) {
      const uri = vscode.Uri.file(e.location.file);
      const line = Math.max(0, e.location.line - 1);
      const col = Math.max(0, (e.location.column ?? 1) - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER), e.message, vscode.DiagnosticSeverity.Error);
      d.source = 'KFP compile';
      this.diagnostics.set(uri, [d]);
    }
    if (!o.quiet && e.kind !== 'cancelled') {
      const actions: string[] = [];
      if (['no-python', 'no-sdk', 'wrong-sdk'].includes(e.kind)) actions.push('Select Interpreter');
      if (e.v1Code) actions.push('Install kfp 1.8', 'Migration Guide');
      else if (e.kind === 'no-sdk' || e.kind === 'wrong-sdk') actions.push(e.kind === 'no-sdk' ? 'Install kfp' : 'Install kfp 2');
      actions.push('Show Output');
      void vscode.window.showErrorMessage(`${e.message}${e.hint ? ` ${e.hint}` : ''}`, ...actions).then((pick) => {
        if (pick === 'Select Interpreter') void selectInterpreter();
        else if (pick === 'Install kfp' || pick === 'Install kfp 2' || pick === 'Install kfp 1.8') {
          // Typed into a terminal for the user to run, never run for them.
          const t = vscode.window.createTerminal({ name: 'Install KFP SDK', cwd: vscode.workspace.getWorkspaceFolder(file)?.uri });
          t.show();
          t.sendText(`"${python}" -m pip install ${pick === 'Install kfp' ? 'kfp' : pick === 'Install kfp 2' ? '"kfp>=2"' : '"kfp<2"'}`, false);
        } else if (pick === 'Migration Guide') void vscode.env.openExternal(vscode.Uri.parse('https://www.kubeflow.org/docs/components/pipelines/user-guides/migration/'));
        else if (pick === 'Show Output') log().show();
      });
    }
    return { ok: false, error: e.message, kind: e.kind, hint: e.hint, cancelled: e.kind === 'cancelled', v1Code: e.v1Code };
  }

  dispose(): void { this.diagnostics.dispose(); }
}
