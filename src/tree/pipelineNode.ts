import * as vscode from 'vscode';
import type { Pipeline, PipelineVersion } from '../core/kfp/types';
import { PagedList } from '../core/util/pagedList';
import { icons } from './icons';
import { ExplorerContext, ExplorerNode, formatTime, PagedNode, relativeTime, ResourceRef, tooltip } from './node';
import { pagedChildren } from './pagedChildren';
import { VersionNode } from './versionNode';

export class PipelineNode implements PagedNode {
  readonly id: string;
  list?: PagedList<PipelineVersion>;
  constructor(readonly pipeline: Pipeline, readonly parent: ExplorerNode, private readonly ctx: ExplorerContext) {
    this.id = `${parent.id}/pipeline:${pipeline.pipeline_id}`;
  }
  treeItem(): vscode.TreeItem {
    const p = this.pipeline;
    const item = new vscode.TreeItem(p.display_name || p.name || p.pipeline_id || '(unnamed)', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = icons.pipeline;
    item.description = relativeTime(p.created_at);
    item.tooltip = tooltip(`Pipeline ${p.display_name ?? ''}`, [
      ['Created', formatTime(p.created_at)],
      ['Description', p.description],
      ['Namespace', p.namespace || 'shared'],
      ['Pipeline ID', p.pipeline_id],
    ]);
    item.contextValue = 'kfp.pipeline id web deletable';
    return item;
  }
  private ensureList(): PagedList<PipelineVersion> {
    if (!this.list) {
      const id = this.pipeline.pipeline_id ?? '';
      this.list = new PagedList<PipelineVersion>(async (o, s) => (await this.ctx.client()).listPipelineVersions(id, o, s), this.ctx.pageSize(), 'created_at desc');
      this.ctx.register(this);
    }
    return this.list;
  }
  async children(): Promise<ExplorerNode[]> {
    const id = this.pipeline.pipeline_id ?? '';
    return pagedChildren(this, this.ensureList(), (v) => new VersionNode(v, this, id), 'No versions');
  }
  loadMore(): Promise<number> { return this.ensureList().loadMore(); }
  resource(): ResourceRef { return { kind: 'pipeline', id: this.pipeline.pipeline_id ?? '', name: this.pipeline.display_name }; }
}
