import * as vscode from 'vscode';
import { icons } from './icons';
import type { ExplorerNode, PagedNode } from './node';

/** "Load more" at the end of a paged branch. */
export class LoadMoreNode implements ExplorerNode {
  readonly id: string;
  constructor(readonly parent: PagedNode, private readonly shown: number, private readonly total?: number) {
    this.id = `${parent.id}/more`;
  }
  treeItem(): vscode.TreeItem {
    const label = this.total !== undefined ? `Load more… (${this.shown} of ${this.total})` : 'Load more…';
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = icons.loadMore;
    item.contextValue = 'kfp.loadMore';
    item.command = { command: 'kfp.explorer.loadMore', title: 'Load More', arguments: [{ nodeId: this.parent.id }] };
    return item;
  }
}
