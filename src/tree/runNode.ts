import * as vscode from 'vscode';
import { isFinished, parseTime, Run } from '../core/kfp/types';
import { runStateIcon, runStateLabel } from './icons';
import { isVertexRun } from '../core/vertex/runs';
import { ExplorerNode, formatTime, relativeTime, ResourceRef, tooltip } from './node';

export class RunNode implements ExplorerNode {
  readonly id: string;
  constructor(public run: Run, readonly parent: ExplorerNode) {
    this.id = `${parent.id}/run:${run.run_id}`;
  }

  treeItem(): vscode.TreeItem {
    const r = this.run;
    const item = new vscode.TreeItem(r.display_name || r.run_id || '(unnamed run)', vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = runStateIcon(r.state);
    const when = relativeTime(r.created_at);
    item.description = [runStateLabel(r.state), when].filter(Boolean).join(' · ');
    const started = parseTime(r.created_at);
    const finished = parseTime(r.finished_at);
    item.tooltip = tooltip(`Run ${r.display_name ?? ''}`, [
      ['State', runStateLabel(r.state)],
      ['Created', formatTime(r.created_at)],
      ['Finished', finished ? formatTime(r.finished_at) : 'not yet'],
      ['Duration', started && finished ? `${Math.round((finished.getTime() - started.getTime()) / 1000)} s` : undefined],
      ['Error', r.error?.message],
      ['Run ID', r.run_id],
      ['Experiment ID', r.experiment_id],
      ['Archived', r.storage_state === 'ARCHIVED' ? 'yes' : undefined],
    ]);
    if (isVertexRun(r)) {
      // Vertex AI runs: cancel, delete, clone, open in the console, copy the resource name (no archive, no retry in v1).
      item.tooltip = tooltip(`Pipeline run ${r.display_name ?? ''}`, [
        ['State', runStateLabel(r.state)], ['Created', formatTime(r.created_at)], ['Finished', finished ? formatTime(r.finished_at) : 'not yet'],
        ['Duration', started && finished ? `${Math.round((finished.getTime() - started.getTime()) / 1000)} s` : undefined],
        ['Error', r.error?.message], ['Pipeline', String((r.vertex.pipelineSpec?.pipelineInfo as { name?: string } | undefined)?.name ?? '')],
        ['Template', r.vertex.templateUri], ['Schedule', r.vertex.scheduleName], ['Labels', Object.entries(r.vertex.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')],
        ['Resource name', r.vertex.name],
      ]);
      item.contextValue = ['kfp.run', 'vertex', 'id', 'web', 'deletable', isFinished(r.state) ? 'ended' : 'active'].join(' ');
      item.command = { command: 'kfp.run.open', title: 'Open Run', arguments: [this] };
      return item;
    }
    const tokens = ['kfp.run', 'id', 'web', 'deletable'];
    if (r.storage_state !== 'ARCHIVED') tokens.push('archivable');
    tokens.push(isFinished(r.state) ? 'finished' : 'active');
    item.contextValue = tokens.join(' ');
    item.command = { command: 'kfp.run.open', title: 'Open Run', arguments: [this] };
    return item;
  }

  resource(): ResourceRef { return { kind: 'run', id: this.run.run_id ?? '', name: this.run.display_name }; }
}
