// Explorer-wide commands: refresh, filter, clear filter, load more.
import * as vscode from 'vscode';
import { cancelled, register, Services, UserError } from './common';

export function registerExplorerCommands(s: Services): void {
  register(s, 'kfp.explorer.refresh', async () => {
    s.endpoints.reset();
    s.explorer.refresh();
    return { ok: true, refreshed: true };
  });

  register(s, 'kfp.explorer.filter', async (arg?: unknown) => {
    let text = typeof arg === 'string' ? arg : undefined;
    if (text === undefined) {
      text = await vscode.window.showInputBox({ title: 'Filter by name', prompt: 'Show pipelines, experiments, runs and recurring runs whose name contains this text (empty: no filter)', value: s.explorer.filter });
      if (text === undefined) return cancelled();
    }
    s.explorer.setFilter(text);
    s.treeView.message = text.trim() ? `Names containing "${text.trim()}"` : undefined;
    return { ok: true, filter: text.trim() };
  });

  register(s, 'kfp.explorer.clearFilter', async () => {
    s.explorer.setFilter('');
    s.treeView.message = undefined;
    return { ok: true, filter: '' };
  });

  register(s, 'kfp.explorer.loadMore', async (arg?: unknown) => {
    const nodeId = arg && typeof arg === 'object' ? (arg as { nodeId?: string }).nodeId : typeof arg === 'string' ? arg : undefined;
    if (!nodeId) throw new UserError('Load more of which branch? Pass {nodeId}.');
    const loaded = await s.explorer.loadMore(nodeId);
    const node = s.explorer.pagedNode(nodeId);
    return { ok: true, nodeId, loaded, shown: node?.list?.items.length ?? 0, hasMore: node?.list?.hasMore ?? false };
  });
}
