import * as vscode from 'vscode';
import type { RecurringRun, Run } from '../core/kfp/types';
import { PagedList } from '../core/util/pagedList';
import { formatFire, inputOf, nextFireTimes, runsOfFilter } from '../core/schedule/recurring';
import { icons } from './icons';
import { ExplorerContext, ExplorerNode, formatTime, PagedNode, ResourceRef, tooltip } from './node';
import { pagedChildren } from './pagedChildren';
import { RunNode } from './runNode';

/**
 * The next time a cron recurring run fires, assuming it has caught up (the controller counts from its last
 * scheduled time, which the list does not carry): shown for enabled cron schedules only.
 */
export function nextFireText(r: RecurringRun, now = Date.now()): string | undefined {
  if (r.status !== 'ENABLED' || !r.trigger?.cron_schedule?.cron) return undefined;
  try {
    const i = inputOf(r);
    const [next] = nextFireTimes(i.schedule, { from: now, start: i.startTime, end: i.endTime, count: 1 });
    return next === undefined ? 'no more runs (past its end time)' : `next ${formatFire(next)}`;
  } catch { return undefined; }
}

export function scheduleText(r: RecurringRun): string {
  const cron = r.trigger?.cron_schedule?.cron;
  if (cron) return `cron ${cron}`;
  const every = Number(r.trigger?.periodic_schedule?.interval_second ?? 0);
  if (every) return every % 3600 === 0 ? `every ${every / 3600} h` : every % 60 === 0 ? `every ${every / 60} min` : `every ${every} s`;
  return 'no schedule';
}

export class RecurringRunNode implements PagedNode {
  readonly id: string;
  list?: PagedList<Run>;
  constructor(readonly recurringRun: RecurringRun, readonly parent: ExplorerNode, private readonly ctx?: ExplorerContext, private readonly runNodes?: (n: RunNode) => RunNode) {
    this.id = `${parent.id}/recurring:${recurringRun.recurring_run_id}`;
  }
  treeItem(): vscode.TreeItem {
    const r = this.recurringRun;
    const enabled = r.status === 'ENABLED';
    const item = new vscode.TreeItem(r.display_name || r.recurring_run_id || '(unnamed)', this.ctx ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = enabled ? icons.recurringEnabled : icons.recurringDisabled;
    const next = nextFireText(r);
    item.description = [enabled ? 'enabled' : 'disabled', scheduleText(r), next].filter(Boolean).join(' · ');
    item.tooltip = tooltip(`Recurring run ${r.display_name ?? ''}`, [
      ['Status', enabled ? 'Enabled' : 'Disabled'],
      ['Schedule', scheduleText(r)],
      ['Next', next?.replace(/^next /, '')],
      ['Missed times', r.no_catchup ? 'skipped (only the latest runs)' : 'run one by one (catch-up)'],
      ['Max concurrency', r.max_concurrency],
      ['Version', r.pipeline_version_reference?.pipeline_version_id ?? (r.pipeline_version_reference?.pipeline_id ? 'always the latest' : r.pipeline_spec ? 'inline spec' : undefined)],
      ['Created', formatTime(r.created_at)],
      ['Updated', formatTime(r.updated_at)],
      ['Error', r.error?.message],
      ['Recurring run ID', r.recurring_run_id],
      ['Experiment ID', r.experiment_id],
    ]);
    item.contextValue = ['kfp.recurringRun', 'id', 'web', 'deletable', enabled ? 'enabled' : 'disabled'].join(' ');
    return item;
  }
  private ensureList(): PagedList<Run> {
    if (!this.list) {
      const id = this.recurringRun.recurring_run_id ?? '';
      // The runs it started (filter key recurring_run_id), newest first.
      this.list = new PagedList<Run>(async (o, sig) => (await this.ctx!.client()).listRuns({ ...o, filter: runsOfFilter(id), experimentId: this.recurringRun.experiment_id }, sig), this.ctx!.pageSize(), 'created_at desc', undefined);
      this.ctx!.register(this);
    }
    return this.list;
  }
  async children(): Promise<ExplorerNode[]> {
    if (!this.ctx) return [];
    return pagedChildren(this, this.ensureList(), (r) => (this.runNodes ? this.runNodes(new RunNode(r, this)) : new RunNode(r, this)), 'No runs started yet');
  }
  loadMore(): Promise<number> { return this.ctx ? this.ensureList().loadMore() : Promise.resolve(0); }
  resource(): ResourceRef { return { kind: 'recurringRun', id: this.recurringRun.recurring_run_id ?? '', name: this.recurringRun.display_name }; }
}
