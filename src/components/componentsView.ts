// "Components": every folder of the workspace with a Dockerfile (or Containerfile),
// the image it produces, its component.yaml, its last local build and push, and
// the steps of workspace pipelines that use its image. Works without an endpoint.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ComponentFolder, describeComponent, findImageUses, ImageUse, usesOf } from '../core/components/components';
import { gitHeadCommit } from '../core/util/gitHead';

const ALWAYS_EXCLUDED = ['**/node_modules/**', '**/.venv/**', '**/venv/**', '**/site-packages/**', '**/.git/**', '**/__pycache__/**', '**/.tox/**'];

export interface BuildRecord { state: 'succeeded' | 'failed' | 'cancelled'; at: number; image?: string; digest?: string; engine?: string; error?: string; line?: number; buildId?: string; logUrl?: string }
export interface ComponentState { build?: BuildRecord; push?: BuildRecord; cloudBuild?: BuildRecord }

export interface Component extends ComponentFolder {
  folder: vscode.WorkspaceFolder;
  /** Absolute path of the component folder. */
  fsPath: string;
  uses: ImageUse[];
}

/** A component's builds on Cloud Build: from the editor (tagged) and from its CI trigger. */
export interface CloudHistory {
  trigger?: { id: string; name: string; branch?: string };
  builds: Array<{ id: string; status: string; createTime?: string; finishTime?: string; fromTrigger: boolean; logUrl?: string; images: string[]; detail?: string }>;
}

type Node =
  | { kind: 'component'; c: Component }
  | { kind: 'cloud'; c: Component }
  | { kind: 'cloudBuild'; c: Component; b: CloudHistory['builds'][number] }
  | { kind: 'trigger'; c: Component; t: NonNullable<CloudHistory['trigger']>; last?: CloudHistory['builds'][number] }
  | { kind: 'detail'; c: Component; label: string; description?: string; tooltip?: string; icon: string; open?: vscode.Uri; line?: number }
  | { kind: 'uses'; c: Component }
  | { kind: 'use'; c: Component; use: ImageUse }
  | { kind: 'message'; label: string; tooltip?: string };

const STATE_KEY = 'kfp.components.state';

