// A typed client of the KFP REST API. v2beta1 first; against a KFP 1.x server
// (no v2beta1) it reads pipelines, versions, experiments, runs and recurring
// runs (jobs) through v1beta1 and says so in `serverInfo.apiVersion`.
import { AuthError, AuthProvider } from '../auth/types';
import { NoAuth } from '../auth/simple';
import { HttpResponse, HttpTransport, NodeTransport } from '../http/transport';
import { KfpError, httpError } from './errors';
import { redact, secretsOfHeaders } from '../util/redact';
import { encodeFilter, encodeFilterV1 } from './filter';
import { multipartFile } from './multipart';
import * as v1 from './v1';
import { ArgoWorkflow, parseWorkflowManifest } from '../argo/workflow';
import type {
  ApiVersion, Experiment, Filter, Healthz, JsonObject, ListOptions, Page, Pipeline, PipelineVersion,
  RecurringRun, Run, ServerInfo,
} from './types';

export interface KfpClientOptions {
  /** KFP UI or API base URL, e.g. http://localhost:8080 or https://host/pipeline. */
  baseUrl: string;
  auth?: AuthProvider;
  transport?: HttpTransport;
  /** Multi-user profile namespace, sent where the API takes one. */
  namespace?: string;
  timeoutMs?: number;
  /** Largest answer read in one request (default 256 MiB). */
  maxResponseBytes?: number;
  userAgent?: string;
}

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;

type Query = Record<string, string | number | boolean | undefined>;

interface CallOptions {
  query?: Query;
  body?: unknown;
  raw?: { data: Buffer; contentType: string };
  signal?: AbortSignal;
  what: string;
  /** Extra request headers (not credentials: those come from the auth provider). */
  headers?: Record<string, string>;
  /** The path is from the server's root, not under the endpoint's base path. */
  fromRoot?: boolean;
  /** Each chunk of a successful answer as it arrives (a log streamed into a document). */
  onChunk?: (chunk: Buffer) => void;
}

export interface UploadOptions {
  /** Pipeline name (the server also uses it as display name). */
  name?: string;
  displayName?: string;
  description?: string;
  namespace?: string;
  tags?: Record<string, string>;
  codeSourceUrl?: string;
}

export class KfpClient {
  readonly baseUrl: URL;
  private readonly auth: AuthProvider;
  private readonly transport: HttpTransport;
  readonly namespace?: string;
  private readonly timeoutMs: number;
  private info?: ServerInfo;

