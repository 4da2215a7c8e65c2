// Vertex AI Pipelines, Cloud Logging and the Artifact Registry KFP template
// repository over REST, as Google's own clients call them
// (../shared/vertex-reference.md): the regional host
// https://{region}-aiplatform.googleapis.com (python-aiplatform initializer.py),
// pipelineJobs create/get/list/cancel/delete (pipeline_service.proto), schedules
// (schedule_service.proto), logging entries:list (logging.proto) and the KFP
// registry routes of kfp/registry/registry_client.py. Credentials (ADC headers,
// with the quota project) go only to Google's hosts over HTTPS; a root that is
// not Google's (a Private Service Connect endpoint without TLS, an emulator) gets
// none.
import type { HttpResponse, HttpTransport } from '../http/transport';
import { GcpError, gcpErrorParts } from '../cloudbuild/cloudBuild';
import type { ArPackage, ArTag, ArVersion, LogEntry, LongRunningOperation, PipelineJob, Schedule } from './types';

export interface VertexLocation { project: string; region: string }

export interface VertexRoots {
  /** https://{region}-aiplatform.googleapis.com */
  aiplatform: string;
  /** https://logging.googleapis.com */
  logging: string;
  /** https://artifactregistry.googleapis.com */
  artifactRegistry: string;
}

export function googleRoots(region: string): VertexRoots {
  const host = region === 'global' ? 'aiplatform.googleapis.com' : `${region}-aiplatform.googleapis.com`;
  return { aiplatform: `https://${host}`, logging: 'https://logging.googleapis.com', artifactRegistry: 'https://artifactregistry.googleapis.com' };
}

/** Only Google's API and package hosts, over HTTPS, get the user's credentials. */
export function isGoogleCredentialHost(url: URL): boolean {
  return url.protocol === 'https:' && !url.username && /(^|\.)(googleapis\.com|pkg\.dev)$/.test(url.hostname);
}

export type HeaderSource = (url: URL) => Promise<Record<string, string>>;

/** A Vertex error, with what the user can do about it. */
export class VertexError extends GcpError {}

export interface ListPage<T> { items: T[]; nextPageToken?: string }

export interface TemplateRepo {
  /** The URL the KFP SDK's RegistryClient takes: https://{location}-kfp.pkg.dev/{project}/{repo}. */
  url: string;
  /** projects/{p}/locations/{l}/repositories/{r}, for the Artifact Registry API. */
  resource: string;
}

/** The repository of a templateRepository URL (https://{location}-kfp.pkg.dev/{project}/{repo}, registry_client.py's pattern); another host keeps the same last two path segments. */
export function templateRepo(url: string, fallbackRegion: string): TemplateRepo {
  const u = new URL(url.replace(/\/+$/, ''));
  const segs = u.pathname.split('/').filter(Boolean);
  if (segs.length < 2) throw new Error(`"${url}" is not a KFP template repository: give https://REGION-kfp.pkg.dev/PROJECT/REPOSITORY`);
  const m = /^([a-z0-9-]+)-kfp\.pkg\.dev$/.exec(u.hostname);
  const [project, repo] = segs.slice(-2);
  return { url: u.toString().replace(/\/+$/, ''), resource: `projects/${project}/locations/${m ? m[1] : fallbackRegion}/repositories/${repo}` };
}

export class VertexClient {
  readonly parent: string;

  constructor(
    readonly location: VertexLocation,
    private readonly transport: HttpTransport,
    readonly roots: VertexRoots,
    private readonly headerSource: HeaderSource | undefined,
    private readonly o: { timeoutMs?: number; maxBytes?: number } = {},
  ) {
    this.parent = `projects/${location.project}/locations/${location.region}`;
  }

