// Kubeflow Pipelines: Test Connection. Checks, in order, what a connection
// needs and reports each step in plain words. Argument: the endpoint name.
import * as vscode from 'vscode';
import { redact, redactUrl } from '../core/util/redact';
import { config } from '../config';
import { EndpointConfig, validateUrl } from '../core/endpoints';
import { adcHeaders } from '../core/auth/google';
import { templateRepo, VertexClient } from '../core/vertex/client';
import { KfpError } from '../core/kfp/errors';
import type { KfpClient } from '../core/kfp/client';
import { errorText, log } from '../logging';
import { CommandResult, register, Services, UserError } from './common';

interface Check { step: string; ok: boolean; detail: string }

export function registerTestConnection(s: Services): void {
  register(s, 'kfp.endpoint.testConnection', async (arg?: unknown) => {
    const name = typeof arg === 'string' ? arg : s.endpoints.active()?.name;
    const endpoint = config.endpoints().endpoints.find((e) => e.name === name);
    if (!endpoint) throw new UserError(name ? `No endpoint is named "${name}".` : 'No endpoint is configured. Run "Kubeflow Pipelines: Add Endpoint".');
    const checks: Check[] = [];
    const add = (step: string, ok: boolean, detail: string) => { checks.push({ step, ok, detail }); return ok; };
    if (endpoint.kind === 'vertex') return testVertex(s, endpoint);
    let client: KfpClient | undefined;
    let info: Awaited<ReturnType<KfpClient['connect']>> | undefined;

    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing ${endpoint.name}…`, cancellable: false }, async () => {
      const urlProblem = validateUrl(endpoint.url);
      if (!add('URL', !urlProblem, urlProblem ? redact(urlProblem, [endpoint.url]) + ` (${redactUrl(endpoint.url)})` : redactUrl(endpoint.url))) return;
      if (endpoint.insecureSkipTlsVerify) add('TLS', true, 'certificate verification is OFF for this endpoint (insecureSkipTlsVerify)');
      if (s.endpoints.needsSecret(endpoint)) {
        const has = Boolean(await s.endpoints.getSecret(endpoint.name));
        if (!add('Credential', has, has ? `a ${endpoint.auth} credential is stored` : `no ${endpoint.auth} credential is stored: run "Set Endpoint Credential"`)) return;
      }
      try {
        client = await s.endpoints.build(endpoint);
      } catch (e) {
        add('Settings', false, errorText(e));
        return;
      }
      try {
        info = await client.connect();
        add('Server', true, `answers${info.viaUiServer ? ' through the KFP UI server' : ''}; API ${info.apiVersion}${info.apiVersion === 'v1beta1' ? ' (KFP 1.x: browsing only)' : ''}${info.version ? `, KFP ${info.version}` : ''}${info.multiUser ? ', multi-user' : ''}`);
      } catch (e) {
        add('Server', false, explain(e));
        return;
      }
      if (info.multiUser && !endpoint.namespace) add('Namespace', false, 'the server is multi-user: set "namespace" on the endpoint to your profile namespace');
      try {
        const page = await client.listExperiments({ pageSize: 1 });
        add('Access', true, `listed experiments${endpoint.namespace ? ` in ${endpoint.namespace}` : ''} (${page.totalSize ?? page.items.length} in all)`);
      } catch (e) {
        add('Access', false, explain(e));
      }
    });

    report(endpoint.name, checks);
    if (endpoint.name === s.endpoints.active()?.name) s.endpoints.reset();
    return {
      ok: true, endpoint: endpoint.name, connected: checks.every((c) => c.ok), checks,
      apiVersion: info?.apiVersion, version: info?.version, multiUser: info?.multiUser, viaUiServer: info?.viaUiServer,
    };
  });
}

function report(name: string, checks: Check[]): void {
    const endpoint = { name };
    const ok = checks.every((c) => c.ok);
    const text = checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.step}: ${c.detail}`).join('\n');
    log().info(`Test connection ${endpoint.name}:\n${text}`);
    if (ok) void vscode.window.showInformationMessage(`${endpoint.name}: connected. ${checks.filter((c) => c.step === 'Server').map((c) => c.detail).join('')}`);
    else {
      const failed = checks.find((c) => !c.ok)!;
      void vscode.window.showErrorMessage(`${endpoint.name}: ${failed.step}: ${failed.detail}`, 'Show Logs').then((p) => { if (p) log().show(); });
    }
}

/** A Vertex AI endpoint: settings, credentials, the API (enabled? permitted? the region?), the pipeline root, the template repository. */
async function testVertex(s: Services, endpoint: EndpointConfig): Promise<CommandResult> {
  const checks: Check[] = [];
  const add = (step: string, ok: boolean, detail: string) => { checks.push({ step, ok, detail }); return ok; };
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Testing ${endpoint.name}…`, cancellable: false }, async () => {
    add('Settings', true, `project ${endpoint.project}, region ${endpoint.region}`);
    let v: VertexClient;
    try { v = s.endpoints.buildVertex(endpoint); } catch (e) { add('Settings', false, errorText(e)); return; }
    if (endpoint.apiRoot) add('Credentials', true, `API root ${redactUrl(endpoint.apiRoot)}: not a Google host, so no credentials are sent`);
    else {
      try { await adcHeaders()(new URL(v.roots.aiplatform)); add('Credentials', true, 'application default credentials'); } catch (e) { add('Credentials', false, errorText(e)); return; }
    }
    try {
      const r = await v.check();
      add('Vertex AI', true, `the API answers in ${endpoint.region}; you may list pipeline runs${r.runs ? '' : ' (none yet)'}`);
    } catch (e) { add('Vertex AI', false, errorText(e)); return; }
    add('Pipeline root', true, endpoint.pipelineRoot ? `${endpoint.pipelineRoot} (the runs' service account needs object read and create on its bucket)` : 'not set: each pipeline must be compiled with a pipeline_root, or set "pipelineRoot" on the endpoint');
    if (endpoint.templateRepository) {
      try { const n = (await v.listPackages(templateRepo(endpoint.templateRepository, endpoint.region!))).length; add('Templates', true, `${endpoint.templateRepository}: ${n} template(s)`); } catch (e) { add('Templates', false, errorText(e)); }
    }
  });
  report(endpoint.name, checks);
  if (endpoint.name === s.endpoints.active()?.name) s.endpoints.reset();
  return { ok: true, endpoint: endpoint.name, kind: 'vertex', connected: checks.every((c) => c.ok), checks };
}

