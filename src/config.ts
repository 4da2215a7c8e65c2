// Typed access to the extension's settings, in one place.
import * as vscode from 'vscode';
import { EndpointConfig, EndpointProblem, parseEndpoints } from './core/endpoints';

const SECTION = 'kfp';

export const config = {
  endpoints(): { endpoints: EndpointConfig[]; problems: EndpointProblem[] } {
    return parseEndpoints(vscode.workspace.getConfiguration(SECTION).get<unknown>('endpoints', []));
  },
  activeEndpointName(): string {
    return vscode.workspace.getConfiguration(SECTION).get<string>('activeEndpoint', '');
  },
  pageSize(): number {
    const n = vscode.workspace.getConfiguration(SECTION).get<number>('explorer.pageSize', 50);
    return Math.max(1, Math.min(200, Math.floor(n || 50)));
  },
  pollIntervalMs(): number {
    return Math.max(1, vscode.workspace.getConfiguration(SECTION).get<number>('explorer.pollInterval', 5)) * 1000;
  },
  maxResponseBytes(): number {
    return Math.max(1, vscode.workspace.getConfiguration(SECTION).get<number>('maxResponseSize', 256)) * 1024 * 1024;
  },
  requestTimeoutMs(): number {
    return Math.max(1, vscode.workspace.getConfiguration(SECTION).get<number>('requestTimeout', 30)) * 1000;
  },
  /**
   * The endpoint lists as each settings scope holds them. VS Code does not merge
   * arrays: a workspace value replaces the user's whole list, so writes go to one
   * scope's own value and never copy another scope's entries into it.
   */
  endpointScopes(): { user: unknown[]; workspace?: unknown[] } {
    const i = vscode.workspace.getConfiguration(SECTION).inspect<unknown>('endpoints');
    const arr = (v: unknown) => (Array.isArray(v) ? v : undefined);
    return { user: arr(i?.globalValue) ?? [], workspace: arr(i?.workspaceFolderValue) ?? arr(i?.workspaceValue) };
  },
  /** Where an endpoint of this name is defined (the workspace first: its list is the one in effect). */
  endpointScopeOf(name: string): 'user' | 'workspace' | undefined {
    const s = config.endpointScopes();
    const has = (l?: unknown[]) => l?.some((e) => e && typeof e === 'object' && (e as { name?: unknown }).name === name);
    if (vscode.workspace.isTrusted && has(s.workspace)) return 'workspace';
    if (has(s.user)) return 'user';
    return undefined;
  },
  /** Adds or replaces (by name) one endpoint in one scope's list, leaving every other entry of that list as it was written. */
  async putEndpoint(e: EndpointConfig, scope: 'user' | 'workspace'): Promise<void> {
    const raw = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined && v !== false && v !== ''));
    const cur = scope === 'user' ? config.endpointScopes().user : config.endpointScopes().workspace ?? [];
    const next = cur.filter((x) => !(x && typeof x === 'object' && (x as { name?: unknown }).name === e.name)).concat(raw);
    await vscode.workspace.getConfiguration(SECTION).update('endpoints', next, scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace);
  },
  /** Removes one endpoint from one scope's list, leaving every other entry as it was written. */
  async deleteEndpoint(name: string, scope: 'user' | 'workspace'): Promise<void> {
    const cur = scope === 'user' ? config.endpointScopes().user : config.endpointScopes().workspace ?? [];
    const next = cur.filter((x) => !(x && typeof x === 'object' && (x as { name?: unknown }).name === name));
    await vscode.workspace.getConfiguration(SECTION).update('endpoints', next, scope === 'user' ? vscode.ConfigurationTarget.Global : vscode.ConfigurationTarget.Workspace);
  },
  async setActiveEndpoint(name: string): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update('activeEndpoint', name, vscode.ConfigurationTarget.Global);
  },
  affects(e: vscode.ConfigurationChangeEvent, key: string): boolean {
    return e.affectsConfiguration(`${SECTION}.${key}`);
  },
};
