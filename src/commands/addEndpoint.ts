// Kubeflow Pipelines: Add Endpoint. Interactive, or scripted with
// {name, url, auth?, namespace?, secret?, ...} (any kfp.endpoints field).
import * as vscode from 'vscode';
import { config } from '../config';
import { AUTH_KINDS, AuthKind } from '../core/auth/types';
import { EndpointConfig, isInverseProxyHost, parseEndpoints, SECRET_AUTH_KINDS, validateUrl } from '../core/endpoints';
import { cancelled, register, Services, UserError } from './common';

const AUTH_ITEMS: Array<{ authKind: AuthKind; label: string; detail: string }> = [
  { authKind: 'none', label: 'No credentials', detail: 'Port-forward (kubectl port-forward svc/ml-pipeline-ui 8080:80) or standalone KFP in the cluster' },
  { authKind: 'cookie', label: 'Kubeflow session cookie', detail: 'Kubeflow platform behind Dex/oauth2-proxy: paste the session cookie from your browser' },
  { authKind: 'bearer', label: 'Bearer token', detail: 'A token the server accepts (e.g. a service-account token with audience pipelines.kubeflow.org)' },
  { authKind: 'serviceAccount', label: 'Service-account token file', detail: 'In a Kubeflow notebook: /var/run/secrets/kubeflow/pipelines/token' },
  { authKind: 'kubeconfig', label: 'kubeconfig context token', detail: 'The token of your current kubectl context' },
  { authKind: 'userHeader', label: 'User identity header', detail: 'Direct access to ml-pipeline:8888 in multi-user mode (kubeflow-userid)' },
  { authKind: 'google', label: 'Google credentials', detail: 'KFP on Google Cloud behind IAP or the inverse proxy (application default credentials)' },
];

export function registerAddEndpoint(s: Services): void {
  register(s, 'kfp.endpoint.add', async (arg?: unknown) => {
    const scripted = arg && typeof arg === 'object' ? arg as Partial<EndpointConfig> & { secret?: string; activate?: boolean; target?: 'user' | 'workspace' } : undefined;
    const endpoint = scripted ? fromArgs(scripted) : await ask();
    if (!endpoint) return cancelled();
    const secret = scripted ? scripted.secret : endpoint.secret;
    const { endpoints } = config.endpoints();
    if (endpoints.some((e) => e.name === endpoint.config.name)) {
      if (scripted) throw new UserError(`An endpoint named "${endpoint.config.name}" exists already. Remove it first or pick another name.`);
      const pick = await vscode.window.showWarningMessage(`An endpoint named "${endpoint.config.name}" exists. Replace it?`, { modal: true }, 'Replace');
      if (pick !== 'Replace') return cancelled();
    }
    // The user's own list is written, never the merged one: a workspace list would otherwise be copied into user settings.
    const scopes = config.endpointScopes();
    const hidden = Boolean(scopes.workspace) && vscode.workspace.isTrusted;
    let target: 'user' | 'workspace' = scripted?.target === 'workspace' ? 'workspace' : 'user';
    if (target === 'workspace' && !vscode.workspace.workspaceFolders?.length) throw new UserError('There is no workspace to save the endpoint in; it can go in your user settings.');
    if (hidden && target === 'user' && !scripted) {
      const pick = await vscode.window.showWarningMessage(
        `This workspace's settings define kfp.endpoints, which replaces your user list while it is open. Save "${endpoint.config.name}" in the workspace settings (shared with whoever uses this folder) or in your user settings (where it will not show in this workspace)?`,
        { modal: true }, 'Workspace Settings', 'User Settings');
      if (!pick) return cancelled();
      target = pick === 'Workspace Settings' ? 'workspace' : 'user';
    }
    // A Vertex AI endpoint is saved as the user gave it: its API URL follows from the region.
    await config.putEndpoint(endpoint.config.kind === 'vertex' ? { ...endpoint.config, url: undefined as unknown as string, uiUrl: undefined } : endpoint.config, target);
    if (secret) await s.endpoints.setSecret(endpoint.config.name, secret);
    if (scripted?.activate !== false) await config.setActiveEndpoint(endpoint.config.name);
    s.endpoints.reset();
    if (!scripted) {
      void vscode.window.showInformationMessage(`Endpoint "${endpoint.config.name}" added.`, 'Test Connection').then((p) => {
        if (p) void vscode.commands.executeCommand('kfp.endpoint.testConnection', endpoint.config.name);
      });
    }
    const shown = target === 'workspace' || !hidden;
    if (!shown && !scripted) void vscode.window.showWarningMessage(`"${endpoint.config.name}" is saved in your user settings; this workspace's kfp.endpoints hides it while this folder is open.`);
    if (endpoint.config.kind === 'vertex') {
      return { ok: true, name: endpoint.config.name, kind: 'vertex', project: endpoint.config.project, region: endpoint.config.region, active: scripted?.activate !== false, savedIn: target, hiddenByWorkspace: !shown };
    }
    return { ok: true, name: endpoint.config.name, url: endpoint.config.url, auth: endpoint.config.auth ?? 'none', active: scripted?.activate !== false, secretStored: Boolean(secret), savedIn: target, hiddenByWorkspace: !shown };
  });
}

