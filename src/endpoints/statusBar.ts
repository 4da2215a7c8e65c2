import * as vscode from 'vscode';
import { EndpointManager } from './endpointManager';

/** Shows the active endpoint and its API; a click switches endpoints. */
export class EndpointStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('kfp.endpoint', vscode.StatusBarAlignment.Left, 50);
  private readonly sub: vscode.Disposable;

  constructor(private readonly endpoints: EndpointManager) {
    this.item.name = 'Kubeflow Pipelines endpoint';
    this.item.command = 'kfp.endpoint.select';
    this.sub = endpoints.onDidChangeConnection(() => this.update());
    this.update();
  }

  update(): void {
    const e = this.endpoints.active();
    if (!e) { this.item.hide(); return; }
    const info = this.endpoints.serverInfo;
    const state = this.endpoints.connectionState;
    const icon = state === 'error' ? '$(error)' : state === 'connecting' ? '$(sync~spin)' : '$(server-environment)';
    this.item.text = `${icon} KFP: ${e.name}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    md.appendText(`Kubeflow Pipelines endpoint: ${e.name}\n\n${e.url}\n\n`);
    if (info) md.appendText(`API ${info.apiVersion}${info.apiVersion === 'v1beta1' ? ' (KFP 1.x: read-only fallback)' : ''}${info.version ? ` · KFP ${info.version}` : ''}${info.multiUser ? ` · multi-user${e.namespace ? ` · namespace ${e.namespace}` : ''}` : ''}\n\n`);
    if (state === 'error') md.appendText(`Not connected: ${this.endpoints.error ?? ''}\n\n`);
    md.appendText('Click to switch endpoint.');
    this.item.tooltip = md;
    this.item.backgroundColor = state === 'error' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void { this.sub.dispose(); this.item.dispose(); }
}
