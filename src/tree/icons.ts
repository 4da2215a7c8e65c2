// The only place that maps states to icons.
import * as vscode from 'vscode';
import type { RuntimeState } from '../core/kfp/types';

export function runStateIcon(state: RuntimeState | undefined): vscode.ThemeIcon {
  switch (state) {
    case 'RUNNING': return new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'));
    case 'PENDING': return new vscode.ThemeIcon('clock', new vscode.ThemeColor('charts.yellow'));
    case 'SUCCEEDED': return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'FAILED': return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'CANCELING': return new vscode.ThemeIcon('loading~spin', new vscode.ThemeColor('charts.orange'));
    case 'CANCELED': return new vscode.ThemeIcon('circle-slash');
    case 'SKIPPED': return new vscode.ThemeIcon('debug-step-over');
    case 'PAUSED': return new vscode.ThemeIcon('debug-pause');
    default: return new vscode.ThemeIcon('question');
  }
}

const LABELS: Record<RuntimeState, string> = {
  RUNTIME_STATE_UNSPECIFIED: 'Unknown', PENDING: 'Pending', RUNNING: 'Running', SUCCEEDED: 'Succeeded', SKIPPED: 'Skipped',
  FAILED: 'Failed', CANCELING: 'Canceling', CANCELED: 'Canceled', PAUSED: 'Paused',
};

export function runStateLabel(state: RuntimeState | undefined): string {
  return state ? LABELS[state] ?? state : 'Unknown';
}

export const icons = {
  pipelines: new vscode.ThemeIcon('type-hierarchy'),
  pipeline: new vscode.ThemeIcon('type-hierarchy-sub'),
  version: new vscode.ThemeIcon('versions'),
  experiments: new vscode.ThemeIcon('beaker'),
  experiment: new vscode.ThemeIcon('beaker'),
  archived: new vscode.ThemeIcon('archive'),
  runs: new vscode.ThemeIcon('run-all'),
  recurring: new vscode.ThemeIcon('history'),
  recurringEnabled: new vscode.ThemeIcon('calendar', new vscode.ThemeColor('charts.green')),
  recurringDisabled: new vscode.ThemeIcon('calendar'),
  loadMore: new vscode.ThemeIcon('ellipsis'),
  error: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  empty: new vscode.ThemeIcon('info'),
};
