// Owns the active endpoint: its settings, its credential in SecretStorage, the
// client built for it, whether it answers, and the context keys the views use.
import * as vscode from 'vscode';
import { config } from '../config';
import { clientFor, EndpointConfig, isVertex, SECRET_AUTH_KINDS, vertexClientFor } from '../core/endpoints';
import { KfpClient } from '../core/kfp/client';
import { VertexClient } from '../core/vertex/client';
import type { Run, ServerInfo } from '../core/kfp/types';
import { runOfJob } from '../core/vertex/runs';
import { errorText, log } from '../logging';

export type ConnectionState = 'none' | 'idle' | 'connecting' | 'connected' | 'error';

export class EndpointManager implements vscode.Disposable {
  private client?: Promise<KfpClient | VertexClient>;
  private clientFor?: string;
  private state: ConnectionState = 'none';
  private lastError?: string;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeConnection = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.disposables.push(vscode.workspace.onDidChangeConfiguration((e) => {
      if (config.affects(e, 'endpoints') || config.affects(e, 'activeEndpoint') || config.affects(e, 'requestTimeout') || config.affects(e, 'maxResponseSize')) this.reset();
    }));
    this.disposables.push(secrets.onDidChange((e) => { if (e.key === this.secretKey(this.clientFor ?? '')) this.reset(); }));
    this.disposables.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.reset()));
    void this.updateContext();
  }

  /** The endpoint the views show: the one named in kfp.activeEndpoint, else the first. */
  active(): EndpointConfig | undefined {
    const { endpoints } = config.endpoints();
    const name = config.activeEndpointName();
    return endpoints.find((e) => e.name === name) ?? endpoints[0];
  }

  get connectionState(): ConnectionState { return this.state; }
  get error(): string | undefined { return this.lastError; }
  get serverInfo(): ServerInfo | undefined { return this.connected instanceof KfpClient ? this.connected.serverInfo : undefined; }
  private connected?: KfpClient | VertexClient;
  /** Whether the active endpoint is Vertex AI Pipelines. */
  get isVertex(): boolean { return isVertex(this.active()); }
  private warnedInsecure = new Set<string>();

  secretKey(name: string): string { return `kfp.endpoint.${name}.secret`; }
  async getSecret(name: string): Promise<string | undefined> { return this.secrets.get(this.secretKey(name)); }
  async setSecret(name: string, value: string | undefined): Promise<void> {
    if (value) await this.secrets.store(this.secretKey(name), value);
    else await this.secrets.delete(this.secretKey(name));
  }

  needsSecret(e: EndpointConfig): boolean { return SECRET_AUTH_KINDS.has(e.auth ?? 'none'); }

  /** Drops the client so the next use reconnects. */
  reset(): void {
    this.client = undefined;
    this.clientFor = undefined;
    this.connected = undefined;
    this.setState(this.active() ? 'idle' : 'none');
  }

  /** A client built for an endpoint, without connecting it (Test Connection uses this). */
  async build(e: EndpointConfig): Promise<KfpClient> {
    return clientFor(e, {
      secret: this.needsSecret(e) ? await this.getSecret(e.name) : undefined,
      trusted: vscode.workspace.isTrusted,
      timeoutMs: config.requestTimeoutMs(),
      maxResponseBytes: config.maxResponseBytes(),
    });
  }

  /** A Vertex AI client for a vertex endpoint, without connecting it (Test Connection uses this). */
  buildVertex(e: EndpointConfig): VertexClient {
    return vertexClientFor(e, { timeoutMs: config.requestTimeoutMs(), maxResponseBytes: config.maxResponseBytes() });
  }

  /** The connected KFP client of the active endpoint; throws a readable error (also when the endpoint is Vertex AI). */
  async getClient(): Promise<KfpClient> {
    const c = await this.getBackend();
    if (c instanceof VertexClient) throw new Error(`The endpoint "${this.active()?.name}" is a Vertex AI Pipelines endpoint; this needs a Kubeflow Pipelines endpoint. Pick one with "Kubeflow Pipelines: Select Endpoint".`);
    return c;
  }

  /** The connected Vertex AI client of the active endpoint; throws a readable error when it is a KFP endpoint. */
  async getVertex(): Promise<VertexClient> {
    const c = await this.getBackend();
    if (!(c instanceof VertexClient)) throw new Error(`The endpoint "${this.active()?.name}" is a Kubeflow Pipelines endpoint; this needs a Vertex AI Pipelines endpoint ("kind": "vertex").`);
    return c;
  }

  /** A run of the active endpoint: a KFP run, or a Vertex AI pipeline job as a run (with the job attached). */
  async getRun(id: string, signal?: AbortSignal): Promise<Run> {
    const c = await this.getBackend();
    return c instanceof VertexClient ? runOfJob(await c.getPipelineJob(id, signal)) : c.getRun(id, signal);
  }

  /** The connected client of the active endpoint, KFP or Vertex AI; throws a readable error. */
  async getBackend(): Promise<KfpClient | VertexClient> {
    const e = this.active();
    if (!e) {
      this.setState('none');
      throw new Error('No Kubeflow Pipelines endpoint is configured. Run "Kubeflow Pipelines: Add Endpoint".');
    }
    if (!this.client || this.clientFor !== e.name) {
      this.clientFor = e.name;
      if (e.insecureSkipTlsVerify && !this.warnedInsecure.has(e.name)) {
        this.warnedInsecure.add(e.name);
        log().warn(`TLS certificate verification is off for endpoint ${e.name}`);
        void vscode.window.showWarningMessage(`TLS certificate verification is turned off for the endpoint "${e.name}" (insecureSkipTlsVerify): anyone on the network path can read its credentials. Add the cluster's CA with "caFile" instead.`);
      }
      this.setState('connecting');
      const attempt = (async (): Promise<KfpClient | VertexClient> => {
        if (isVertex(e)) {
          const v = this.buildVertex(e);
          await v.check();
          log().info(`Connected to ${e.name}: Vertex AI Pipelines, project ${e.project}, region ${e.region}${e.apiRoot ? ` (API root ${redact(e.apiRoot)}, no credentials sent)` : ''}`);
          return v;
        }
        const c = await this.build(e);
        const info = await c.connect();
        log().info(`Connected to ${e.name} (${redact(e.url)}): ${info.apiVersion}${info.version ? `, KFP ${info.version}` : ''}${info.multiUser ? ', multi-user' : ''}${info.viaUiServer ? ', through the UI server' : ''}`);
        return c;
      })();
      this.client = attempt;
      attempt.then((c) => {
        if (this.client !== attempt) return;
        this.connected = c;
        this.lastError = undefined;
        this.setState('connected');
      }, (err) => {
        if (this.client !== attempt) return;
        this.client = undefined;
        this.lastError = errorText(err);
        log().error(`Cannot connect to ${e.name} (${redact(e.url)}): ${this.lastError}`);
        this.setState('error');
      });
    }
    return this.client;
  }

  private setState(s: ConnectionState): void {
    const changed = s !== this.state;
    this.state = s;
    void this.updateContext();
    if (changed) this.changed.fire();
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'kfp.hasEndpoint', Boolean(this.active()));
    await vscode.commands.executeCommand('setContext', 'kfp.connectionState', this.state);
    await vscode.commands.executeCommand('setContext', 'kfp.endpointKind', this.active()?.kind ?? 'kfp');
  }

  dispose(): void { for (const d of this.disposables) d.dispose(); }
}

/** A URL without any user:password part, for logs. */
export function redact(url: string): string {
  try { const u = new URL(url); u.username = ''; u.password = ''; return u.toString(); } catch { return url; }
}
