import * as vscode from 'vscode';
import { config } from '../config';
import { cancelled, register, Services, UserError } from './common';

/** Kubeflow Pipelines: Set Endpoint Credential. Scripted: {name?, value} (an empty value deletes it). */
export function registerSetCredential(s: Services): void {
  register(s, 'kfp.endpoint.setCredential', async (arg?: unknown) => {
    const a = arg && typeof arg === 'object' ? arg as { name?: string; value?: string } : undefined;
    const name = a?.name ?? s.endpoints.active()?.name;
    const endpoint = config.endpoints().endpoints.find((e) => e.name === name);
    if (!endpoint) throw new UserError('No endpoint to set a credential for. Add one first.');
    if (!s.endpoints.needsSecret(endpoint)) {
      throw new UserError(`Endpoint "${endpoint.name}" signs in with "${endpoint.auth}", which needs no stored credential. Change its "auth" to "bearer" or "cookie" in settings to use one.`);
    }
    let value = a?.value;
    if (value === undefined) {
      value = await vscode.window.showInputBox({
        title: `${endpoint.auth === 'cookie' ? 'Session cookie' : 'Bearer token'} for ${endpoint.name}`,
        prompt: endpoint.auth === 'cookie' ? 'Paste the cookie value, name=value, or the Cookie header. Leave empty to forget the stored one.' : 'Paste the token. Leave empty to forget the stored one.',
        password: true, ignoreFocusOut: true,
      });
      if (value === undefined) return cancelled();
    }
    await s.endpoints.setSecret(endpoint.name, value.trim() || undefined);
    s.endpoints.reset();
    return { ok: true, name: endpoint.name, stored: Boolean(value.trim()) };
  });
}
