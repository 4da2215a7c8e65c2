import * as vscode from 'vscode';
import { config } from '../config';
import { cancelled, register, Services, UserError } from './common';

/** Kubeflow Pipelines: Switch Endpoint (argument: the endpoint name). */
export function registerSelectEndpoint(s: Services): void {
  register(s, 'kfp.endpoint.select', async (arg?: unknown) => {
    const { endpoints } = config.endpoints();
    let name = typeof arg === 'string' ? arg : undefined;
    if (name === undefined) {
      const active = s.endpoints.active()?.name;
      const add = { label: '$(add) Add Endpoint…', name: '' };
      const pick = await vscode.window.showQuickPick(
        [...endpoints.map((e) => ({ label: e.name, description: e.url, detail: e.name === active ? 'active' : undefined, name: e.name })), add],
        { title: 'Switch Kubeflow Pipelines endpoint' });
      if (!pick) return cancelled();
      if (pick === add) return (await vscode.commands.executeCommand('kfp.endpoint.add')) as { ok: true };
      name = pick.name;
    }
    if (!endpoints.some((e) => e.name === name)) throw new UserError(`No endpoint is named "${name}". Known: ${endpoints.map((e) => e.name).join(', ') || 'none'}.`);
    await config.setActiveEndpoint(name);
    s.endpoints.reset();
    return { ok: true, name };
  });
}
