import * as vscode from 'vscode';
import type { PipelineVersion } from '../core/kfp/types';
import { icons } from './icons';
import { ExplorerNode, formatTime, relativeTime, ResourceRef, tooltip } from './node';

export class VersionNode implements ExplorerNode {
  readonly id: string;
  constructor(readonly version: PipelineVersion, readonly parent: ExplorerNode, private readonly pipelineId: string) {
    this.id = `${parent.id}/version:${version.pipeline_version_id}`;
  }
  treeItem(): vscode.TreeItem {
    const v = this.version;
    const item = new vscode.TreeItem(v.display_name || v.name || v.pipeline_version_id || '(unnamed)', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = icons.version;
    item.description = relativeTime(v.created_at);
    item.tooltip = tooltip(`Pipeline version ${v.display_name ?? ''}`, [
      ['Created', formatTime(v.created_at)],
      ['Description', v.description],
      ['Code source', v.code_source_url],
      ['Version ID', v.pipeline_version_id],
      ['Pipeline ID', this.pipelineId],
    ]);
    item.contextValue = 'kfp.pipelineVersion id web deletable';
    item.command = { command: 'kfp.item.showDetails', title: 'Show Details', arguments: [this] };
    return item;
  }
  resource(): ResourceRef { return { kind: 'pipelineVersion', id: this.version.pipeline_version_id ?? '', pipelineId: this.pipelineId, name: this.version.display_name }; }
}
