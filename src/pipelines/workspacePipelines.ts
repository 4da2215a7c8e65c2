// "Pipelines in Workspace": the Python files that define KFP pipelines, found
// by a background scan that honours files.exclude (and skips virtual
// environments), kept current by a file watcher. Works without an endpoint.
import * as vscode from 'vscode';
import { mightHavePipeline, PipelineSymbol, scanPython } from '../core/python/scanner';

type Node = { kind: 'file'; uri: vscode.Uri; pipelines: PipelineSymbol[] } | { kind: 'pipeline'; uri: vscode.Uri; pipeline: PipelineSymbol };

const ALWAYS_EXCLUDED = ['**/node_modules/**', '**/.venv/**', '**/venv/**', '**/site-packages/**', '**/.git/**', '**/__pycache__/**', '**/.tox/**'];

export class WorkspacePipelinesProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private files = new Map<string, { uri: vscode.Uri; pipelines: PipelineSymbol[] }>();
  private scanning?: Promise<void>;
  private readonly subs: vscode.Disposable[] = [];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.py');
    this.subs.push(watcher, watcher.onDidChange((u) => void this.rescan(u)), watcher.onDidCreate((u) => void this.rescan(u)),
      watcher.onDidDelete((u) => { if (this.files.delete(u.toString())) this.emitter.fire(undefined); }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()));
  }

  refresh(): void { this.scanning = undefined; this.files.clear(); this.emitter.fire(undefined); }

  /** Scans the workspace (once; later changes come from the watcher). */
  scan(): Promise<void> {
    this.scanning ??= (async () => {
      const excluded = Object.entries(vscode.workspace.getConfiguration('files').get<Record<string, boolean>>('exclude', {})).filter(([, on]) => on === true).map(([g]) => g);
      const uris = await vscode.workspace.findFiles('**/*.py', `{${[...ALWAYS_EXCLUDED, ...excluded].join(',')}}`, 20_000);
      const queue = [...uris];
      const worker = async () => { for (let u = queue.shift(); u; u = queue.shift()) await this.read(u); };
      await Promise.all(Array.from({ length: 8 }, worker));
    })();
    return this.scanning;
  }

  private async read(uri: vscode.Uri): Promise<boolean> {
    let text: string;
    try { text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)); } catch { return this.files.delete(uri.toString()); }
    const pipelines = mightHavePipeline(text) ? scanPython(text).pipelines : [];
    if (pipelines.length) { this.files.set(uri.toString(), { uri, pipelines }); return true; }
    return this.files.delete(uri.toString());
  }

  private async rescan(uri: vscode.Uri): Promise<void> {
    const before = JSON.stringify(this.files.get(uri.toString())?.pipelines.map((p) => p.functionName));
    await this.read(uri);
    if (before !== JSON.stringify(this.files.get(uri.toString())?.pipelines.map((p) => p.functionName))) this.emitter.fire(undefined);
  }

  getTreeItem(n: Node): vscode.TreeItem {
    if (n.kind === 'file') {
      const item = new vscode.TreeItem(n.uri, vscode.TreeItemCollapsibleState.Expanded);
      item.description = vscode.workspace.asRelativePath(n.uri, false).split('/').slice(0, -1).join('/');
      item.contextValue = 'kfp.pipelineFile';
      return item;
    }
    const p = n.pipeline;
    const item = new vscode.TreeItem(p.functionName, vscode.TreeItemCollapsibleState.None);
    item.description = p.displayName && p.displayName !== p.functionName ? p.displayName : undefined;
    item.iconPath = new vscode.ThemeIcon('type-hierarchy-sub');
    item.tooltip = `${p.displayName ?? p.functionName}${p.description ? ` — ${p.description}` : ''}\n${p.params.map((x) => `${x.name}${x.annotation ? `: ${x.annotation}` : ''}${x.default ? ` = ${x.default}` : ''}`).join(', ')}`;
    item.contextValue = 'kfp.pipelineFunction';
    item.command = { command: 'vscode.open', title: 'Open', arguments: [n.uri, { selection: new vscode.Range(p.defLine, 0, p.defLine, 0) }] };
    return item;
  }

  async getChildren(n?: Node): Promise<Node[]> {
    if (n?.kind === 'file') return n.pipelines.map((pipeline) => ({ kind: 'pipeline', uri: n.uri, pipeline }));
    if (n) return [];
    await this.scan();
    return [...this.files.values()].sort((a, b) => a.uri.fsPath.localeCompare(b.uri.fsPath)).map((f) => ({ kind: 'file', uri: f.uri, pipelines: f.pipelines }));
  }

  /** For commands on a pipeline row: {file, function}. */
  static args(n: unknown): { file: vscode.Uri; function?: string; interactive: true } | undefined {
    const node = n as Node | undefined;
    if (!node || typeof node !== 'object' || !('kind' in node)) return undefined;
    return { file: node.uri, function: node.kind === 'pipeline' ? node.pipeline.functionName : undefined, interactive: true };
  }

  dispose(): void { this.emitter.dispose(); this.subs.forEach((s) => s.dispose()); }
}
