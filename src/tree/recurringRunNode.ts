import * as vscode from 'vscode';
import type { RecurringRun } from '../core/kfp/types';
import { icons } from './icons';
import { ExplorerNode, formatTime, ResourceRef, tooltip } from './node';

export function scheduleText(r: RecurringRun): string {
  const cron = r.trigger?.cron_schedule?.cron;
  if (cron) return `cron ${cron}`;
  const every = Number(r.trigger?.periodic_schedule?.interval_second ?? 0);
  if (every) return every % 3600 === 0 ? `every ${every / 3600} h` : every % 60 === 0 ? `every ${every / 60} min` : `every ${every} s`;
  return 'no schedule';
}

export class RecurringRunNode implements ExplorerNode {
  readonly id: string;
  constructor(readonly recurringRun: RecurringRun, readonly parent: ExplorerNode) {
    this.id = `${parent.id}/recurring:${recurringRun.recurring_run_id}`;
  }
  treeItem(): vscode.TreeItem {
    const r = this.recurringRun;
    const enabled = r.status === 'ENABLED';
    const item = new vscode.TreeItem(r.display_name || r.recurring_run_id || '(unnamed)', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = enabled ? icons.recurringEnabled : icons.recurringDisabled;
    item.description = `${enabled ? 'enabled' : 'disabled'} · ${scheduleText(r)}`;
    item.tooltip = tooltip(`Recurring run ${r.display_name ?? ''}`, [
      ['Status', enabled ? 'Enabled' : 'Disabled'],
      ['Schedule', scheduleText(r)],
      ['Max concurrency', r.max_concurrency],
      ['Created', formatTime(r.created_at)],
      ['Updated', formatTime(r.updated_at)],
      ['Error', r.error?.message],
      ['Recurring run ID', r.recurring_run_id],
      ['Experiment ID', r.experiment_id],
    ]);
    item.contextValue = ['kfp.recurringRun', 'id', 'web', 'deletable', enabled ? 'enabled' : 'disabled'].join(' ');
    return item;
  }
  resource(): ResourceRef { return { kind: 'recurringRun', id: this.recurringRun.recurring_run_id ?? '', name: this.recurringRun.display_name }; }
}
