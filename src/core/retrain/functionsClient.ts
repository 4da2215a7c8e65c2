// Cloud Functions (2nd gen) through its v2 REST API, as `gcloud functions deploy`
// does it (../shared/cd-reference.md A1–A3, from command_lib/functions/v2/deploy/
// command.py and api_lib/functions/v2/util.py): generateUploadUrl, a PUT of the zip
// to that URL with only `content-type: application/zip` (no credentials), GET the
// function (404: create with ?functionId=, else PATCH with an update mask), then the
// long-running operation polled every second, its stages reported. Shapes are the
// ones of google/cloud/functions/v2/functions.proto (typed with @google-cloud/functions'
// generated types in the emulator). Tokens go only to Google's hosts over HTTPS.
import type { HttpResponse, HttpTransport } from '../http/transport';
import { gcpError, GcpError } from '../cloudbuild/cloudBuild';

export const FUNCTIONS_ROOT = 'https://cloudfunctions.googleapis.com';
export const FINALIZED = 'google.cloud.storage.object.v1.finalized';

export interface FunctionResource {
  name?: string;
  description?: string;
  state?: string;
  buildConfig?: { runtime?: string; entryPoint?: string; source?: { storageSource?: { bucket?: string; object?: string; generation?: string } }; environmentVariables?: Record<string, string> };
  serviceConfig?: { serviceAccountEmail?: string; environmentVariables?: Record<string, string>; timeoutSeconds?: number; availableMemory?: string; uri?: string };
  eventTrigger?: { eventType?: string; eventFilters?: Array<{ attribute: string; value: string }>; retryPolicy?: string; serviceAccountEmail?: string; triggerRegion?: string; trigger?: string };
  labels?: Record<string, string>;
  updateTime?: string;
  stateMessages?: Array<{ severity?: string; type?: string; message?: string }>;
  url?: string;
  environment?: string;
}

export interface Operation {
  name?: string;
  done?: boolean;
  error?: { code?: number; message?: string; details?: unknown[] };
  response?: FunctionResource & { '@type'?: string };
  metadata?: { stages?: Array<{ name?: string; state?: string; message?: string; resourceUri?: string }>; operationType?: string; target?: string };
}

export interface DeployInput {
  projectId: string;
  region: string;
  functionId: string;
  runtime: string;
  entryPoint: string;
  zip: Buffer;
  bucket: string;
  serviceAccountEmail?: string;
  environmentVariables?: Record<string, string>;
  /** Retry failed invocations (RETRY_POLICY_RETRY); the function is idempotent per event. */
  retry?: boolean;
  description?: string;
}

export class FunctionsClient {
  constructor(private readonly transport: HttpTransport, private readonly root: string, private readonly token: (() => Promise<string>) | undefined, private readonly o: { timeoutMs?: number; pollMs?: number; maxWaitMs?: number } = {}) {}

  private async headers(url: URL): Promise<Record<string, string>> {
    if (this.token && url.protocol === 'https:' && /(^|\.)googleapis\.com$/.test(url.hostname)) return { authorization: `Bearer ${await this.token()}` };
    return {};
  }

