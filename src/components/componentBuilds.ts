// Build, Try and Push of a component folder with a local engine, as VS Code tasks
// (task type "kfp-build", usable in tasks.json): the engine runs without a shell,
// its output goes to the task's terminal, a failing step is put at its Dockerfile
// line in the Problems view, and closing the terminal (or Terminate Task) cancels.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseImage, formatImage } from '../core/components/images';
import { resolveCommandLine } from '../core/components/components';
import { BuildOutputReader, buildArgs, chooseEngine, dockerfileInstructions, Engine, EngineKind, pushArgs, runArgs } from '../core/containers/engine';
import { runProcess } from '../core/containers/process';
import { gitHeadCommit, gitShortSha } from '../core/util/gitHead';
import type { Build } from '../core/cloudbuild/cloudBuild';
import type { CloudBuildClient } from '../core/cloudbuild/cloudBuild';
import { planSubmit, submitBuild, SubmitPlan } from '../core/cloudbuild/submit';
import type { Component, ComponentsProvider } from './componentsView';

export const TASK_TYPE = 'kfp-build';

export interface KfpBuildTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  action: 'build' | 'push' | 'try' | 'cloud-build';
  /** The component folder, relative to the workspace folder. */
  component: string;
  /** Image to build or push (default: the component's image names). */
  image?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  platform?: string;
  /** Try: values of the component.yaml inputs. */
  inputs?: Record<string, string>;
}

export interface ActionResult {
  ok: boolean;
  action: 'build' | 'push' | 'try' | 'cloud-build';
  component: string;
  engine?: EngineKind;
  images?: string[];
  digest?: string;
  exitCode?: number | null;
  cancelled?: boolean;
  error?: string;
  /** Build failures: the Dockerfile line (0-based) of the failing instruction. */
  line?: number;
  durationMs?: number;
  /** From the command to the engine's first output line (the terminal's first line of the build itself). */
  firstOutputMs?: number;
  /** When the engine first wrote (epoch ms; turned into firstOutputMs by run()). */
  firstOutputAt?: number;
  outputs?: Record<string, string>;
  workDir?: string;
  /** Cloud Build: the build's ID, final status, console link, and what was uploaded from where. */
  buildId?: string;
  status?: string;
  logUrl?: string;
  uploadedFrom?: string;
  source?: string;
}

/**
 * The engine from settings (kfp.components.engine, kfp.components.enginePath). With `auto`, a docker client whose
 * engine does not answer (a notebook image with the CLI but no daemon) is passed over for podman or buildah.
 */
export async function configuredEngine(): Promise<Engine | { missing: string }> {
  const cfg = vscode.workspace.getConfiguration('kfp');
  const setting = cfg.get<EngineKind | 'auto'>('components.engine', 'auto');
  const paths = cfg.get<Partial<Record<EngineKind, string>>>('components.enginePath', {});
  const first = chooseEngine(setting, paths);
  if (setting !== 'auto' || 'missing' in first || first.kind !== 'docker') return first;
  const answers = await runProcess(first.path, ['version', '--format', '{{.Server.Version}}'], { signal: AbortSignal.timeout(5000) }).then((r) => r.code === 0, () => false);
  if (answers) return first;
  for (const kind of ['podman', 'buildah'] as const) {
    const other = chooseEngine(kind, paths);
    if (!('missing' in other)) return other;
  }
  return { missing: `${first.path} is installed but no Docker engine answers: start it (or set DOCKER_HOST), or install podman or buildah.` };
}

/** A pseudoterminal that runs one engine process and reports its result; closing it (or Terminate Task) cancels. */
class EngineTerminal implements vscode.Pseudoterminal {
  private readonly written = new vscode.EventEmitter<string>();
  private readonly closed = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.written.event;
  readonly onDidClose = this.closed.event;
  private readonly ac = new AbortController();

