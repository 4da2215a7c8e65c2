import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { KfpExtensionApi } from '../../../src/extension';
import type { ExplorerNode } from '../../../src/tree/node';
import { KfpEmulator, EmulatorOptions } from '../../emulator/server';

export const EXTENSION_ID = 'kfp-vscode.kubeflow-pipelines-vscode';

export async function api(): Promise<KfpExtensionApi> {
  const ext = vscode.extensions.getExtension<KfpExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

export async function emulator(opts: EmulatorOptions = {}): Promise<KfpEmulator> {
  const e = new KfpEmulator(opts);
  await e.start();
  return e;
}

/** Removes every endpoint the tests added (the settings are the user's). */
export async function clearEndpoints(): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('kfp');
  for (const e of cfg.get<Array<{ name: string }>>('endpoints', [])) {
    await vscode.commands.executeCommand('kfp.endpoint.remove', e.name, { skipConfirmation: true });
  }
  await cfg.update('endpoints', undefined, vscode.ConfigurationTarget.Global);
  await cfg.update('activeEndpoint', undefined, vscode.ConfigurationTarget.Global);
  await cfg.update('explorer.pageSize', undefined, vscode.ConfigurationTarget.Global);
}

export interface CommandResult { ok: boolean; error?: string; cancelled?: boolean; [k: string]: unknown }

export async function run(command: string, ...args: unknown[]): Promise<CommandResult> {
  return (await vscode.commands.executeCommand(command, ...args)) as CommandResult;
}

export async function addEndpoint(name: string, url: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await run('kfp.endpoint.add', { name, url, ...extra });
  assert.equal(r.ok, true, r.error);
}

export async function children(node?: ExplorerNode): Promise<ExplorerNode[]> {
  return (await api()).explorer.getChildren(node);
}

export function label(node: ExplorerNode): string {
  const l = node.treeItem().label;
  return typeof l === 'string' ? l : l?.label ?? '';
}

export async function root(name: string): Promise<ExplorerNode> {
  const roots = await children();
  const r = roots.find((n) => label(n) === name);
  assert.ok(r, `root "${name}" in ${roots.map(label).join(', ')}`);
  return r;
}

export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