  private async call(method: string, p: string, what: string, body?: unknown): Promise<HttpResponse> {
    const url = new URL(p, this.root);
    const headers: Record<string, string> = { ...(await this.headers(url)), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
    return this.transport.request({ method, url, headers, body: body !== undefined ? JSON.stringify(body) : undefined, timeoutMs: this.o.timeoutMs ?? 60_000, maxBytes: 16 << 20, what });
  }

  private json<T>(res: HttpResponse, what: string): T {
    if (res.status < 200 || res.status >= 300) throw gcpError(res, what);
    try { return JSON.parse(res.body.toString('utf8') || '{}') as T; } catch { throw new GcpError(`${what}: the answer is not JSON`, res.status); }
  }

  static functionName(projectId: string, region: string, id: string): string { return `projects/${projectId}/locations/${region}/functions/${id}`; }

  async get(name: string): Promise<FunctionResource | undefined> {
    const res = await this.call('GET', `/v2/${name}`, 'Get the function');
    if (res.status === 404) return undefined;
    return this.json<FunctionResource>(res, 'Get the function');
  }

  async list(projectId: string, region: string): Promise<FunctionResource[]> {
    const out: FunctionResource[] = [];
    let token = '';
    for (let i = 0; i < 50; i++) {
      const q = new URLSearchParams({ pageSize: '100', ...(token ? { pageToken: token } : {}) });
      const r = this.json<{ functions?: FunctionResource[]; nextPageToken?: string; unreachable?: string[] }>(await this.call('GET', `/v2/projects/${encodeURIComponent(projectId)}/locations/${encodeURIComponent(region)}/functions?${q}`, 'List functions'), 'List functions');
      out.push(...(r.functions ?? []));
      token = r.nextPageToken ?? '';
      if (!token) break;
    }
    return out;
  }

  /** Uploads the zip to a signed URL from generateUploadUrl: no credentials on the PUT, only its content type. */
  async uploadSource(projectId: string, region: string, zip: Buffer): Promise<{ bucket?: string; object?: string; generation?: string }> {
    const gen = this.json<{ uploadUrl?: string; storageSource?: { bucket?: string; object?: string; generation?: string } }>(
      await this.call('POST', `/v2/projects/${encodeURIComponent(projectId)}/locations/${encodeURIComponent(region)}/functions:generateUploadUrl`, 'Get an upload URL', { environment: 'GEN_2' }), 'Get an upload URL');
    if (!gen.uploadUrl || !gen.storageSource) throw new GcpError('Get an upload URL: the answer has no uploadUrl', 200);
    const put = await this.transport.request({ method: 'PUT', url: new URL(gen.uploadUrl), headers: { 'content-type': 'application/zip' }, body: zip, timeoutMs: this.o.timeoutMs ?? 120_000, what: 'Upload the function source' });
    if (put.status < 200 || put.status >= 300) throw new GcpError(`Failed to upload the function source code to the signed URL. Status: [${put.status}: ${put.body.toString('utf8').slice(0, 200)}]`, put.status);
    return gen.storageSource;
  }

  /** Creates or updates the function, then waits for the operation; `onStage` hears each stage as it changes. */
  async deploy(i: DeployInput, onStage: (text: string) => void = () => undefined): Promise<{ fn: FunctionResource; created: boolean; operation: string }> {
    const name = FunctionsClient.functionName(i.projectId, i.region, i.functionId);
    const existing = await this.get(name);
    const source = await this.uploadSource(i.projectId, i.region, i.zip);
    onStage(`Uploaded the source (${(i.zip.length / 1024).toFixed(1)} KiB).`);
    const fn: FunctionResource = {
      name, description: i.description, environment: 'GEN_2',
      buildConfig: { runtime: i.runtime, entryPoint: i.entryPoint, source: { storageSource: source } },
      serviceConfig: { ...(i.serviceAccountEmail ? { serviceAccountEmail: i.serviceAccountEmail } : {}), ...(i.environmentVariables ? { environmentVariables: i.environmentVariables } : {}) },
      eventTrigger: {
        eventType: FINALIZED, eventFilters: [{ attribute: 'bucket', value: i.bucket.replace(/^gs:\/\//, '').replace(/\/$/, '') }],
        retryPolicy: i.retry === false ? 'RETRY_POLICY_DO_NOT_RETRY' : 'RETRY_POLICY_RETRY',
        ...(i.serviceAccountEmail ? { serviceAccountEmail: i.serviceAccountEmail } : {}),
      },
      labels: { 'deployment-tool': 'kfp-vscode' },
    };
    let op: Operation;
    if (!existing) {
      op = this.json<Operation>(await this.call('POST', `/v2/projects/${encodeURIComponent(i.projectId)}/locations/${encodeURIComponent(i.region)}/functions?functionId=${encodeURIComponent(i.functionId)}`, 'Create the function', fn), 'Create the function');
    } else {
      // gcloud's snake_case mask paths, sorted (command.py).
      const mask = ['build_config.entry_point', 'build_config.runtime', 'build_config.source', 'event_trigger', 'labels', 'service_config.environment_variables', 'service_config.service_account_email'].join(',');
      op = this.json<Operation>(await this.call('PATCH', `/v2/${name}?updateMask=${encodeURIComponent(mask)}`, 'Update the function', fn), 'Update the function');
    }
    const done = await this.wait(op, onStage);
    if (done.error) {
      // Say what is left: a create that failed leaves a FAILED function behind, as Cloud Functions does.
      const left = await this.get(name).catch(() => undefined);
      const after = left ? ` The function ${i.functionId} is left in state ${left.state}${existing ? ' (the previous version keeps serving if it was active)' : ''}: fix this and deploy again, or remove it.` : ' Nothing was left behind.';
      throw new GcpError(`Deploying ${i.functionId} failed: ${done.error.message ?? `code ${done.error.code}`}.${stageLogs(done)}${after}`, 200, 'operation-failed');
    }
    return { fn: done.response ?? (await this.get(name)) ?? fn, created: !existing, operation: op.name ?? '' };
  }

  async remove(name: string, onStage: (text: string) => void = () => undefined): Promise<void> {
    const op = this.json<Operation>(await this.call('DELETE', `/v2/${name}`, 'Delete the function'), 'Delete the function');
    const done = await this.wait(op, onStage);
    if (done.error) throw new GcpError(`Deleting ${name} failed: ${done.error.message}`, 200, 'operation-failed');
  }

  /** Polls an operation every second (util.py WaitForOperation), saying each stage once as it changes. */
  async wait(op: Operation, onStage: (text: string) => void): Promise<Operation> {
    const said = new Map<string, string>();
    const start = Date.now();
    let cur = op;
    for (;;) {
      for (const s of cur.metadata?.stages ?? []) {
        const key = `${s.state}`;
        if (s.name && said.get(s.name) !== key) { said.set(s.name, key); onStage(`${s.name}: ${s.state}${s.message ? ` (${s.message})` : ''}${s.name === 'BUILD' && s.resourceUri ? ` Logs are available at [${s.resourceUri}]` : ''}`); }
      }
      if (cur.done) return cur;
      if (Date.now() - start > (this.o.maxWaitMs ?? 1_820_000)) throw new GcpError(`Operation ${op.name} is taking too long.`, 200);
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 1000));
      cur = this.json<Operation>(await this.call('GET', `/v2/${op.name}`, 'Wait for the operation'), 'Wait for the operation');
    }
  }
}

function stageLogs(op: Operation): string {
  const b = op.metadata?.stages?.find((s) => s.name === 'BUILD' && s.resourceUri);
  return b ? ` Build logs: ${b.resourceUri}` : '';
}
