import * as vscode from 'vscode';
import { and, notArchived } from '../core/kfp/filter';
import type { Experiment, Pipeline, RecurringRun, Run } from '../core/kfp/types';
import { PagedList } from '../core/util/pagedList';
import { ExperimentNode } from './experimentNode';
import { icons } from './icons';
import { ExplorerContext, ExplorerNode, PagedNode } from './node';
import { pagedChildren } from './pagedChildren';
import { PipelineNode } from './pipelineNode';
import { RecurringRunNode } from './recurringRunNode';
import { RunNode } from './runNode';

export type RootKind = 'pipelines' | 'experiments' | 'runs' | 'recurringRuns';

const LABELS: Record<RootKind, string> = { pipelines: 'Pipelines', experiments: 'Experiments', runs: 'Runs', recurringRuns: 'Recurring runs' };

export class RootNode implements PagedNode {
  readonly id: string;
  readonly parent = undefined;
  list?: PagedList<unknown>;

  constructor(readonly kind: RootKind, private readonly ctx: ExplorerContext, private readonly runNodes: (n: RunNode) => RunNode, private readonly v1: boolean) {
    this.id = kind;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(LABELS[this.kind], this.kind === 'runs' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = { pipelines: icons.pipelines, experiments: icons.experiments, runs: icons.runs, recurringRuns: icons.recurring }[this.kind];
    item.contextValue = `kfp.root ${this.kind}`;
    const filter = this.ctx.nameFilter()?.predicates[0]?.string_value;
    if (filter) item.description = `name contains "${filter}"`;
    else if (this.list?.totalSize !== undefined) item.description = `${this.list.totalSize}`;
    if (this.kind === 'runs') item.tooltip = 'Recent runs in every experiment, newest first (archived runs hidden).';
    return item;
  }

  private ensureList(): PagedList<unknown> {
    if (this.list) return this.list;
    const size = this.ctx.pageSize();
    const byName = this.ctx.nameFilter();
    const hideArchived = this.v1 ? byName : and(byName, notArchived);
    const c = () => this.ctx.client();
    switch (this.kind) {
      case 'pipelines': this.list = new PagedList<Pipeline>(async (o, s) => (await c()).listPipelines(o, s), size, 'created_at desc', byName) as PagedList<unknown>; break;
      case 'experiments': this.list = new PagedList<Experiment>(async (o, s) => (await c()).listExperiments(o, s), size, 'created_at desc', hideArchived) as PagedList<unknown>; break;
      case 'runs': this.list = new PagedList<Run>(async (o, s) => (await c()).listRuns(o, s), size, 'created_at desc', hideArchived) as PagedList<unknown>; break;
      case 'recurringRuns': this.list = new PagedList<RecurringRun>(async (o, s) => (await c()).listRecurringRuns(o, s), size, 'created_at desc', byName) as PagedList<unknown>; break;
    }
    this.ctx.register(this);
    return this.list!;
  }

  async children(): Promise<ExplorerNode[]> {
    const list = this.ensureList();
    switch (this.kind) {
      case 'pipelines': return pagedChildren(this, list as PagedList<Pipeline>, (p) => new PipelineNode(p, this, this.ctx), 'No pipelines');
      case 'experiments': return pagedChildren(this, list as PagedList<Experiment>, (e) => new ExperimentNode(e, this, this.ctx, this.runNodes), 'No experiments');
      case 'runs': return pagedChildren(this, list as PagedList<Run>, (r) => this.runNodes(new RunNode(r, this)), 'No runs');
      case 'recurringRuns': return pagedChildren(this, list as PagedList<RecurringRun>, (r) => new RecurringRunNode(r, this, this.ctx, this.runNodes), 'No recurring runs');
    }
  }

  loadMore(): Promise<number> { return this.ensureList().loadMore(); }
}