  constructor(private readonly options: KfpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl.includes('://') ? options.baseUrl : `https://${options.baseUrl}`);
    } catch {
      throw new KfpError(`"${options.baseUrl}" is not a URL. Give the KFP address, e.g. http://localhost:8080 or https://kubeflow.example.com/pipeline.`, 'malformed');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new KfpError(`"${options.baseUrl}" must start with http:// or https://.`, 'malformed');
    }
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    url.search = '';
    url.hash = '';
    this.baseUrl = url;
    this.auth = options.auth ?? new NoAuth();
    this.transport = options.transport ?? new NodeTransport();
    this.namespace = options.namespace || undefined;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get serverInfo(): ServerInfo | undefined { return this.info; }
  get apiVersion(): ApiVersion { return this.info?.apiVersion ?? 'v2beta1'; }

  /** URL of a path under the base, e.g. `apis/v2beta1/runs`. */
  url(path: string, query?: Query, fromRoot = false): URL {
    const u = new URL(fromRoot ? `/${path.replace(/^\//, '')}` : path.replace(/^\//, ''), this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
    return u;
  }

  /** Link into the KFP web UI (hash routes), e.g. `#/runs/details/<id>`. */
  uiUrl(route: string, uiBase?: string): string {
    const base = uiBase ? new URL(uiBase.endsWith('/') ? uiBase : uiBase + '/') : this.baseUrl;
    return `${base.toString()}#/${route.replace(/^[#/]+/, '')}`;
  }

  private async send(method: string, path: string, o: CallOptions, retried = false): Promise<HttpResponse> {
    let authHeaders: Record<string, string>;
    try {
      authHeaders = await this.auth.headers(o.signal);
    } catch (e) {
      if (e instanceof AuthError) throw new KfpError(`${o.what}: ${e.message}${e.hint ? ' ' + e.hint : ''}`, 'http', 401, undefined, e.message);
      throw e;
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'kubeflow-pipelines-vscode',
      ...o.headers,
      ...authHeaders,
    };
    let body: Buffer | undefined;
    if (o.raw) {
      body = o.raw.data;
      headers['content-type'] = o.raw.contentType;
    } else if (o.body !== undefined) {
      body = Buffer.from(JSON.stringify(o.body));
      headers['content-type'] = 'application/json';
    }
    const secrets = [...secretsOfHeaders(headers), ...[this.baseUrl.username, this.baseUrl.password].filter((x) => x.length >= 4).map(decodeURIComponent)];
    let res: HttpResponse;
    try {
      res = await this.transport.request({
        method, url: this.url(path, o.query, o.fromRoot), headers, body, signal: o.signal, timeoutMs: this.timeoutMs,
        maxBytes: this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, what: o.what, onChunk: o.onChunk,
      });
    } catch (e) {
      if (e instanceof KfpError) throw redactError(e, secrets);
      throw e;
    }
    if (res.status === 401 && !retried && this.auth.invalidate && (await this.auth.invalidate())) {
      return this.send(method, path, o, true);
    }
    if (res.status >= 300 && res.status < 400) {
      const loc = String(res.headers.location ?? '');
      throw new KfpError(
        `${o.what}: the server redirected to ${loc || 'another page'}, usually a sign-in page. Set a session cookie or token for this endpoint.`,
        'http', 401, undefined, `redirect to ${loc}`);
    }
    if (res.status < 200 || res.status >= 300) throw redactError(httpError(res.status, res.body.toString('utf8'), o.what), secrets);
    return res;
  }

  private async call<T>(method: string, path: string, o: CallOptions): Promise<T> {
    const res = await this.send(method, path, o);
    const text = res.body.toString('utf8');
    if (!text.trim()) return {} as T;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      if (e instanceof RangeError) throw new KfpError(`${o.what}: the server's answer is nested too deeply to read`, 'malformed');
      const ct = String(res.headers['content-type'] ?? '');
      throw new KfpError(`${o.what}: the server's answer is not JSON (${ct || 'no content type'}): ${text.slice(0, 120)}`, 'malformed');
    }
    // Every KFP answer is a JSON object; anything else (null, a list, a string) is named rather than failing later.
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new KfpError(`${o.what}: the server's answer is ${parsed === null ? 'null' : Array.isArray(parsed) ? 'a list' : `a ${typeof parsed}`}, not a JSON object`, 'malformed');
    }
    return parsed as T;
  }

  /**
   * A gRPC-web call through the KFP UI server's ML Metadata proxy (`/ml_metadata.*`,
   * frontend/server/app.ts), at the endpoint's base path and, when that is not the
   * server's root (a Kubeflow platform serves the UI under /pipeline and routes
   * /ml_metadata at its root), at the root.
   */
  async grpcWeb(path: string, frame: Buffer, signal?: AbortSignal, what = 'ML Metadata'): Promise<HttpResponse> {
    const o: CallOptions = {
      raw: { data: frame, contentType: 'application/grpc-web+proto' }, signal, what,
      headers: { accept: 'application/grpc-web+proto', 'x-grpc-web': '1', 'x-user-agent': 'grpc-web-javascript/0.1' },
    };
    try {
      return await this.send('POST', path, o);
    } catch (e) {
      if (!(e instanceof KfpError && e.status === 404) || this.baseUrl.pathname === '/') throw e;
      return this.send('POST', path, { ...o, fromRoot: true });
    }
  }

  /** A plain-text route of the UI server beside the API (e.g. k8s/pod/logs), with the endpoint's auth. */
  async getText(path: string, query: Query, signal?: AbortSignal, what = 'Request', onChunk?: (chunk: Buffer) => void): Promise<string> {
    const res = await this.send('GET', path, { query, signal, what, onChunk });
    return res.body.toString('utf8');
  }

  // ---- health and version detection ------------------------------------

  async healthz(apiVersion: ApiVersion = 'v2beta1', signal?: AbortSignal): Promise<Healthz> {
    return this.call<Healthz>('GET', `apis/${apiVersion}/healthz`, { signal, what: 'Health check' });
  }

  /**
   * Finds which API the server speaks. The UI server answers healthz itself
   * (HealthzStats, with the API server's tag), the API server with
   * {multi_user, pipeline_store, commit_sha, tag_name}; a 1.x server has no v2beta1.
   */
  async connect(signal?: AbortSignal): Promise<ServerInfo> {
    let raw: Healthz;
    let apiVersion: ApiVersion = 'v2beta1';
    try {
      raw = await this.healthz('v2beta1', signal);
    } catch (e) {
      if (!(e instanceof KfpError) || !(e.status === 404 || e.status === 501)) throw e;
      raw = await this.healthz('v1beta1', signal);
      apiVersion = 'v1beta1';
    }
    const viaUiServer = raw.apiServerReady !== undefined || raw.frontendTagName !== undefined || raw.buildDate !== undefined;
    const version = raw.tag_name ?? raw.apiServerTagName;
    if (apiVersion === 'v2beta1' && version && /^v?1\./.test(version)) apiVersion = 'v1beta1';
    if (apiVersion === 'v2beta1' && viaUiServer && !version) {
      // The UI server answered without saying the API server's version: probe.
      try {
        await this.call('GET', 'apis/v2beta1/experiments', { query: { page_size: 1, namespace: this.namespace }, signal, what: 'API probe' });
      } catch (e) {
        if (e instanceof KfpError && e.status === 404) apiVersion = 'v1beta1';
      }
    }
    this.info = {
      apiVersion,
      viaUiServer,
      multiUser: Boolean(raw.multi_user ?? raw.apiServerMultiUser),
      version,
      raw,
    };
    return this.info;
  }

  private get v1(): boolean { return this.info?.apiVersion === 'v1beta1'; }

  private listQuery(o: ListOptions = {}, withNamespace = true): Query {
    const size = o.pageSize === undefined ? undefined : Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(o.pageSize)));
    const q: Query = { page_token: o.pageToken, page_size: size, sort_by: o.sortBy };
    if (o.filter && o.filter.predicates.length) q.filter = this.v1 ? encodeFilterV1(o.filter) : encodeFilter(o.filter);
    if (withNamespace) {
      const ns = o.namespace ?? this.namespace;
      if (ns) {
        if (this.v1) { q['resource_reference_key.type'] = 'NAMESPACE'; q['resource_reference_key.id'] = ns; }
        else q.namespace = ns;
      }
    }
    return q;
  }

  private requireV2(what: string): void {
    if (this.v1) throw new KfpError(`${what} needs the v2beta1 API; this server speaks only v1beta1 (KFP 1.x). Use the KFP web UI or upgrade the server.`, 'http', 501);
  }

  // ---- pipelines ------------------------------------------------------

  async listPipelines(o: ListOptions = {}, signal?: AbortSignal): Promise<Page<Pipeline>> {
    if (this.v1) {
      const r = await this.call<{ pipelines?: v1.V1Pipeline[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v1beta1/pipelines', { query: this.listQuery(o), signal, what: 'List pipelines' });
      return { items: listField<v1.V1Pipeline>(r, 'pipelines', 'List pipelines').map(v1.fromV1Pipeline), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
    }
    const r = await this.call<{ pipelines?: Pipeline[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v2beta1/pipelines', { query: this.listQuery(o), signal, what: 'List pipelines' });
    return { items: listField<Pipeline>(r, 'pipelines', 'List pipelines'), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
  }

  async getPipeline(id: string, signal?: AbortSignal): Promise<Pipeline> {
    if (this.v1) return v1.fromV1Pipeline(await this.call<v1.V1Pipeline>('GET', `apis/v1beta1/pipelines/${enc(id)}`, { signal, what: 'Get pipeline' }));
    return this.call<Pipeline>('GET', `apis/v2beta1/pipelines/${enc(id)}`, { signal, what: 'Get pipeline' });
  }

  /** The pipeline with this name, or undefined when there is none. */
  async getPipelineByName(name: string, namespace = this.namespace, signal?: AbortSignal): Promise<Pipeline | undefined> {
    try {
      if (this.v1) {
        const page = await this.listPipelines({ pageSize: 1, filter: { predicates: [{ key: 'name', operation: 'EQUALS', string_value: name }] } }, signal);
        return page.items[0];
      }
      return await this.call<Pipeline>('GET', `apis/v2beta1/pipelines/names/${enc(name)}`, { query: { namespace }, signal, what: 'Get pipeline by name' });
    } catch (e) {
      if (e instanceof KfpError && e.isNotFound) return undefined;
      throw e;
    }
  }

  async createPipeline(p: Pipeline, signal?: AbortSignal): Promise<Pipeline> {
    this.requireV2('Creating a pipeline');
    return this.call<Pipeline>('POST', 'apis/v2beta1/pipelines', { body: p, signal, what: 'Create pipeline' });
  }

  async deletePipeline(id: string, cascade = false, signal?: AbortSignal): Promise<void> {
    this.requireV2('Deleting a pipeline');
    await this.call('DELETE', `apis/v2beta1/pipelines/${enc(id)}`, { query: { cascade: cascade || undefined }, signal, what: 'Delete pipeline' });
  }

  async listPipelineVersions(pipelineId: string, o: ListOptions = {}, signal?: AbortSignal): Promise<Page<PipelineVersion>> {
    if (this.v1) {
      const q = { ...this.listQuery(o, false), 'resource_key.type': 'PIPELINE', 'resource_key.id': pipelineId };
      const r = await this.call<{ versions?: v1.V1PipelineVersion[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v1beta1/pipeline_versions', { query: q, signal, what: 'List pipeline versions' });
      return { items: listField<v1.V1PipelineVersion>(r, 'versions', 'List pipeline versions').map((v) => ({ ...v1.fromV1Version(v), pipeline_id: pipelineId })), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
    }
    const r = await this.call<{ pipeline_versions?: PipelineVersion[]; next_page_token?: string; total_size?: number }>('GET', `apis/v2beta1/pipelines/${enc(pipelineId)}/versions`, { query: this.listQuery(o, false), signal, what: 'List pipeline versions' });
    return { items: listField<PipelineVersion>(r, 'pipeline_versions', 'List pipeline versions'), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
  }

  async getPipelineVersion(pipelineId: string, versionId: string, signal?: AbortSignal): Promise<PipelineVersion> {
    if (this.v1) return { ...v1.fromV1Version(await this.call<v1.V1PipelineVersion>('GET', `apis/v1beta1/pipeline_versions/${enc(versionId)}`, { signal, what: 'Get pipeline version' })), pipeline_id: pipelineId };
    return this.call<PipelineVersion>('GET', `apis/v2beta1/pipelines/${enc(pipelineId)}/versions/${enc(versionId)}`, { signal, what: 'Get pipeline version' });
  }

  async deletePipelineVersion(pipelineId: string, versionId: string, signal?: AbortSignal): Promise<void> {
    this.requireV2('Deleting a pipeline version');
    await this.call('DELETE', `apis/v2beta1/pipelines/${enc(pipelineId)}/versions/${enc(versionId)}`, { signal, what: 'Delete pipeline version' });
  }

  private checkUpload(fileName: string, content: Buffer): void {
    if (content.length > MAX_UPLOAD_BYTES) {
      throw new KfpError(`${fileName} is ${(content.length / 1048576).toFixed(1)} MiB; the server accepts at most 32 MiB.`, 'malformed', 413);
    }
    if (!/\.(ya?ml|json|zip|tar\.gz|tgz)$/i.test(fileName)) {
      throw new KfpError(`${fileName}: the server takes .yaml, .yml, .json, .zip or .tar.gz pipeline files.`, 'malformed', 400);
    }
  }

  /** POST /pipelines/upload (multipart, field `uploadfile`). 409 when the name exists. */
  async uploadPipeline(fileName: string, content: Buffer, o: UploadOptions = {}, signal?: AbortSignal): Promise<Pipeline> {
    this.checkUpload(fileName, content);
    const { body, contentType } = multipartFile('uploadfile', fileName, content);
    if (this.v1) {
      const p = await this.call<v1.V1Pipeline>('POST', 'apis/v1beta1/pipelines/upload', {
        query: { name: o.name ?? o.displayName, description: o.description }, raw: { data: body, contentType }, signal, what: 'Upload pipeline',
      });
      return v1.fromV1Pipeline(p);
    }
    return this.call<Pipeline>('POST', 'apis/v2beta1/pipelines/upload', {
      query: {
        name: o.name, display_name: o.displayName, description: o.description, namespace: o.namespace ?? this.namespace,
        tags: o.tags ? JSON.stringify(o.tags) : undefined, code_source_url: o.codeSourceUrl,
      },
      raw: { data: body, contentType }, signal, what: 'Upload pipeline',
    });
  }

  /** POST /pipelines/upload_version?pipelineid=… (the namespace comes from the pipeline). */
  async uploadPipelineVersion(pipelineId: string, fileName: string, content: Buffer, o: UploadOptions = {}, signal?: AbortSignal): Promise<PipelineVersion> {
    this.checkUpload(fileName, content);
    const { body, contentType } = multipartFile('uploadfile', fileName, content);
    if (this.v1) {
      const v = await this.call<v1.V1PipelineVersion>('POST', 'apis/v1beta1/pipelines/upload_version', {
        query: { pipelineid: pipelineId, name: o.name ?? o.displayName, description: o.description }, raw: { data: body, contentType }, signal, what: 'Upload pipeline version',
      });
      return { ...v1.fromV1Version(v), pipeline_id: pipelineId };
    }
    return this.call<PipelineVersion>('POST', 'apis/v2beta1/pipelines/upload_version', {
      query: {
        pipelineid: pipelineId, name: o.name, display_name: o.displayName, description: o.description,
        tags: o.tags ? JSON.stringify(o.tags) : undefined, code_source_url: o.codeSourceUrl,
      },
      raw: { data: body, contentType }, signal, what: 'Upload pipeline version',
    });
  }

  // ---- experiments ----------------------------------------------------

  async listExperiments(o: ListOptions = {}, signal?: AbortSignal): Promise<Page<Experiment>> {
    if (this.v1) {
      const r = await this.call<{ experiments?: v1.V1Experiment[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v1beta1/experiments', { query: this.listQuery(o), signal, what: 'List experiments' });
      return { items: listField<v1.V1Experiment>(r, 'experiments', 'List experiments').map(v1.fromV1Experiment), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
    }
    const r = await this.call<{ experiments?: Experiment[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v2beta1/experiments', { query: this.listQuery(o), signal, what: 'List experiments' });
    return { items: listField<Experiment>(r, 'experiments', 'List experiments'), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
  }

  async getExperiment(id: string, signal?: AbortSignal): Promise<Experiment> {
    if (this.v1) return v1.fromV1Experiment(await this.call<v1.V1Experiment>('GET', `apis/v1beta1/experiments/${enc(id)}`, { signal, what: 'Get experiment' }));
    return this.call<Experiment>('GET', `apis/v2beta1/experiments/${enc(id)}`, { signal, what: 'Get experiment' });
  }

  async createExperiment(displayName: string, description?: string, signal?: AbortSignal): Promise<Experiment> {
    this.requireV2('Creating an experiment');
    const body: Experiment = { display_name: displayName };
    if (description) body.description = description;
    if (this.namespace) body.namespace = this.namespace;
    return this.call<Experiment>('POST', 'apis/v2beta1/experiments', { body, signal, what: 'Create experiment' });
  }

  async archiveExperiment(id: string, signal?: AbortSignal): Promise<void> {
    this.requireV2('Archiving an experiment');
    await this.call('POST', `apis/v2beta1/experiments/${enc(id)}:archive`, { signal, what: 'Archive experiment' });
  }

  async unarchiveExperiment(id: string, signal?: AbortSignal): Promise<void> {
    this.requireV2('Restoring an experiment');
    await this.call('POST', `apis/v2beta1/experiments/${enc(id)}:unarchive`, { signal, what: 'Restore experiment' });
  }

  async deleteExperiment(id: string, signal?: AbortSignal): Promise<void> {
    this.requireV2('Deleting an experiment');
    await this.call('DELETE', `apis/v2beta1/experiments/${enc(id)}`, { signal, what: 'Delete experiment' });
  }

  // ---- runs -------------------------------------------------------------

  async listRuns(o: ListOptions & { experimentId?: string } = {}, signal?: AbortSignal): Promise<Page<Run>> {
    if (this.v1) {
      const q = this.listQuery(o, !o.experimentId);
      if (o.experimentId) { q['resource_reference_key.type'] = 'EXPERIMENT'; q['resource_reference_key.id'] = o.experimentId; }
      const r = await this.call<{ runs?: v1.V1Run[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v1beta1/runs', { query: q, signal, what: 'List runs' });
      return { items: listField<v1.V1Run>(r, 'runs', 'List runs').map((x) => v1.fromV1Run(x)), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
    }
    const q = this.listQuery(o, true);
    if (o.experimentId) q.experiment_id = o.experimentId;
    const r = await this.call<{ runs?: Run[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v2beta1/runs', { query: q, signal, what: 'List runs' });
    return { items: listField<Run>(r, 'runs', 'List runs'), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
  }

  async getRun(id: string, signal?: AbortSignal): Promise<Run> {
    if (this.v1) {
      const r = await this.call<{ run?: v1.V1Run; pipeline_runtime?: { workflow_manifest?: string } }>('GET', `apis/v1beta1/runs/${enc(id)}`, { signal, what: 'Get run' });
      if (!r.run) throw new KfpError('Get run: the answer has no run', 'malformed');
      return v1.fromV1Run(r.run, r.pipeline_runtime?.workflow_manifest);
    }
    return this.call<Run>('GET', `apis/v2beta1/runs/${enc(id)}`, { signal, what: 'Get run' });
  }

  /**
   * The Argo Workflow of a run, with its status, as the API server stored it:
   * `pipeline_runtime.workflow_manifest` of GET /apis/v1beta1/runs/{id}, which
   * KFP 2.x serves for v2 runs too (api_converter.go toApiRunDetailV1). Undefined
   * when the run has no workflow yet (an empty manifest).
   */
  async getRunWorkflow(id: string, signal?: AbortSignal): Promise<ArgoWorkflow | undefined> {
    const r = await this.call<{ pipeline_runtime?: { workflow_manifest?: unknown } }>('GET', `apis/v1beta1/runs/${enc(id)}`, { signal, what: 'Get run workflow' });
    const m = r?.pipeline_runtime?.workflow_manifest;
    if (m !== undefined && typeof m !== 'string') throw new KfpError('Get run workflow: pipeline_runtime.workflow_manifest is not a string', 'malformed');
    try {
      return parseWorkflowManifest(m);
    } catch (e) {
      throw new KfpError(`Get run workflow: pipeline_runtime.workflow_manifest is not JSON: ${(e as Error).message}`, 'malformed');
    }
  }

  async createRun(run: Run, signal?: AbortSignal): Promise<Run> {
    if (this.v1) {
      if (!run.pipeline_version_reference?.pipeline_version_id) throw new KfpError('Create run: a KFP 1.x server runs uploaded pipelines only; upload the pipeline first.', 'malformed', 400);
      const body = {
        name: run.display_name,
        description: run.description,
        pipeline_spec: { parameters: Object.entries(run.runtime_config?.parameters ?? {}).map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) })) },
        resource_references: [
          ...(run.experiment_id ? [{ key: { type: 'EXPERIMENT', id: run.experiment_id }, relationship: 'OWNER' }] : []),
          { key: { type: 'PIPELINE_VERSION', id: run.pipeline_version_reference.pipeline_version_id }, relationship: 'CREATOR' },
        ],
      };
      const r = await this.call<{ run?: v1.V1Run }>('POST', 'apis/v1beta1/runs', { body, signal, what: 'Create run' });
      if (!r.run) throw new KfpError('Create run: the answer has no run', 'malformed');
      return v1.fromV1Run(r.run);
    }
    return this.call<Run>('POST', 'apis/v2beta1/runs', { body: run, signal, what: 'Create run' });
  }

  async terminateRun(id: string, signal?: AbortSignal): Promise<void> {
    if (this.v1) { await this.call('POST', `apis/v1beta1/runs/${enc(id)}/terminate`, { signal, what: 'Terminate run' }); return; }
    await this.call('POST', `apis/v2beta1/runs/${enc(id)}:terminate`, { signal, what: 'Terminate run' });
  }

  async retryRun(id: string, signal?: AbortSignal): Promise<void> {
    if (this.v1) { await this.call('POST', `apis/v1beta1/runs/${enc(id)}/retry`, { signal, what: 'Retry run' }); return; }
    await this.call('POST', `apis/v2beta1/runs/${enc(id)}:retry`, { signal, what: 'Retry run' });
  }

  async archiveRun(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('POST', `apis/${this.apiVersion}/runs/${enc(id)}:archive`, { signal, what: 'Archive run' });
  }

  async unarchiveRun(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('POST', `apis/${this.apiVersion}/runs/${enc(id)}:unarchive`, { signal, what: 'Restore run' });
  }

  async deleteRun(id: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `apis/${this.apiVersion}/runs/${enc(id)}`, { signal, what: 'Delete run' });
  }

  // ---- recurring runs ---------------------------------------------------

  async listRecurringRuns(o: ListOptions & { experimentId?: string } = {}, signal?: AbortSignal): Promise<Page<RecurringRun>> {
    if (this.v1) {
      const q = this.listQuery(o, !o.experimentId);
      if (o.experimentId) { q['resource_reference_key.type'] = 'EXPERIMENT'; q['resource_reference_key.id'] = o.experimentId; }
      const r = await this.call<{ jobs?: v1.V1Job[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v1beta1/jobs', { query: q, signal, what: 'List recurring runs' });
      return { items: listField<v1.V1Job>(r, 'jobs', 'List recurring runs').map(v1.fromV1Job), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
    }
    const q = this.listQuery(o, true);
    if (o.experimentId) q.experiment_id = o.experimentId;
    // The list key is camelCase `recurringRuns` (the proto field is named so).
    const r = await this.call<{ recurringRuns?: RecurringRun[]; recurring_runs?: RecurringRun[]; next_page_token?: string; total_size?: number }>('GET', 'apis/v2beta1/recurringruns', { query: q, signal, what: 'List recurring runs' });
    return { items: r.recurringRuns !== undefined ? listField<RecurringRun>(r, 'recurringRuns', 'List recurring runs') : listField<RecurringRun>(r, 'recurring_runs', 'List recurring runs'), nextPageToken: r.next_page_token || undefined, totalSize: r.total_size };
  }

  async getRecurringRun(id: string, signal?: AbortSignal): Promise<RecurringRun> {
    if (this.v1) return v1.fromV1Job(await this.call<v1.V1Job>('GET', `apis/v1beta1/jobs/${enc(id)}`, { signal, what: 'Get recurring run' }));
    return this.call<RecurringRun>('GET', `apis/v2beta1/recurringruns/${enc(id)}`, { signal, what: 'Get recurring run' });
  }

  async createRecurringRun(r: RecurringRun, signal?: AbortSignal): Promise<RecurringRun> {
    if (this.v1) {
      // KFP 1.x: a v1beta1 Job (job.proto): the version as a PIPELINE_VERSION reference, parameters as [{name, value}].
      const ref = r.pipeline_version_reference;
      if (!ref?.pipeline_version_id && !r.pipeline_spec) throw new KfpError('KFP 1.x cannot run "always the latest version": schedule a version (KFP 2.5 or later can).', 'http', 400);
      const params = (r.runtime_config?.parameters ?? {}) as Record<string, unknown>;
      const job: v1.V1Job & { pipeline_spec?: { parameters?: Array<{ name: string; value: string }>; workflow_manifest?: string }; mode?: string; service_account?: string } = {
        name: r.display_name, description: r.description, max_concurrency: r.max_concurrency, no_catchup: r.no_catchup, trigger: r.trigger,
        enabled: r.mode === 'ENABLE', mode: r.mode === 'ENABLE' ? 'ENABLED' : 'DISABLED', service_account: r.service_account,
        pipeline_spec: { parameters: Object.entries(params).map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) })), ...(r.pipeline_spec ? { workflow_manifest: JSON.stringify(r.pipeline_spec) } : {}) },
        resource_references: [
          ...(r.experiment_id ? [{ key: { type: 'EXPERIMENT', id: r.experiment_id }, relationship: 'OWNER' }] : []),
          ...(ref?.pipeline_version_id ? [{ key: { type: 'PIPELINE_VERSION', id: ref.pipeline_version_id }, relationship: 'CREATOR' }] : []),
        ],
      };
      return v1.fromV1Job(await this.call<v1.V1Job>('POST', 'apis/v1beta1/jobs', { body: job, signal, what: 'Create recurring run' }));
    }
    return this.call<RecurringRun>('POST', 'apis/v2beta1/recurringruns', { body: r, signal, what: 'Create recurring run' });
  }

  async enableRecurringRun(id: string, signal?: AbortSignal): Promise<void> {
    if (this.v1) { await this.call('POST', `apis/v1beta1/jobs/${enc(id)}/enable`, { signal, what: 'Enable recurring run' }); return; }
    await this.call('POST', `apis/v2beta1/recurringruns/${enc(id)}:enable`, { signal, what: 'Enable recurring run' });
  }

  async disableRecurringRun(id: string, signal?: AbortSignal): Promise<void> {
    if (this.v1) { await this.call('POST', `apis/v1beta1/jobs/${enc(id)}/disable`, { signal, what: 'Disable recurring run' }); return; }
    await this.call('POST', `apis/v2beta1/recurringruns/${enc(id)}:disable`, { signal, what: 'Disable recurring run' });
  }

  async deleteRecurringRun(id: string, signal?: AbortSignal): Promise<void> {
    if (this.v1) { await this.call('DELETE', `apis/v1beta1/jobs/${enc(id)}`, { signal, what: 'Delete recurring run' }); return; }
    await this.call('DELETE', `apis/v2beta1/recurringruns/${enc(id)}`, { signal, what: 'Delete recurring run' });
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

export type { JsonObject, Filter };

/** The list under `field` of an answer: a list of objects, or a malformed-answer error naming the field. Null items are dropped. */
function listField<T>(r: unknown, field: string, what: string): T[] {
  const v = (r as Record<string, unknown>)[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new KfpError(`${what}: "${field}" in the server's answer is ${typeof v === 'string' ? 'a string' : `a ${typeof v}`}, not a list`, 'malformed');
  return v.filter((x) => x !== null && typeof x === 'object' && !Array.isArray(x)) as T[];
}

/** The error with every credential value the request carried cut out of its texts (a gateway may echo headers back). */
function redactError(e: KfpError, secrets: string[]): KfpError {
  if (!secrets.length) return e;
  const msg = redact(e.message, secrets);
  const server = e.serverMessage !== undefined ? redact(e.serverMessage, secrets) : undefined;
  const details = e.details === undefined ? undefined : JSON.parse(redact(JSON.stringify(e.details), secrets)) as unknown;
  return new KfpError(msg, e.kind, e.status, e.grpcCode, server, details);
}
