import * as vscode from 'vscode';
import type { KfpClient } from '../core/kfp/client';
import type { Filter } from '../core/kfp/types';
import type { RunPoller } from '../core/runPoller';
import type { PagedList } from '../core/util/pagedList';

/** What a command needs to act on a server object, from a tree node or a script. */
export interface ResourceRef {
  kind: 'pipeline' | 'pipelineVersion' | 'experiment' | 'run' | 'recurringRun';
  id: string;
  /** The parent pipeline of a version. */
  pipelineId?: string;
  name?: string;
}

export interface ExplorerContext {
  client(): Promise<KfpClient>;
  pageSize(): number;
  nameFilter(): Filter | undefined;
  poller: RunPoller;
  /** Fires a change for a node (undefined: the whole tree). */
  changed(node?: ExplorerNode): void;
  register(node: PagedNode): void;
}

export interface ExplorerNode {
  readonly id: string;
  readonly parent?: ExplorerNode;
  treeItem(): vscode.TreeItem;
  children?(): Promise<ExplorerNode[]>;
  resource?(): ResourceRef;
}

/** A node whose children come page by page from the server. */
export interface PagedNode extends ExplorerNode {
  readonly list?: PagedList<unknown>;
  loadMore(): Promise<number>;
}

export function isResourceNode(x: unknown): x is ExplorerNode & { resource(): ResourceRef } {
  return Boolean(x && typeof x === 'object' && typeof (x as ExplorerNode).resource === 'function');
}

export function formatTime(value: string | undefined): string | undefined {
  if (!value || value.startsWith('1970-01-01')) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toLocaleString();
}

export function relativeTime(value: string | undefined, now = Date.now()): string | undefined {
  if (!value || value.startsWith('1970-01-01')) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return undefined;
  const s = Math.round((now - t) / 1000);
  if (s < 60) return `${Math.max(0, s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** A tooltip built from untrusted server strings: every value is appended as text, never as markdown. */
export function tooltip(title: string, rows: Array<[string, string | undefined]>): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  md.appendText(title);
  md.appendMarkdown('\n\n');
  for (const [k, v] of rows) {
    if (v === undefined || v === '') continue;
    md.appendText(`${k}: ${v}`);
    md.appendMarkdown('  \n');
  }
  return md;
}