  private async call(root: string, method: string, p: string, what: string, body?: unknown, extra: Record<string, string> = {}, raw?: Buffer, signal?: AbortSignal): Promise<HttpResponse> {
    const base = root.replace(/\/+$/, '');
    const url = new URL(p === '' || p.startsWith('/') ? base + p : `${base}/${p}`);
    const headers: Record<string, string> = { ...(this.headerSource && isGoogleCredentialHost(url) ? await this.headerSource(url) : {}), ...extra };
    let data: Buffer | undefined = raw;
    if (body !== undefined) { data = Buffer.from(JSON.stringify(body)); headers['content-type'] = 'application/json'; }
    try {
      return await this.transport.request({ method, url, headers, body: data, signal, timeoutMs: this.o.timeoutMs ?? 60_000, maxBytes: this.o.maxBytes ?? 64 << 20, what });
    } catch (e) {
      // A region that does not exist has no {region}-aiplatform.googleapis.com host at all.
      if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test((e as Error).message) && /-aiplatform\.googleapis\.com$/.test(url.hostname)) {
        throw new VertexError(`${what}: ${url.hostname} does not resolve. Check the region "${this.location.region}": Vertex AI Pipelines answers on REGION-aiplatform.googleapis.com for its regions (e.g. us-central1, europe-west4).`, 0);
      }
      throw e;
    }
  }

  private json<T>(res: HttpResponse, what: string): T {
    if (res.status < 200 || res.status >= 300) throw vertexError(res, what, this.location);
    try { return JSON.parse(res.body.toString('utf8') || '{}') as T; } catch { throw new VertexError(`${what}: the answer is not JSON`, res.status); }
  }

  private ai<T>(method: string, p: string, what: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.call(this.roots.aiplatform, method, p, what, body, {}, undefined, signal).then((r) => this.json<T>(r, what));
  }

  jobName(id: string): string { return id.startsWith('projects/') ? id : `${this.parent}/pipelineJobs/${id}`; }
  scheduleName(id: string): string { return id.startsWith('projects/') ? id : `${this.parent}/schedules/${id}`; }

  // ---- PipelineJobs -----------------------------------------------------------

  async listPipelineJobs(o: { pageSize?: number; pageToken?: string; filter?: string; orderBy?: string; readMask?: string } = {}, signal?: AbortSignal): Promise<ListPage<PipelineJob>> {
    const q = query({ pageSize: o.pageSize, pageToken: o.pageToken, filter: o.filter, orderBy: o.orderBy, readMask: o.readMask });
    const r = await this.ai<{ pipelineJobs?: PipelineJob[]; nextPageToken?: string }>('GET', `/v1/${this.parent}/pipelineJobs${q}`, 'List pipeline runs', undefined, signal);
    return { items: r.pipelineJobs ?? [], nextPageToken: r.nextPageToken || undefined };
  }

  getPipelineJob(id: string, signal?: AbortSignal): Promise<PipelineJob> {
    return this.ai<PipelineJob>('GET', `/v1/${this.jobName(id)}`, 'Get the pipeline run', undefined, signal);
  }

  /** Creates (and so starts) a run; `pipelineJobId` as the SDK makes it, else the server's. */
  createPipelineJob(job: PipelineJob, pipelineJobId?: string, signal?: AbortSignal): Promise<PipelineJob> {
    return this.ai<PipelineJob>('POST', `/v1/${this.parent}/pipelineJobs${query({ pipelineJobId })}`, 'Create the pipeline run', job, signal);
  }

  async cancelPipelineJob(id: string, signal?: AbortSignal): Promise<void> {
    await this.ai<unknown>('POST', `/v1/${this.jobName(id)}:cancel`, 'Cancel the pipeline run', {}, signal);
  }

  /** Deletes a run and waits for the operation (delete is long-running). */
  async deletePipelineJob(id: string, signal?: AbortSignal): Promise<void> {
    const op = await this.ai<LongRunningOperation>('DELETE', `/v1/${this.jobName(id)}`, 'Delete the pipeline run', undefined, signal);
    await this.waitOperation(op, 'Delete the pipeline run', signal);
  }

  async waitOperation(op: LongRunningOperation, what: string, signal?: AbortSignal, pollMs = 1000, maxMs = 120_000): Promise<LongRunningOperation> {
    const start = Date.now();
    let cur = op;
    while (!cur.done) {
      if (!cur.name) break;
      if (Date.now() - start > maxMs) throw new VertexError(`${what}: still running after ${maxMs / 1000} s (operation ${cur.name}); it may finish later.`, 0);
      await new Promise((r) => setTimeout(r, pollMs));
      cur = await this.ai<LongRunningOperation>('GET', `/v1/${cur.name}`, what, undefined, signal);
    }
    if (cur.error && cur.error.code) throw new VertexError(`${what}: ${cur.error.message ?? `error ${cur.error.code}`}`, 0);
    return cur;
  }

  // ---- Schedules --------------------------------------------------------------

  async listSchedules(o: { pageSize?: number; pageToken?: string; filter?: string; orderBy?: string } = {}, signal?: AbortSignal): Promise<ListPage<Schedule>> {
    const r = await this.ai<{ schedules?: Schedule[]; nextPageToken?: string }>('GET', `/v1/${this.parent}/schedules${query(o)}`, 'List schedules', undefined, signal);
    return { items: r.schedules ?? [], nextPageToken: r.nextPageToken || undefined };
  }
  getSchedule(id: string, signal?: AbortSignal): Promise<Schedule> { return this.ai<Schedule>('GET', `/v1/${this.scheduleName(id)}`, 'Get the schedule', undefined, signal); }
  createSchedule(s: Schedule, signal?: AbortSignal): Promise<Schedule> { return this.ai<Schedule>('POST', `/v1/${this.parent}/schedules`, 'Create the schedule', s, signal); }
  async pauseSchedule(id: string, signal?: AbortSignal): Promise<void> { await this.ai('POST', `/v1/${this.scheduleName(id)}:pause`, 'Pause the schedule', {}, signal); }
  async resumeSchedule(id: string, catchUp = false, signal?: AbortSignal): Promise<void> { await this.ai('POST', `/v1/${this.scheduleName(id)}:resume`, 'Resume the schedule', { catchUp }, signal); }
  async deleteSchedule(id: string, signal?: AbortSignal): Promise<void> {
    const op = await this.ai<LongRunningOperation>('DELETE', `/v1/${this.scheduleName(id)}`, 'Delete the schedule', undefined, signal);
    await this.waitOperation(op, 'Delete the schedule', signal);
  }

  // ---- Vertex AI Experiments (ML Metadata contexts) ---------------------------
  // As python-aiplatform links a run (metadata/experiment_resources.py Experiment.get_or_create and
  // _log_experiment_loggable): the experiment is a context of schema system.Experiment in the default metadata store,
  // created when missing; the job's pipelineRunContext is added to it as a child (MetadataService AddContextChildren).

  experimentName(experiment: string): string { return `${this.parent}/metadataStores/default/contexts/${experiment}`; }

  /** Gets or creates the experiment; returns whether it was created. */
  async ensureExperiment(experiment: string, signal?: AbortSignal): Promise<{ created: boolean }> {
    if (!/^[a-z0-9][a-z0-9-]{0,127}$/.test(experiment)) throw new VertexError(`"${experiment}" is not an experiment name: lowercase letters, digits and "-", starting with a letter or digit, at most 128.`, 400);
    const res = await this.call(this.roots.aiplatform, 'GET', `/v1/${this.experimentName(experiment)}`, 'Get the experiment', undefined, {}, undefined, signal);
    if (res.status === 200) {
      const c = this.json<{ schemaTitle?: string }>(res, 'Get the experiment');
      if (c.schemaTitle && c.schemaTitle !== 'system.Experiment') throw new VertexError(`"${experiment}" names a metadata context of schema ${c.schemaTitle}, not an experiment.`, 409);
      return { created: false };
    }
    if (res.status !== 404) throw vertexError(res, 'Get the experiment', this.location);
    await this.ai('POST', `/v1/${this.parent}/metadataStores/default/contexts?contextId=${encodeURIComponent(experiment)}`, 'Create the experiment',
      { displayName: experiment, schemaTitle: 'system.Experiment', schemaVersion: '0.0.1', metadata: { experiment_deleted: false } }, signal);
    return { created: true };
  }

  async addRunToExperiment(experiment: string, runContext: string, signal?: AbortSignal): Promise<void> {
    await this.ai('POST', `/v1/${this.experimentName(experiment)}:addContextChildren`, 'Link the run to the experiment', { childContexts: [runContext] }, signal);
  }

  // ---- Cloud Logging ----------------------------------------------------------

  async listLogEntries(body: { filter: string; orderBy?: string; pageSize?: number; pageToken?: string }, signal?: AbortSignal): Promise<{ entries: LogEntry[]; nextPageToken?: string }> {
    const what = 'Read the step\'s log (Cloud Logging)';
    const res = await this.call(this.roots.logging, 'POST', '/v2/entries:list', what, { resourceNames: [`projects/${this.location.project}`], ...body }, {}, undefined, signal);
    const r = this.json<{ entries?: LogEntry[]; nextPageToken?: string }>(res, what);
    return { entries: r.entries ?? [], nextPageToken: r.nextPageToken || undefined };
  }

  // ---- KFP templates in Artifact Registry -------------------------------------

  private arRoot(): string { return this.roots.artifactRegistry; }

  async listPackages(repo: TemplateRepo, signal?: AbortSignal): Promise<ArPackage[]> {
    const res = await this.call(this.arRoot(), 'GET', `/v1/${repo.resource}/packages`, 'List templates', undefined, {}, undefined, signal);
    return this.json<{ packages?: ArPackage[] }>(res, 'List templates').packages ?? [];
  }
  async listVersions(repo: TemplateRepo, pkg: string, signal?: AbortSignal): Promise<ArVersion[]> {
    const res = await this.call(this.arRoot(), 'GET', `/v1/${repo.resource}/packages/${encodeURIComponent(pkg)}/versions?view=FULL&pageSize=1000`, 'List template versions', undefined, {}, undefined, signal);
    return this.json<{ versions?: ArVersion[] }>(res, 'List template versions').versions ?? [];
  }
  async listTags(repo: TemplateRepo, pkg: string, signal?: AbortSignal): Promise<ArTag[]> {
    const res = await this.call(this.arRoot(), 'GET', `/v1/${repo.resource}/packages/${encodeURIComponent(pkg)}/tags`, 'List template tags', undefined, {}, undefined, signal);
    return this.json<{ tags?: ArTag[] }>(res, 'List template tags').tags ?? [];
  }

  /** Uploads a compiled pipeline as KFP's RegistryClient.upload_pipeline does: multipart `content` and comma-joined `tags`; answers "{package}/sha256:{digest}". */
  async uploadTemplate(repo: TemplateRepo, fileName: string, content: Buffer, tags: string[], description?: string, signal?: AbortSignal): Promise<{ packageName: string; version: string }> {
    const boundary = `----kfpvscode${Math.random().toString(16).slice(2)}`;
    const parts: Buffer[] = [];
    const field = (name: string, value: string) => parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    if (tags.length) field('tags', tags.join(','));
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="content"; filename="${fileName.replace(/["\r\n]/g, '_')}"\r\nContent-Type: application/octet-stream\r\n\r\n`), content, Buffer.from(`\r\n--${boundary}--\r\n`));
    const extra: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    if (description) extra.description = description.replace(/[\r\n]/g, ' ');
    const what = 'Upload the template';
    const res = await this.call(repo.url, 'POST', '', what, undefined, extra, Buffer.concat(parts), signal);
    if (res.status < 200 || res.status >= 300) throw vertexError(res, what, this.location);
    const text = res.body.toString('utf8').trim();
    const m = /^([^/]+)\/(sha256:[0-9a-f]+)$/.exec(text);
    if (!m) throw new VertexError(`${what}: unexpected answer "${text.slice(0, 200)}" (expected PACKAGE/sha256:DIGEST)`, res.status);
    return { packageName: m[1], version: m[2] };
  }

  /** A template's spec by version (sha256:…) or tag, from the repository host. */
  async downloadTemplate(repo: TemplateRepo, pkg: string, ref: string, signal?: AbortSignal): Promise<Buffer> {
    const what = 'Download the template';
    const res = await this.call(repo.url, 'GET', `${encodeURIComponent(pkg)}/${encodeURIComponent(ref)}`, what, undefined, {}, undefined, signal);
    if (res.status < 200 || res.status >= 300) throw vertexError(res, what, this.location);
    return res.body;
  }

  /** What Test Connection asks: one list call, which needs the API enabled, the region to exist and aiplatform.pipelineJobs.list. */
  async check(signal?: AbortSignal): Promise<{ runs: number; more: boolean }> {
    const page = await this.listPipelineJobs({ pageSize: 1, readMask: 'name' }, signal);
    return { runs: page.items.length, more: Boolean(page.nextPageToken) };
  }
}