export class ComponentsProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private components?: Promise<Component[]>;
  private readonly subs: vscode.Disposable[] = [];
  private pollTimer?: ReturnType<typeof setTimeout>;
  /** Set by the commands: the component's Cloud Build history (when kfp.cloudBuild.project is set). */
  history?: (c: Component) => Promise<CloudHistory>;

  constructor(private readonly memento: vscode.Memento) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{Dockerfile,Containerfile,cloudbuild.yaml,cloudbuild.yml,cloudbuild.json,component.yaml,component.yml}');
    const again = () => this.refresh();
    this.subs.push(watcher, watcher.onDidChange(again), watcher.onDidCreate(again), watcher.onDidDelete(again),
      vscode.workspace.onDidChangeWorkspaceFolders(again),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('kfp.components') || e.affectsConfiguration('kfp.cloudBuild') || e.affectsConfiguration('files.exclude')) again(); }));
  }

  refresh(): void { this.components = undefined; this.emitter.fire(undefined); }

  state(dir: string, folder: vscode.WorkspaceFolder): ComponentState {
    return this.memento.get<Record<string, ComponentState>>(STATE_KEY, {})[`${folder.uri.toString()}#${dir}`] ?? {};
  }

  async record(c: Component, what: 'build' | 'push' | 'cloudBuild', r: BuildRecord): Promise<void> {
    const all = { ...this.memento.get<Record<string, ComponentState>>(STATE_KEY, {}) };
    const key = `${c.folder.uri.toString()}#${c.dir}`;
    all[key] = { ...(all[key] ?? {}), [what]: r };
    await this.memento.update(STATE_KEY, all);
    if (what === 'build' && r.state === 'succeeded') void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.built', true);
    this.emitter.fire(undefined);
  }

  /** The component folders of the workspace, described (scanned once per change). */
  list(): Promise<Component[]> {
    this.components ??= this.scan();
    return this.components;
  }

  /** The component a Dockerfile, folder or {dir} argument names. */
  async find(arg: unknown): Promise<Component | undefined> {
    const all = await this.list();
    let fsPath: string | undefined;
    if (arg instanceof vscode.Uri) fsPath = arg.fsPath;
    else if (arg && typeof arg === 'object' && 'c' in arg) return (arg as { c: Component }).c;
    else if (arg && typeof arg === 'object' && typeof (arg as { dir?: unknown }).dir === 'string') {
      const d = (arg as { dir: string }).dir;
      return all.find((c) => c.dir === d || c.fsPath === d || c.fsPath === path.resolve(c.folder.uri.fsPath, d));
    } else if (typeof arg === 'string') fsPath = path.isAbsolute(arg) ? arg : undefined;
    else fsPath = vscode.window.activeTextEditor?.document.uri.fsPath;
    if (!fsPath) return undefined;
    return all.find((c) => fsPath === c.fsPath || fsPath === path.join(c.folder.uri.fsPath, c.dockerfile) || path.dirname(fsPath) === c.fsPath);
  }

  private async scan(): Promise<Component[]> {
    const cfg = vscode.workspace.getConfiguration('kfp');
    const filesExclude = Object.entries(vscode.workspace.getConfiguration('files').get<Record<string, boolean>>('exclude', {})).filter(([, on]) => on === true).map(([g]) => g);
    const exclude = `{${[...ALWAYS_EXCLUDED, ...filesExclude, ...cfg.get<string[]>('components.exclude', [])].join(',')}}`;
    const out: Component[] = [];
    const dockerfiles = await vscode.workspace.findFiles('**/{Dockerfile,Containerfile}', exclude, 2000);
    const pipelineFiles = await vscode.workspace.findFiles('**/*.{py,yaml,yml,json}', exclude, 5000);
    const uses: ImageUse[] = [];
    const decoder = new TextDecoder();
    const readUri = async (u: vscode.Uri) => { try { return decoder.decode(await vscode.workspace.fs.readFile(u)); } catch { return undefined; } };
    await Promise.all(pipelineFiles.map(async (u) => {
      const text = await readUri(u);
      if (!text || text.length > 5_000_000 || !/image/.test(text)) return;
      uses.push(...findImageUses(u.fsPath, text));
    }));
    const commits = new Map<string, string | undefined>();
    for (const df of dockerfiles.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
      const folder = vscode.workspace.getWorkspaceFolder(df);
      if (!folder) continue;
      const rel = path.relative(folder.uri.fsPath, df.fsPath).split(path.sep).join('/');
      const dirRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      const dirUri = vscode.Uri.joinPath(folder.uri, dirRel);
      const names = (await vscode.workspace.fs.readDirectory(dirUri).then((x) => x, () => [] as [string, vscode.FileType][])).map(([n]) => n);
      const texts = new Map<string, string | undefined>();
      for (const n of names) if (/^(cloudbuild\.(ya?ml|json)|component\.ya?ml)$/.test(n)) texts.set(dirRel ? `${dirRel}/${n}` : n, await readUri(vscode.Uri.joinPath(dirUri, n)));
      // One read of the repository's HEAD per workspace folder, not per component.
      if (!commits.has(folder.uri.toString())) commits.set(folder.uri.toString(), vscode.workspace.isTrusted ? await gitHeadCommit(folder.uri.fsPath) : undefined);
      const commit = commits.get(folder.uri.toString());
      const c = describeComponent(rel, {
        filesIn: () => names, read: (p) => texts.get(p),
        context: { projectId: cfg.get<string>('cloudBuild.project') || undefined, commitSha: commit, user: cfg.get<Record<string, string>>('cloudBuild.substitutions', {}) },
        template: cfg.get<string>('components.imageName', '{registry}/{folder}:{tag}'), registry: cfg.get<string>('components.registry') || undefined,
        tag: commit?.slice(0, 7) ?? 'latest',
      });
      const comp: Component = { ...c, folder, fsPath: dirUri.fsPath, uses: [] };
      // The component's own component.yaml counts: its image: is updated with the others after a push.
      comp.uses = usesOf(comp, uses);
      out.push(comp);
    }
    return out;
  }

  getTreeItem(n: Node): vscode.TreeItem {
    if (n.kind === 'message') { const i = new vscode.TreeItem(n.label); i.tooltip = n.tooltip; i.iconPath = new vscode.ThemeIcon('info'); return i; }
    if (n.kind === 'component') {
      const c = n.c;
      const st = this.state(c.dir, c.folder);
      const item = new vscode.TreeItem(c.dir ? c.dir.split('/').pop()! : c.folder.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `component:${c.folder.uri.toString()}#${c.dir}`;
      item.description = c.images[0] ?? 'no image name';
      const b = st.build;
      item.iconPath = new vscode.ThemeIcon(b?.state === 'failed' ? 'error' : b?.state === 'succeeded' ? 'package' : 'symbol-namespace', b?.state === 'failed' ? new vscode.ThemeColor('testing.iconFailed') : undefined);
      item.tooltip = new vscode.MarkdownString([
        `**${c.dir || c.folder.name}**`,
        `Image: \`${c.images.join('`, `') || '—'}\` (from ${c.imageSource === 'template' ? 'the naming template kfp.components.imageName' : c.imageSource})`,
        c.unresolved.length ? `Not known here: ${c.unresolved.map((u) => `$${u}`).join(', ')}` : '',
        b ? `Last build: ${b.state} ${new Date(b.at).toLocaleString()}${b.engine ? ` with ${b.engine}` : ''}` : 'Not built yet',
        st.push?.digest ? `Pushed: \`${st.push.image}@${st.push.digest}\`` : '',
        ...c.problems,
      ].filter(Boolean).join('\n\n'));
      item.contextValue = 'kfp.component';
      item.resourceUri = vscode.Uri.joinPath(c.folder.uri, c.dockerfile);
      return item;
    }
    if (n.kind === 'cloud') {
      const item = new vscode.TreeItem('Cloud Build', vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `cloud:${n.c.folder.uri.toString()}#${n.c.dir}`;
      item.description = 'trigger and recent builds';
      item.iconPath = new vscode.ThemeIcon('cloud');
      item.contextValue = 'kfp.component.cloud';
      return item;
    }
    if (n.kind === 'trigger') {
      const item = new vscode.TreeItem(`Trigger ${n.t.name}`);
      item.description = n.last ? `last build ${n.last.status.toLowerCase()}${n.last.createTime ? ` · ${new Date(n.last.createTime).toLocaleString()}` : ''}` : 'no build yet';
      item.tooltip = `CI trigger ${n.t.name} (${n.t.id})${n.t.branch ? ` on ${n.t.branch}` : ''}: builds this folder when a push changes it. Run it by hand from the context menu.`;
      item.iconPath = new vscode.ThemeIcon('git-merge');
      item.contextValue = 'kfp.component.trigger';
      return item;
    }
    if (n.kind === 'cloudBuild') {
      const b = n.b;
      const item = new vscode.TreeItem(`${b.status.toLowerCase()} · ${b.id.slice(0, 8)}`);
      item.description = `${b.createTime ? new Date(b.createTime).toLocaleString() : ''}${b.fromTrigger ? ' · trigger' : ' · editor'}`;
      item.tooltip = [`Build ${b.id}: ${b.status}`, b.detail, b.images.length ? `Images: ${b.images.join(', ')}` : '', b.logUrl ? 'Click to open it in the Google Cloud console.' : ''].filter(Boolean).join('\n');
      const ok = b.status === 'SUCCESS', bad = /FAILURE|INTERNAL_ERROR|TIMEOUT|EXPIRED/.test(b.status), running = /QUEUED|WORKING|PENDING/.test(b.status);
      item.iconPath = new vscode.ThemeIcon(ok ? 'pass' : bad ? 'error' : running ? 'sync~spin' : 'circle-slash', ok ? new vscode.ThemeColor('testing.iconPassed') : bad ? new vscode.ThemeColor('testing.iconFailed') : undefined);
      item.contextValue = 'kfp.component.cloudBuildItem';
      if (b.logUrl) item.command = { command: 'kfp.component.openBuild', title: 'Open in Console', arguments: [n] };
      return item;
    }
    if (n.kind === 'uses') {
      const item = new vscode.TreeItem(`Used by ${n.c.uses.length} step${n.c.uses.length === 1 ? '' : 's'}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.iconPath = new vscode.ThemeIcon('references');
      return item;
    }
    if (n.kind === 'use') {
      const u = n.use;
      const item = new vscode.TreeItem(path.basename(u.file));
      item.description = `${u.image} · line ${u.line + 1}`;
      item.tooltip = `${vscode.workspace.asRelativePath(u.file)}:${u.line + 1} (${u.kind})`;
      item.iconPath = new vscode.ThemeIcon(u.kind === 'python' ? 'symbol-method' : 'file-code');
      item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(u.file), { selection: new vscode.Range(u.line, u.start, u.line, u.end) }] };
      return item;
    }
    const item = new vscode.TreeItem(n.label);
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.iconPath = new vscode.ThemeIcon(n.icon);
    if (n.open) item.command = { command: 'vscode.open', title: 'Open', arguments: n.line !== undefined ? [n.open, { selection: new vscode.Range(n.line, 0, n.line, 0) }] : [n.open] };
    return item;
  }

  async getChildren(n?: Node): Promise<Node[]> {
    if (!n) {
      const all = await this.list();
      if (!all.length) return [];
      return all.map((c) => ({ kind: 'component', c }));
    }
    if (n.kind === 'uses') return n.c.uses.map((use) => ({ kind: 'use', c: n.c, use }));
    if (n.kind === 'cloud') {
      if (!this.history) return [];
      try {
        const h = await this.history(n.c);
        const out: Node[] = [];
        if (h.trigger) out.push({ kind: 'trigger', c: n.c, t: h.trigger, last: h.builds.find((b) => b.fromTrigger) });
        out.push(...h.builds.map((b): Node => ({ kind: 'cloudBuild', c: n.c, b })));
        if (!out.length) out.push({ kind: 'message', label: 'No builds yet', tooltip: 'Build on Cloud Build, or create the CI triggers from the view\'s menu.' });
        // While a build runs, look again in a few seconds.
        if (h.builds.some((b) => /QUEUED|WORKING|PENDING/.test(b.status))) {
          clearTimeout(this.pollTimer);
          this.pollTimer = setTimeout(() => this.emitter.fire(n), 3000);
        }
        return out;
      } catch (e) {
        return [{ kind: 'message', label: 'Cannot list Cloud Build builds', tooltip: (e as Error).message }];
      }
    }
    if (n.kind !== 'component') return [];
    const c = n.c;
    const st = this.state(c.dir, c.folder);
    const out: Node[] = [];
    for (const img of c.images) out.push({ kind: 'detail', c, label: img, description: c.imageSource === 'cloudbuild' ? 'cloudbuild.yaml' : c.imageSource, icon: 'symbol-constant', tooltip: c.unresolved.length ? `Resolved when it is built: ${c.unresolved.map((u) => `$${u}`).join(', ')}` : undefined });
    if (!c.images.length) out.push({ kind: 'detail', c, label: 'No image name', description: 'set kfp.components.registry', icon: 'warning', tooltip: c.problems.join('\n') });
    out.push({ kind: 'detail', c, label: path.basename(c.dockerfile), icon: 'file', open: vscode.Uri.joinPath(c.folder.uri, c.dockerfile) });
    if (c.cloudbuild) out.push({ kind: 'detail', c, label: path.basename(c.cloudbuild), icon: 'cloud', open: vscode.Uri.joinPath(c.folder.uri, c.cloudbuild) });
    if (c.componentYaml) out.push({ kind: 'detail', c, label: path.basename(c.componentYaml), description: c.spec?.inputs.length ? `${c.spec.inputs.length} input${c.spec.inputs.length === 1 ? '' : 's'}` : undefined, icon: 'symbol-interface', open: vscode.Uri.joinPath(c.folder.uri, c.componentYaml) });
    const when = (t: number) => { const s = Math.round((Date.now() - t) / 1000); return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : new Date(t).toLocaleString(); };
    if (st.build) out.push({ kind: 'detail', c, label: `Build ${st.build.state}`, description: `${when(st.build.at)}${st.build.engine ? ` · ${st.build.engine}` : ''}`, tooltip: st.build.error ?? st.build.image, icon: st.build.state === 'succeeded' ? 'pass' : st.build.state === 'failed' ? 'error' : 'circle-slash', open: st.build.line !== undefined ? vscode.Uri.joinPath(c.folder.uri, c.dockerfile) : undefined, line: st.build.line });
    if (st.push) out.push({ kind: 'detail', c, label: `Push ${st.push.state}`, description: `${when(st.push.at)}${st.push.digest ? ` · ${st.push.digest.slice(0, 19)}` : ''}`, tooltip: st.push.error ?? `${st.push.image}${st.push.digest ? `@${st.push.digest}` : ''}`, icon: st.push.state === 'succeeded' ? 'cloud-upload' : 'error' });
    if (st.cloudBuild) out.push({ kind: 'detail', c, label: `Cloud Build ${st.cloudBuild.state}`, description: `${when(st.cloudBuild.at)}${st.cloudBuild.buildId ? ` · ${st.cloudBuild.buildId.slice(0, 8)}` : ''}`, tooltip: st.cloudBuild.error ?? st.cloudBuild.logUrl, icon: st.cloudBuild.state === 'succeeded' ? 'cloud' : st.cloudBuild.state === 'failed' ? 'error' : 'circle-slash' });
    if (this.history && vscode.workspace.getConfiguration('kfp').get<string>('cloudBuild.project')) out.push({ kind: 'cloud', c });
    if (c.uses.length) out.push({ kind: 'uses', c });
    else out.push({ kind: 'detail', c, label: 'Not used by a workspace pipeline', icon: 'circle-outline', tooltip: 'No image= in Python, image: in component or compiled YAML, names this image.' });
    return out;
  }

  dispose(): void { clearTimeout(this.pollTimer); for (const s of this.subs) s.dispose(); this.emitter.dispose(); }
}
