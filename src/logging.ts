// The extension's output channel. Nothing secret is ever written here: auth
// headers are added inside the client and never passed to the log.
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Kubeflow Pipelines', { log: true });
  return channel;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