function fromArgs(a: Partial<EndpointConfig> & { secret?: string; activate?: boolean; target?: string }): { config: EndpointConfig; secret?: string } {
  const { secret, activate, target, ...rest } = a;
  void activate;
  if (target !== undefined && target !== 'user' && target !== 'workspace') throw new UserError('target is "user" or "workspace".');
  const { endpoints, problems } = parseEndpoints([rest]);
  if (problems.length) throw new UserError(`Endpoint ${problems[0].endpoint} ${problems[0].message}.`);
  return { config: endpoints[0], secret };
}

/** Regions where Vertex AI Pipelines runs (docs.cloud.google.com/vertex-ai/docs/general/locations); any other can be typed. */
const VERTEX_REGIONS = ['us-central1', 'us-east1', 'us-east4', 'us-west1', 'europe-west1', 'europe-west2', 'europe-west4', 'asia-east1', 'asia-northeast1', 'asia-southeast1', 'australia-southeast1', 'northamerica-northeast1'];

async function askVertex(): Promise<{ config: EndpointConfig } | undefined> {
  const env = process.env.GOOGLE_CLOUD_PROJECT ?? process.env.CLOUDSDK_CORE_PROJECT ?? process.env.GCLOUD_PROJECT ?? '';
  const probe = (fields: Record<string, unknown>) => parseEndpoints([{ name: 'x', kind: 'vertex', project: 'probe-project', region: 'us-central1', ...fields }]).problems[0]?.message;
  const project = await vscode.window.showInputBox({
    title: 'Add Vertex AI Pipelines endpoint (1/4)', prompt: 'Google Cloud project ID', value: env, ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? probe({ project: v.trim() }) ?? null : 'Give the project ID'),
  });
  if (!project) return undefined;
  const pick = await vscode.window.showQuickPick([...VERTEX_REGIONS.map((r) => ({ label: r })), { label: '$(edit) Another region…' }], { title: 'Add Vertex AI Pipelines endpoint (2/4): region', ignoreFocusOut: true });
  if (!pick) return undefined;
  let region = pick.label;
  if (region.startsWith('$(')) {
    const typed = await vscode.window.showInputBox({ title: 'Region', prompt: 'A Vertex AI region, e.g. me-west1', ignoreFocusOut: true, validateInput: (v) => probe({ region: v.trim() }) ?? null });
    if (!typed) return undefined;
    region = typed.trim();
  }
  const root = await vscode.window.showInputBox({
    title: 'Add Vertex AI Pipelines endpoint (3/4): pipeline root', prompt: 'gs://BUCKET/PATH where runs write their outputs (a bucket in the same region); leave empty to use each pipeline\'s own pipeline_root',
    placeHolder: `gs://${project.trim()}-pipelines/root`, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? probe({ pipelineRoot: v.trim() }) ?? null : null),
  });
  if (root === undefined) return undefined;
  const taken = new Set(config.endpoints().endpoints.map((e) => e.name));
  const name = await vscode.window.showInputBox({
    title: 'Add Vertex AI Pipelines endpoint (4/4)', prompt: 'A short name for this endpoint', value: `vertex-${region}`, ignoreFocusOut: true,
    validateInput: (v) => (!v.trim() ? 'Give a name' : taken.has(v.trim()) ? 'This name exists; it will be replaced' : null),
  });
  if (!name) return undefined;
  const { endpoints, problems } = parseEndpoints([{ name: name.trim(), kind: 'vertex', project: project.trim(), region, pipelineRoot: root.trim() || undefined }]);
  if (problems.length) throw new UserError(`Endpoint ${problems[0].endpoint} ${problems[0].message}.`);
  return { config: endpoints[0] };
}

