import * as vscode from 'vscode';
import { icons } from './icons';
import type { ExplorerNode } from './node';

/** An error or an empty-state row inside a branch. */
export class MessageNode implements ExplorerNode {
  constructor(readonly id: string, private readonly text: string, private readonly kind: 'error' | 'empty', readonly parent?: ExplorerNode, private readonly detail?: string) {}
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.text, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = this.kind === 'error' ? icons.error : icons.empty;
    item.contextValue = `kfp.message ${this.kind}`;
    item.tooltip = this.detail ?? this.text;
    if (this.kind === 'error') item.command = { command: 'kfp.help.showLogs', title: 'Show Logs' };
    return item;
  }
}
