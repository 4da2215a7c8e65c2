import * as vscode from 'vscode';
import type { Experiment, Run } from '../core/kfp/types';
import { PagedList } from '../core/util/pagedList';
import { icons } from './icons';
import { ExplorerContext, ExplorerNode, formatTime, PagedNode, relativeTime, ResourceRef, tooltip } from './node';
import { pagedChildren } from './pagedChildren';
import { RunNode } from './runNode';

export class ExperimentNode implements PagedNode {
  readonly id: string;
  list?: PagedList<Run>;
  constructor(readonly experiment: Experiment, readonly parent: ExplorerNode, private readonly ctx: ExplorerContext, private readonly runNodes: (n: RunNode) => RunNode) {
    this.id = `${parent.id}/experiment:${experiment.experiment_id}`;
  }
  treeItem(): vscode.TreeItem {
    const e = this.experiment;
    const archived = e.storage_state === 'ARCHIVED';
    const item = new vscode.TreeItem(e.display_name || e.experiment_id || '(unnamed)', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = archived ? icons.archived : icons.experiment;
    const last = relativeTime(e.last_run_created_at);
    item.description = [archived ? 'archived' : undefined, last ? `last run ${last}` : undefined].filter(Boolean).join(' · ');
    item.tooltip = tooltip(`Experiment ${e.display_name ?? ''}`, [
      ['Created', formatTime(e.created_at)],
      ['Last run', formatTime(e.last_run_created_at)],
      ['Description', e.description],
      ['Namespace', e.namespace],
      ['Experiment ID', e.experiment_id],
    ]);
    item.contextValue = ['kfp.experiment', 'id', 'web', 'deletable', archived ? 'archived' : 'archivable'].join(' ');
    return item;
  }
  private ensureList(): PagedList<Run> {
    if (!this.list) {
      const id = this.experiment.experiment_id ?? '';
      this.list = new PagedList<Run>(async (o, s) => (await this.ctx.client()).listRuns({ ...o, experimentId: id }, s), this.ctx.pageSize(), 'created_at desc', this.ctx.nameFilter());
      this.ctx.register(this);
    }
    return this.list;
  }
  async children(): Promise<ExplorerNode[]> {
    return pagedChildren(this, this.ensureList(), (r) => this.runNodes(new RunNode(r, this)), 'No runs');
  }
  loadMore(): Promise<number> { return this.ensureList().loadMore(); }
  resource(): ResourceRef { return { kind: 'experiment', id: this.experiment.experiment_id ?? '', name: this.experiment.display_name }; }
}
