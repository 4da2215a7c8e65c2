import * as vscode from 'vscode';
import { config } from '../config';
import { cancelled, register, scriptOptions, Services, UserError } from './common';

/** Kubeflow Pipelines: Remove Endpoint (argument: the name; {skipConfirmation} from scripts). */
export function registerRemoveEndpoint(s: Services): void {
  register(s, 'kfp.endpoint.remove', async (...args: unknown[]) => {
    const { endpoints } = config.endpoints();
    let name = typeof args[0] === 'string' ? args[0] : undefined;
    if (name === undefined) {
      const pick = await vscode.window.showQuickPick(endpoints.map((e) => ({ label: e.name, description: e.url, detail: config.endpointScopeOf(e.name) === 'workspace' ? 'in this workspace\'s settings' : 'in your user settings' })), { title: 'Remove which endpoint?' });
      if (!pick) return cancelled();
      name = pick.label;
    }
    const scope = config.endpointScopeOf(name);
    if (!endpoints.some((e) => e.name === name) || !scope) throw new UserError(`No endpoint is named "${name}".`);
    if (!scriptOptions(args).skipConfirmation) {
      const where = scope === 'workspace' ? 'this workspace\'s settings (shared with whoever uses this folder)' : 'your user settings';
      const ok = await vscode.window.showWarningMessage(`Remove the endpoint "${name}" from ${where} and forget its stored credential? Nothing on the server is touched.`, { modal: true }, 'Remove');
      if (ok !== 'Remove') return cancelled();
    }
    // Only the scope that defines it changes; the other scope's list is left as it is.
    await config.deleteEndpoint(name, scope);
    await s.endpoints.setSecret(name, undefined);
    if (config.activeEndpointName() === name) await config.setActiveEndpoint('');
    s.endpoints.reset();
    return { ok: true, removed: name, from: scope };
  });
}
