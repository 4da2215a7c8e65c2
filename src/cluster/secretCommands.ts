// "Create Cluster Secret from Key File…": the Kubernetes secret a pipeline's steps
// mount for Google credentials (user-gcp-sa by default), created or replaced in the
// KFP namespace with the user's kubeconfig. Offered as a code action where pipeline
// code mounts one (v1 use_gcp_secret, v2 kubernetes.use_secret_as_volume/env).
import * as vscode from 'vscode';
import { applySecret, DEFAULT_SECRET, ExistingSecret, findSecretUses, kubeconfigSecretApi } from '../core/cluster/secrets';
import { register, Services, UserError } from '../commands/common';

export interface CreateSecretArgs {
  /** The secret's name (default user-gcp-sa). */
  name?: string;
  /** Default: the active endpoint's namespace, else kubeflow. */
  namespace?: string;
  /** Path of the service-account key file (JSON); asked when absent. */
  keyFile?: string;
  /** The file name inside the secret (default {name}.json). */
  dataKey?: string;
  /** kubeconfig context (default: the active endpoint's kubeContext, else the current context). */
  context?: string;
  /** Replace an existing secret without asking (scripts); false: never replace. */
  replace?: boolean;
}

export function registerSecretCommands(s: Services): void {
  register(s, 'kfp.cluster.createSecret', async (...args: unknown[]) => {
    const a = (args.find((x) => x && typeof x === 'object' && !(x instanceof vscode.Uri)) ?? {}) as CreateSecretArgs;
    const endpoint = s.endpoints.active();
    let name = a.name;
    if (!name) {
      name = await vscode.window.showInputBox({ title: 'Cluster secret for the pipeline\'s Google credentials', prompt: 'The secret\'s name, as the pipeline mounts it (use_gcp_secret / use_secret_as_volume)', value: DEFAULT_SECRET, ignoreFocusOut: true });
      if (!name) return { ok: true, cancelled: true };
    }
    const namespace = a.namespace || endpoint?.namespace || 'kubeflow';
    let keyFile = a.keyFile;
    if (!keyFile) {
      const picked = await vscode.window.showOpenDialog({ title: `Service-account key for secret ${name} in ${namespace}`, openLabel: 'Use this Key', canSelectMany: false, filters: { 'Service-account key (JSON)': ['json'] } });
      if (!picked?.length) return { ok: true, cancelled: true };
      keyFile = picked[0].fsPath;
    }
    let keyText: string;
    try { keyText = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(keyFile))); } catch (e) { throw new UserError(`Cannot read the key file ${keyFile}: ${(e as Error).message}`); }
    const context = a.context || endpoint?.kubeContext || undefined;
    const api = await kubeconfigSecretApi({ context });
    const confirm = async (e: ExistingSecret): Promise<boolean> => {
      if (a.replace !== undefined) return a.replace;
      const detail = [
        `It holds ${e.keys.join(', ') || 'no keys'}${e.serviceAccount ? ` (the key of ${e.serviceAccount}, set from this editor)` : e.managedByUs ? '' : ', not created from this editor'}${e.created ? `, created ${new Date(e.created).toLocaleString()}` : ''}.`,
        'Replacing it changes the credentials of every step that mounts it; running steps keep the old key until they restart.',
      ].join('\n\n');
      const pick = await vscode.window.showWarningMessage(`Secret ${name} already exists in ${namespace} (${api.server}). Replace it?`, { modal: true, detail }, 'Replace');
      return pick === 'Replace';
    };
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Secret ${name} in ${namespace}` },
      () => applySecret(api, { name: name!, namespace, keyText, dataKey: a.dataKey }, confirm));
    if ('cancelled' in r) return { ok: true, cancelled: true, name, namespace, replaced: false, existing: r.previous };
    const mount = `${r.action === 'created' ? 'Created' : 'Replaced'} secret ${r.name} in ${r.namespace} with the key of ${r.serviceAccount}. Steps find it at /secret/gcp-credentials/${r.dataKey} with use_gcp_secret('${r.name}') (v1), or kubernetes.use_secret_as_volume(task, secret_name='${r.name}', mount_path='/secret/gcp-credentials') and GOOGLE_APPLICATION_CREDENTIALS=/secret/gcp-credentials/${r.dataKey} (v2).`;
    if (!a.keyFile) void vscode.window.showInformationMessage(mount);
    void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.hasSecret', true);
    return { ok: true, action: r.action, name: r.name, namespace: r.namespace, dataKey: r.dataKey, serviceAccount: r.serviceAccount, server: api.server, context: api.context, resourceVersion: r.resourceVersion, message: mount };
  });
}

/** On a line that mounts a secret: "Create cluster secret NAME from a key file…". */
export class SecretCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    const text = doc.getText();
    if (!/use_gcp_secret|use_secret_as_(volume|env)/.test(text)) return [];
    const out: vscode.CodeAction[] = [];
    for (const u of findSecretUses(text)) {
      if (u.line < range.start.line || u.line > range.end.line) continue;
      const name = u.name;
      const a = new vscode.CodeAction(name ? `Create cluster secret "${name}" from a key file…` : 'Create the cluster secret this step mounts from a key file…', vscode.CodeActionKind.QuickFix);
      a.command = { command: 'kfp.cluster.createSecret', title: a.title, arguments: [name ? { name } : {}] };
      out.push(a);
    }
    return out;
  }
}