function explain(e: unknown): string {
  if (e instanceof KfpError) {
    if (e.kind === 'network' && /ECONNREFUSED/.test(e.message)) return `${e.message}. Is the port-forward running (kubectl port-forward -n kubeflow svc/ml-pipeline-ui 8080:80)?`;
    if (e.kind === 'network' && /ENOTFOUND|EAI_AGAIN/.test(e.message)) return `${e.message}. Check the host name.`;
    if (e.kind === 'network' && /certificate|CERT|SELF_SIGNED/i.test(e.message)) return `${e.message}. Add the cluster's CA with "caFile".`;
    if (e.status === 401) return `${e.message}. Check the credential (a session cookie expires when you sign out).`;
    if (e.status === 403) return `${e.message}. Check the namespace and that your user may use it.`;
    if (e.status === 404) return `${e.message}. Is the URL the KFP UI or API? On a Kubeflow platform add /pipeline.`;
    if (e.status === 500) return `${e.message}. The server failed on its side: look at the ml-pipeline (API server) logs (kubectl logs -n kubeflow deploy/ml-pipeline), then retry.`;
    if (e.status === 502 || e.status === 503 || e.status === 504) return `${e.message}. A gateway answered for KFP but could not reach it: the KFP pods may be starting or down (kubectl get pods -n kubeflow); retry in a minute.`;
    if (e.kind === 'malformed') return `${e.message}. Something that is not the KFP API answered: check that the URL is the KFP UI or API (not a sign-in page or another service), and the proxy settings.`;
    if (e.kind === 'timeout') return `${e.message}. The server did not answer in time: check the URL and network, or raise kfp.requestTimeout.`;
    if (e.kind === 'network' && /ECONNRESET|socket hang up|closed before/i.test(e.message)) return `${e.message}. The connection was dropped: a proxy or port-forward may have closed it; restart the port-forward or check "proxy", then retry.`;
    if (e.kind === 'network') return `${e.message}. Check the URL, the network and the "proxy" setting.`;
  }
  return errorText(e);
}