  constructor(private readonly work: (t: { print: (s: string) => void; signal: AbortSignal }) => Promise<ActionResult>, private readonly done: (r: ActionResult) => void) {}

  open(): void {
    const print = (s: string) => this.written.fire(s.replace(/\r?\n/g, '\r\n'));
    void this.work({ print, signal: this.ac.signal }).then(
      (r) => { print(`\n${r.ok ? '✔' : r.cancelled ? '◼ cancelled' : '✘'} ${r.action} ${r.component}${r.error ? `: ${r.error}` : ''}\n`); this.done(r); this.closed.fire(r.ok ? 0 : 1); },
      (e: Error) => { print(`\n✘ ${e.message}\n`); this.done({ ok: false, action: 'build', component: '', error: e.message }); this.closed.fire(1); },
    );
  }

  close(): void { this.ac.abort(); }
}

export class ComponentBuilds implements vscode.TaskProvider, vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('kfp-build');
  /** Requests of commands waiting for their task to start (see task()). */
  private readonly pending: Array<{ d: KfpBuildTaskDefinition; resolve: (r: ActionResult) => void }> = [];

  constructor(private readonly components: ComponentsProvider, private readonly storage: vscode.Uri, private readonly cloud?: CloudBuildDeps) {}

  dispose(): void { this.diagnostics.dispose(); }

  /** The Cloud Build client of the settings (for commands that are not tasks, such as the CI triggers). */
  async cloudClient(): Promise<CloudBuildClient> {
    if (!this.cloud) throw new Error('Cloud Build is not available here.');
    return this.cloud.client();
  }

  /** The tasks offered in Run Task: build, push and try for every component folder. */
  async provideTasks(): Promise<vscode.Task[]> {
    const out: vscode.Task[] = [];
    for (const c of await this.components.list()) {
      for (const action of ['build', 'push'] as const) out.push(this.task({ type: TASK_TYPE, action, component: c.dir }, c.folder));
    }
    return out;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const d = task.definition as KfpBuildTaskDefinition;
    if (d.type !== TASK_TYPE || !d.action || typeof d.component !== 'string') return undefined;
    const folder = typeof task.scope === 'object' ? task.scope as vscode.WorkspaceFolder : vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    return this.task(d, folder, task);
  }

  private task(d: KfpBuildTaskDefinition, folder: vscode.WorkspaceFolder, from?: vscode.Task): vscode.Task {
    const name = `${d.action} ${d.component || folder.name}`;
    const t = new vscode.Task(d, folder, from?.name ?? name, 'kfp', new vscode.CustomExecution(async (resolved) => {
      // VS Code may hand back the execution of an earlier task with the same definition (it keys them by the
      // declared properties), so what to do comes from the request a command queued, not from this closure.
      const r = resolved as KfpBuildTaskDefinition;
      const i = this.pending.findIndex((p) => p.d.action === r.action && p.d.component === r.component);
      const req = i >= 0 ? this.pending.splice(i, 1)[0] : undefined;
      const def = req?.d ?? { ...d, ...r };
      return new EngineTerminal((io) => this.perform(def, folder, io), (res) => req?.resolve(res));
    }), []);
    t.group = d.action === 'build' ? vscode.TaskGroup.Build : undefined;
    t.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
    return t;
  }

  /** Runs an action as a task (its terminal shows the output) and resolves with its result. */
  async run(d: KfpBuildTaskDefinition, c: Component, token?: vscode.CancellationToken): Promise<ActionResult> {
    const startedAt = Date.now();
    let resolveResult: (r: ActionResult) => void = () => undefined;
    const result = new Promise<ActionResult>((resolve) => { resolveResult = resolve; });
    const req = { d, resolve: resolveResult };
    // VS Code will not start a task while one with the same definition is still active (it offers to restart it
    // instead): wait for the previous run of this action on this folder to be over.
    const same = (e: vscode.TaskExecution) => e.task.definition.type === TASK_TYPE && e.task.definition.action === d.action && e.task.definition.component === d.component;
    for (let waited = 0; vscode.tasks.taskExecutions.some(same) && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    this.pending.push(req);
    const exec = await vscode.tasks.executeTask(this.task(d, c.folder));
    token?.onCancellationRequested(() => exec.terminate());
    // A task that ends without having run (VS Code refused it, its terminal never opened) still gives an answer.
    const ended = new Promise<ActionResult>((resolve) => {
      const sub = vscode.tasks.onDidEndTask((e) => {
        if (e.execution !== exec) return;
        sub.dispose();
        setTimeout(() => resolve({ ok: false, action: d.action, component: d.component, cancelled: true, error: 'the task ended before the engine ran (it was terminated or VS Code did not start it)' }), 2000);
      });
    });
    const r = await Promise.race([result, ended]);
    const left = this.pending.indexOf(req);
    if (left >= 0) this.pending.splice(left, 1);
    if (r.firstOutputAt) { r.firstOutputMs = r.firstOutputAt - startedAt; delete r.firstOutputAt; }
    return r;
  }

  private async perform(d: KfpBuildTaskDefinition, folder: vscode.WorkspaceFolder, io: { print: (s: string) => void; signal: AbortSignal }): Promise<ActionResult> {
    const base: ActionResult = { ok: false, action: d.action, component: d.component };
    if (!vscode.workspace.isTrusted) return { ...base, error: 'Building runs a container engine on this folder\'s files: trust the workspace first (Restricted Mode runs nothing from it).' };
    const c = (await this.components.list()).find((x) => x.folder.uri.toString() === folder.uri.toString() && x.dir === d.component);
    if (!c) return { ...base, error: `No component folder ${d.component} (a folder with a Dockerfile) in ${folder.name}.` };
    if (d.action === 'cloud-build') return this.cloudBuild(c, d, io, base);
    const engine = await configuredEngine();
    if ('missing' in engine) return { ...base, error: engine.missing };
    base.engine = engine.kind;
    if (d.action === 'build') return this.build(c, engine, d, io, base);
    if (d.action === 'push') return this.push(c, engine, d, io, base);
    return this.tryOut(c, engine, d, io, base);
  }

  /** The tags a build gives: the component's image names (substitutions resolved here), or the one asked for; plus the git short SHA. */
  async tagsFor(c: Component, asked?: string): Promise<{ tags: string[]; problem?: string }> {
    const sha = await gitShortSha(c.folder.uri.fsPath);
    const fill = (s: string) => s.replace(/\$\{?SHORT_SHA\}?/g, sha ?? 'latest').replace(/\$\{?COMMIT_SHA\}?/g, sha ?? 'latest');
    // A name pinned by digest (a component.yaml after "Update to this Digest") is built under a tag of the same repository.
    const names = (asked ? [asked] : c.images).map(fill).map((n) => { const r = parseImage(n); return r.digest ? formatImage({ repository: r.repository, tag: r.tag ?? sha ?? 'latest' }) : n; });
    const left = names.find((n) => /\$\{?[A-Z_][A-Z0-9_]*\}?/.test(n));
    if (!names.length) return { tags: [], problem: c.problems[0] ?? 'This component has no image name: add images: to its cloudbuild.yaml or set kfp.components.registry.' };
    if (left) return { tags: [], problem: `The image name ${left} still has a substitution no one gave a value (set kfp.cloudBuild.project, or kfp.cloudBuild.substitutions for _VARS).` };
    const tags = [...names];
    // The git short SHA as a second tag, so the image of a commit can be found again.
    if (sha && !asked) for (const n of names) { const r = parseImage(n); const t = formatImage({ repository: r.repository, tag: sha }); if (!tags.includes(t)) tags.push(t); }
    return { tags };
  }

  private async build(c: Component, engine: Engine, d: KfpBuildTaskDefinition, io: { print: (s: string) => void; signal: AbortSignal }, base: ActionResult): Promise<ActionResult> {
    const cfg = vscode.workspace.getConfiguration('kfp');
    const { tags, problem } = await this.tagsFor(c, d.image);
    if (problem) return { ...base, error: problem };
    const platform = d.platform ?? cfg.get<string>('components.platform', 'linux/amd64') ?? undefined;
    const dockerfile = path.join(c.folder.uri.fsPath, c.dockerfile);
    if (process.arch === 'arm64' && platform === 'linux/amd64') io.print('This machine is arm64 and the image is built for linux/amd64 (clusters run amd64): the engine emulates, which is slower.\n');
    const args = buildArgs(engine.kind, { contextDir: c.fsPath, dockerfile, tags, buildArgs: { ...cfg.get<Record<string, string>>('components.buildArgs', {}), ...(d.buildArgs ?? {}) }, target: d.target, platform: platform || undefined });
    io.print(`${engine.path} ${args.map(quoteForDisplay).join(' ')}\n\n`);
    const reader = new BuildOutputReader(dockerfileInstructions(fs.readFileSync(dockerfile, 'utf8')));
    let firstOutputAt: number | undefined;
    const r = await runProcess(engine.path, args, { cwd: c.fsPath, signal: io.signal, onData: (t) => { firstOutputAt ??= Date.now(); io.print(t); }, onLine: (l) => reader.line(l) });
    base.firstOutputAt = firstOutputAt;
    const uri = vscode.Uri.file(dockerfile);
    if (r.cancelled) {
      await this.components.record(c, 'build', { state: 'cancelled', at: Date.now(), engine: engine.kind });
      return { ...base, cancelled: true, error: 'cancelled', durationMs: r.durationMs };
    }
    if (r.code !== 0) {
      const f = reader.failure();
      const line = f.instruction?.line ?? 0;
      const range = new vscode.Range(line, 0, f.instruction?.endLine ?? line, Number.MAX_SAFE_INTEGER);
      const diag = new vscode.Diagnostic(range, `${f.instruction ? `${f.instruction.keyword} failed: ` : ''}${f.message}`, vscode.DiagnosticSeverity.Error);
      diag.source = engine.kind;
      this.diagnostics.set(uri, [diag]);
      await this.components.record(c, 'build', { state: 'failed', at: Date.now(), engine: engine.kind, error: f.message, line, image: tags[0] });
      return { ...base, exitCode: r.code, error: f.message, line: f.instruction ? line : undefined, durationMs: r.durationMs };
    }
    this.diagnostics.delete(uri);
    await this.components.record(c, 'build', { state: 'succeeded', at: Date.now(), engine: engine.kind, image: tags[0] });
    return { ...base, ok: true, images: tags, exitCode: 0, durationMs: r.durationMs };
  }

  private async push(c: Component, engine: Engine, d: KfpBuildTaskDefinition, io: { print: (s: string) => void; signal: AbortSignal }, base: ActionResult): Promise<ActionResult> {
    const built = this.components.state(c.dir, c.folder).build;
    const image = d.image ?? (built?.state === 'succeeded' ? built.image : undefined);
    if (!image) return { ...base, error: 'Build the image first: there is no successful local build of this component to push.' };
    const digestFile = path.join(os.tmpdir(), `kfp-push-${process.pid}-${Date.now()}.digest`);
    const args = pushArgs(engine.kind, image, digestFile);
    io.print(`${engine.path} ${args.map(quoteForDisplay).join(' ')}\n\n`);
    const reader = new BuildOutputReader([]);
    const r = await runProcess(engine.path, args, { signal: io.signal, onData: io.print, onLine: (l) => reader.line(l) });
    let digest = reader.digest;
    try { digest = fs.readFileSync(digestFile, 'utf8').trim() || digest; fs.rmSync(digestFile, { force: true }); } catch { /* docker writes none */ }
    if (r.cancelled) return { ...base, cancelled: true, error: 'cancelled' };
    if (r.code !== 0) {
      const error = reader.failure().message;
      await this.components.record(c, 'push', { state: 'failed', at: Date.now(), engine: engine.kind, image, error });
      return { ...base, exitCode: r.code, error: `${error}${/denied|unauthorized|authentication required/i.test(error) ? ` (sign in to the registry first: ${engine.kind} login ${image.split('/')[0]}, or gcloud auth configure-docker for Google registries)` : ''}` };
    }
    await this.components.record(c, 'push', { state: 'succeeded', at: Date.now(), engine: engine.kind, image, digest });
    return { ...base, ok: true, images: [image], digest, durationMs: r.durationMs };
  }

  private async cloudBuild(c: Component, d: KfpBuildTaskDefinition, io: { print: (s: string) => void; signal: AbortSignal }, base: ActionResult): Promise<ActionResult> {
    const cfg = vscode.workspace.getConfiguration('kfp');
    const projectId = cfg.get<string>('cloudBuild.project', '');
    if (!projectId) return { ...base, error: 'Set kfp.cloudBuild.project to the Google Cloud project that builds.' };
    const region = cfg.get<string>('cloudBuild.region', '') || undefined;
    const root = c.folder.uri.fsPath;
    const commit = await gitHeadCommit(root);
    const configText = c.cloudbuild ? fs.readFileSync(path.join(root, c.cloudbuild), 'utf8') : undefined;
    const { tags, problem } = configText ? { tags: [], problem: undefined } : await this.tagsFor(c, d.image);
    if (problem) return { ...base, error: problem };
    if (configText && !commit && /\$\{?(SHORT_SHA|COMMIT_SHA|REVISION_ID)\b/.test(configText)) {
      return { ...base, error: `${c.cloudbuild} uses $SHORT_SHA or $COMMIT_SHA, which only a trigger or the repository's HEAD can give, and ${c.folder.name} is not a git repository. Commit it, or build it from a trigger.` };
    }
    let plan: SubmitPlan;
    try {
      plan = planSubmit({ projectId, region, folder: c.fsPath, repoRoot: root, configText, tag: tags[0], substitutions: { ...cfg.get<Record<string, string>>('cloudBuild.substitutions', {}), ...(d.buildArgs ?? {}) }, git: { commitSha: commit } });
    } catch (e) { return { ...base, error: (e as Error).message }; }
    if (plan.root !== c.fsPath) io.print(`Uploading from ${plan.why}.\n`);
    base.uploadedFrom = plan.root;
    let end: Build;
    try {
      const r = await submitBuild(await this.cloud!.client(), { projectId, region, folder: c.fsPath, repoRoot: root }, plan, {
        onLine: io.print, onLog: io.print, signal: io.signal,
        onStatus: (b) => { base.buildId = b.id ?? undefined; base.logUrl = b.logUrl ?? undefined; },
      });
      end = r.build;
      base.source = `gs://${r.bucket}/${r.object}`;
    } catch (e) {
      await this.components.record(c, 'cloudBuild', { state: 'failed', at: Date.now(), error: (e as Error).message });
      return { ...base, error: (e as Error).message };
    }
    const ok = end.status === 'SUCCESS';
    const digest = end.results?.images?.[0]?.digest ?? undefined;
    await this.components.record(c, 'cloudBuild', { state: ok ? 'succeeded' : end.status === 'CANCELLED' ? 'cancelled' : 'failed', at: Date.now(), image: end.results?.images?.[0]?.name ?? end.images?.[0] ?? undefined, digest, error: ok ? undefined : end.statusDetail ?? end.status ?? undefined, buildId: end.id ?? undefined, logUrl: end.logUrl ?? undefined });
    return {
      ...base, ok, buildId: end.id ?? undefined, status: end.status ?? undefined, logUrl: end.logUrl ?? undefined, images: end.results?.images?.map((i) => i.name ?? '') ?? end.images ?? undefined, digest,
      cancelled: end.status === 'CANCELLED' ? true : undefined, error: ok ? undefined : end.status === 'TIMEOUT' ? `the build timed out (${end.timeout ?? 'its timeout'})` : end.statusDetail ?? `the build ended ${end.status}`,
    };
  }

  private async tryOut(c: Component, engine: Engine, d: KfpBuildTaskDefinition, io: { print: (s: string) => void; signal: AbortSignal }, base: ActionResult): Promise<ActionResult> {
    if (engine.kind === 'buildah') return { ...base, error: 'buildah builds and pushes images but Try runs a container: set kfp.components.engine to docker or podman.' };
    const built = this.components.state(c.dir, c.folder).build;
    const image = d.image ?? (built?.state === 'succeeded' ? built.image : undefined);
    if (!image) return { ...base, error: 'Build the image first: there is no successful local build of this component to try.' };
    if (!c.spec) return { ...base, error: 'Try needs a component.yaml beside the Dockerfile (its command, args and inputs).' };
    const work = vscode.Uri.joinPath(this.storage, 'try', `${(c.dir || 'root').replace(/[^\w.-]+/g, '_')}-${Date.now()}`).fsPath;
    const inContainer = '/kfp-try';
    const cmd = resolveCommandLine(c.spec, d.inputs ?? {}, inContainer);
    if (cmd.missing.length) return { ...base, error: `No value for the input${cmd.missing.length > 1 ? 's' : ''} ${cmd.missing.join(', ')}.` };
    fs.mkdirSync(path.join(work, 'inputs'), { recursive: true });
    fs.mkdirSync(path.join(work, 'outputs'), { recursive: true });
    for (const [name, p] of Object.entries(cmd.inputFiles)) fs.writeFileSync(path.join(work, p.slice(inContainer.length + 1)), d.inputs?.[name] ?? c.spec.inputs.find((i) => i.name === name)?.default ?? '');
    // Output paths may name files in folders the program expects to exist.
    for (const p of Object.values(cmd.outputFiles)) fs.mkdirSync(path.dirname(path.join(work, p.slice(inContainer.length + 1))), { recursive: true });
    const platform = vscode.workspace.getConfiguration('kfp').get<string>('components.platform', 'linux/amd64') || undefined;
    const args = runArgs(engine.kind, { image, argv: cmd.argv, mounts: [{ host: work, container: inContainer }], platform, name: `kfp-try-${process.pid}-${Date.now()}` });
    io.print(`${engine.path} ${args.map(quoteForDisplay).join(' ')}\n\n`);
    const r = await runProcess(engine.path, args, { signal: io.signal, onData: io.print });
    const outputs: Record<string, string> = {};
    for (const [name, p] of Object.entries(cmd.outputFiles)) {
      const f = path.join(work, p.slice(inContainer.length + 1));
      try { const st = fs.statSync(f); outputs[name] = st.isFile() ? fs.readFileSync(f, 'utf8').slice(0, 64 * 1024) : '(a folder)'; } catch { outputs[name] = '(not written)'; }
    }
    if (Object.keys(outputs).length) io.print(`\nOutputs (in ${work}):\n${Object.entries(outputs).map(([k, v]) => `  ${k}: ${v.split('\n')[0].slice(0, 200)}`).join('\n')}\n`);
    if (r.cancelled) return { ...base, cancelled: true, error: 'cancelled', workDir: work };
    return { ...base, ok: r.code === 0, exitCode: r.code, error: r.code === 0 ? undefined : `the container exited with code ${r.code}`, outputs, workDir: work, images: [image], durationMs: r.durationMs };
  }
}

export interface CloudBuildDeps {
  /** The client for the configured project (API roots from settings; ADC tokens only for Google hosts). */
  client(): Promise<CloudBuildClient>;
}

/** An argument as the terminal shows it (display only: nothing is run through a shell). */
function quoteForDisplay(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
