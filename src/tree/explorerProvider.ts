// The "Kubeflow Pipelines" explorer: Pipelines → Versions; Experiments → Runs;
// recent Runs; Recurring runs. Branches load a page at a time; runs that are
// not finished are refreshed by the shared RunPoller while the view is visible.
import * as vscode from 'vscode';
import { EndpointManager } from '../endpoints/endpointManager';
import { nameContains } from '../core/kfp/filter';
import type { Filter, Run } from '../core/kfp/types';
import { RunPoller } from '../core/runPoller';
import { config } from '../config';
import { ExplorerNode, PagedNode } from './node';
import { RootKind, RootNode } from './rootNode';
import { RunNode } from './runNode';
import { VertexContext, VertexRootKind, VertexRootNode, VertexRunFilter } from './vertexNodes';

export class ExplorerProvider implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private roots?: Array<RootNode | VertexRootNode>;
  private paged = new Map<string, PagedNode>();
  private runNodes = new Map<string, Set<RunNode>>();
  private filterText = '';
  private readonly disposables: vscode.Disposable[] = [];
  private readonly ctx: VertexContext;

  constructor(private readonly endpoints: EndpointManager, readonly poller: RunPoller) {
    this.ctx = {
      client: () => this.endpoints.getClient(),
      pageSize: () => config.pageSize(),
      nameFilter: () => this.nameFilter(),
      poller,
      changed: (node) => this.emitter.fire(node),
      register: (node) => this.paged.set(node.id, node),
      vertex: () => this.endpoints.getVertex(),
      templateRepository: () => this.endpoints.active()?.templateRepository,
      filterText: () => this.filterText,
      vertexFilter: () => this.vertexRunFilter,
    };
    this.disposables.push(this.emitter);
    this.disposables.push(poller.onDidChangeRun((run) => this.onRunChanged(run)));
    this.disposables.push(endpoints.onDidChangeConnection(() => {
      if (endpoints.connectionState === 'idle' || endpoints.connectionState === 'none') this.refresh();
    }));
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (config.affects(e, 'explorer.pageSize')) this.refresh();
      if (config.affects(e, 'explorer.pollInterval')) this.poller.setInterval(config.pollIntervalMs());
    }));
  }

  get filter(): string { return this.filterText; }

  /** State and labels Vertex runs are filtered by (on the server). */
  vertexRunFilter: VertexRunFilter = {};
  setVertexFilter(f: VertexRunFilter): void {
    this.vertexRunFilter = f;
    this.refresh();
  }

  private nameFilter(): Filter | undefined {
    return this.filterText ? nameContains(this.filterText, 'display_name') : undefined;
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    void vscode.commands.executeCommand('setContext', 'kfp.filterActive', Boolean(this.filterText));
    this.refresh();
  }

  /** Forgets everything loaded; the view asks again. */
  refresh(): void {
    this.roots = undefined;
    this.paged.clear();
    this.runNodes.clear();
    this.poller.setSource({ getRun: (id, s) => this.endpoints.getRun(id, s) });
    this.emitter.fire(undefined);
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem { return node.treeItem(); }

  getParent(node: ExplorerNode): ExplorerNode | undefined { return node.parent; }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    if (node) return node.children ? node.children() : [];
    if (!this.endpoints.active()) return [];
    try {
      if (this.endpoints.isVertex) {
        await this.endpoints.getVertex();
        this.roots ??= (['vertexRuns', 'vertexSchedules', 'vertexTemplates'] as VertexRootKind[]).map((k) => new VertexRootNode(k, this.ctx, (n) => this.trackRun(n)));
        return this.roots;
      }
      const client = await this.endpoints.getClient();
      const v1 = client.serverInfo?.apiVersion === 'v1beta1';
      this.roots ??= (['pipelines', 'experiments', 'runs', 'recurringRuns'] as RootKind[]).map((k) => new RootNode(k, this.ctx, (n) => this.trackRun(n), v1));
      return this.roots;
    } catch {
      // The welcome view for the error state explains and offers Retry.
      return [];
    }
  }

  /** The paged branch with this ID, for "Load more". */
  pagedNode(id: string): PagedNode | undefined { return this.paged.get(id); }

  async loadMore(id: string): Promise<number> {
    const node = this.paged.get(id);
    if (!node) throw new Error(`Nothing to load more of: the branch "${id}" is not shown (the tree was refreshed?).`);
    const added = await node.loadMore();
    this.emitter.fire(node);
    return added;
  }

  private trackRun(node: RunNode): RunNode {
    const id = node.run.run_id;
    if (id) {
      let set = this.runNodes.get(id);
      if (!set) { set = new Set(); this.runNodes.set(id, set); }
      set.add(node);
      this.poller.watch(node.run);
    }
    return node;
  }

  private onRunChanged(run: Run): void {
    const nodes = this.runNodes.get(run.run_id ?? '');
    if (!nodes) return;
    for (const n of nodes) {
      n.run = run;
      const list = (n.parent as PagedNode).list;
      list?.replace((x) => (x as Run).run_id === run.run_id, run);
      this.emitter.fire(n);
    }
  }

  dispose(): void { for (const d of this.disposables) d.dispose(); }
}