function query(o: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A Vertex error in words, with the fix each cause has (API disabled, permission, sign-in, region). */
export function vertexError(res: HttpResponse, what: string, where: VertexLocation): VertexError {
  const { message, reason, activationUrl, permission } = gcpErrorParts(res);
  let fix = '';
  if (reason === 'SERVICE_DISABLED' || /has not been used in project|is disabled/.test(message)) {
    fix = ` Enable the Vertex AI API (aiplatform.googleapis.com) for project ${where.project}${activationUrl ? ` at ${activationUrl}` : ''}, wait a minute, and try again.`;
  } else if (res.status === 401) {
    fix = ' Your Google credentials have expired or are not valid: run "gcloud auth application-default login" (or point GOOGLE_APPLICATION_CREDENTIALS at a service-account key), then retry.';
  } else if (res.status === 403) {
    fix = ` Your account needs ${permission ? `the permission ${permission}` : 'a Vertex AI role'} on project ${where.project} (roles/aiplatform.user grants what runs and schedules need), or the quota project of your credentials is wrong (gcloud auth application-default set-quota-project ${where.project}).`;
  } else if (res.status === 429) {
    fix = ' The project\'s Vertex AI quota was exceeded: wait and retry, or ask for more quota.';
  }
  return new VertexError(`${what}: ${res.status} ${message}.${fix}`, res.status, reason, activationUrl);
}