async function ask(): Promise<{ config: EndpointConfig; secret?: string } | undefined> {
  const kind = await vscode.window.showQuickPick([
    { label: '$(server) Kubeflow Pipelines server', detail: 'Port-forward, in-cluster, a Kubeflow platform, or KFP on Google Cloud behind IAP', endpointKind: 'kfp' as const },
    { label: '$(cloud) Vertex AI Pipelines', detail: 'Google Cloud\'s managed pipelines: a project and a region, with your application default credentials', endpointKind: 'vertex' as const },
  ], { title: 'Add endpoint: which kind?', ignoreFocusOut: true });
  if (!kind) return undefined;
  if (kind.endpointKind === 'vertex') return askVertex();
  const url = await vscode.window.showInputBox({
    title: 'Add Kubeflow Pipelines endpoint (1/3)',
    prompt: 'URL of the KFP UI or API. Port-forward: http://localhost:8080 · Kubeflow platform: https://kubeflow.example.com/pipeline',
    placeHolder: 'http://localhost:8080',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? validateUrl(v) ?? null : 'Give a URL'),
  });
  if (!url) return undefined;
  const host = (() => { try { return new URL(url.trim()).host; } catch { return 'kfp'; } })();
  const taken = new Set(config.endpoints().endpoints.map((e) => e.name));
  const name = await vscode.window.showInputBox({
    title: 'Add Kubeflow Pipelines endpoint (2/3)', prompt: 'A short name for this endpoint', value: host, ignoreFocusOut: true,
    validateInput: (v) => (!v.trim() ? 'Give a name' : taken.has(v.trim()) ? 'This name exists; it will be replaced' : null),
  });
  if (!name) return undefined;
  const suggested: AuthKind = isInverseProxyHost(url) ? 'google' : 'none';
  const items = AUTH_ITEMS.map((i) => ({ ...i, picked: i.authKind === suggested, description: i.authKind === suggested ? 'suggested' : undefined }));
  const auth = await vscode.window.showQuickPick(items, { title: 'Add Kubeflow Pipelines endpoint (3/3): how to sign in', ignoreFocusOut: true });
  if (!auth) return undefined;
  const cfg: EndpointConfig = { name: name.trim(), url: url.trim(), auth: auth.authKind };
  let secret: string | undefined;
  if (SECRET_AUTH_KINDS.has(auth.authKind)) {
    secret = await vscode.window.showInputBox({
      title: auth.authKind === 'cookie' ? 'Session cookie' : 'Bearer token',
      prompt: auth.authKind === 'cookie'
        ? 'Paste the cookie value, name=value, or the whole Cookie header (authservice_session, _oauth2_proxy, …). Kept in VS Code secret storage.'
        : 'Paste the token. Kept in VS Code secret storage, never in settings.',
      password: true, ignoreFocusOut: true,
    });
    if (secret === undefined) return undefined;
  }
  if (auth.authKind === 'userHeader') {
    const userId = await vscode.window.showInputBox({ title: 'User identity', prompt: 'The user ID sent in the kubeflow-userid header', placeHolder: 'user@example.com', ignoreFocusOut: true });
    if (userId === undefined) return undefined;
    cfg.userId = userId.trim();
  }
  if (auth.authKind === 'google' && !isInverseProxyHost(url)) {
    const clientId = await vscode.window.showInputBox({ title: 'IAP OAuth client ID', prompt: 'The OAuth client ID of the IAP-protected endpoint (audience of the ID token)', ignoreFocusOut: true });
    if (clientId === undefined) return undefined;
    cfg.iapClientId = clientId.trim() || undefined;
  }
  if (auth.authKind !== 'none') {
    const ns = await vscode.window.showInputBox({ title: 'Namespace (multi-user Kubeflow)', prompt: 'Your Kubeflow profile namespace; leave empty for single-user KFP', placeHolder: 'kubeflow-user-example-com', ignoreFocusOut: true });
    if (ns === undefined) return undefined;
    cfg.namespace = ns.trim() || undefined;
  }
  if (!AUTH_KINDS.includes(cfg.auth!)) return undefined;
  return { config: cfg, secret };
}
