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
  requestTimeoutMs(): number {
    return Math.max(1, vscode.workspace.getConfiguration(SECTION).get<number>('requestTimeout', 30)) * 1000;
  },
  /** Writes the endpoint list to user settings (raw objects, as the user would write them). */
  async setEndpoints(list: EndpointConfig[]): Promise<void> {
    const raw = list.map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined && v !== false && v !== '')));
    await vscode.workspace.getConfiguration(SECTION).update('endpoints', raw, vscode.ConfigurationTarget.Global);
  },
  async setActiveEndpoint(name: string): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update('activeEndpoint', name, vscode.ConfigurationTarget.Global);
  },
  affects(e: vscode.ConfigurationChangeEvent, key: string): boolean {
    return e.affectsConfiguration(`${SECTION}.${key}`);
  },
};
