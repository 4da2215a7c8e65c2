// Building a folder on Google Cloud Build the way `gcloud builds submit` does
// (../shared/cloud-build-reference.md 2 and 3, read from the Cloud SDK's
// surface/builds/submit.py, command_lib/builds/submit_util.py and
// api_lib/cloudbuild/logs.py): stage the source in gs://{project}_cloudbuild
// (created first, then checked to belong to the project), create the build,
// follow its status and stream its log by byte ranges.
// Requests and answers are typed with the official client libraries' schemas
// (@googleapis/cloudbuild, @googleapis/storage); the calls go through our own
// transport so that proxies, CAs and size limits apply as everywhere else.
import type { cloudbuild_v1 } from '@googleapis/cloudbuild';
import type { storage_v1 } from '@googleapis/storage';
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { HttpResponse, HttpTransport } from '../http/transport';

export type Build = cloudbuild_v1.Schema$Build;
export type Operation = cloudbuild_v1.Schema$Operation;
export type StorageObject = storage_v1.Schema$Object;

export interface GcpEndpoints {
  /** https://cloudbuild.googleapis.com (or an emulator). */
  cloudBuild: string;
  /** https://storage.googleapis.com (or an emulator). */
  storage: string;
}

export const GOOGLE_ENDPOINTS: GcpEndpoints = { cloudBuild: 'https://cloudbuild.googleapis.com', storage: 'https://storage.googleapis.com' };

/** An error of a Google API, with the fix it points at when it names one. */
export class GcpError extends Error {
  constructor(message: string, readonly status: number, readonly reason?: string, readonly activationUrl?: string) { super(message); }
}

/** `{project}_cloudbuild`, as gcloud names the staging bucket: ":" and "." become "_", "google" becomes "elgoog". */
export function stagingBucketName(projectId: string): string {
  return `${projectId.replace(/[:.]/g, '_').replace(/google/g, 'elgoog')}_cloudbuild`;
}

/** `source/{seconds.micro}-{uuid hex}.tgz`, as gcloud names the staged object. */
export function stagedObjectName(now = Date.now()): string {
  return `source/${(now / 1000).toFixed(6)}-${randomUUID().replace(/-/g, '')}.tgz`;
}

/** apitools' _RESUMABLE_UPLOAD_THRESHOLD: simple uploads up to 5 MiB, resumable above. */
export const RESUMABLE_THRESHOLD = 5 << 20;

/** The next byte to send after a 308: one past the end of its `Range: bytes=0-N` (no Range: nothing persisted). */
function persisted(res: HttpResponse): number {
  const m = /^bytes=0-(\d+)$/.exec(String(res.headers.range ?? ''));
  return m ? Number(m[1]) + 1 : 0;
}

export class CloudBuildClient {
  constructor(
    private readonly transport: HttpTransport,
    private readonly endpoints: GcpEndpoints,
    /** A bearer token for Google's own hosts; never called for any other root. */
    private readonly token: (() => Promise<string>) | undefined,
    private readonly o: { timeoutMs?: number; maxBytes?: number } = {},
  ) {}

  /** Credentials go only to Google API hosts over HTTPS; an emulator on another root gets none. */
  private async headers(root: string): Promise<Record<string, string>> {
    const u = new URL(root);
    if (this.token && u.protocol === 'https:' && /(^|\.)googleapis\.com$/.test(u.hostname)) return { authorization: `Bearer ${await this.token()}` };
    return {};
  }

  private async call(root: string, method: string, path: string, what: string, body?: unknown, extra: Record<string, string> = {}, raw?: Buffer, signal?: AbortSignal): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...(await this.headers(root)), ...extra };
    let data: Buffer | undefined = raw;
    if (body !== undefined) { data = Buffer.from(JSON.stringify(body)); headers['content-type'] = 'application/json'; }
    const res = await this.transport.request({ method, url: new URL(path, root), headers, body: data, signal, timeoutMs: this.o.timeoutMs ?? 60_000, maxBytes: this.o.maxBytes ?? 64 * 1024 * 1024, what });
    return res;
  }

  private json<T>(res: HttpResponse, what: string): T {
    if (res.status < 200 || res.status >= 300) throw gcpError(res, what);
    try { return JSON.parse(res.body.toString('utf8') || '{}') as T; } catch { throw new GcpError(`${what}: the answer is not JSON`, res.status); }
  }

  // ---- Cloud Storage ---------------------------------------------------------

  /**
   * The staging bucket, made safe the way gcloud does it: create it if it is
   * missing (a 409 means it exists), then require it among the project's own
   * buckets, so source never goes to a bucket another project owns.
   */
  async ensureStagingBucket(projectId: string, bucket = stagingBucketName(projectId), location?: string): Promise<{ bucket: string; created: boolean }> {
    const ins = await this.call(this.endpoints.storage, 'POST', `/storage/v1/b?project=${encodeURIComponent(projectId)}`, 'Create the staging bucket', { name: bucket, ...(location ? { location } : {}) } satisfies storage_v1.Schema$Bucket);
    if (ins.status !== 409 && (ins.status < 200 || ins.status >= 300)) throw gcpError(ins, 'Create the staging bucket');
    const list = this.json<storage_v1.Schema$Buckets>(await this.call(this.endpoints.storage, 'GET', `/storage/v1/b?project=${encodeURIComponent(projectId)}&prefix=${encodeURIComponent(bucket)}`, 'List the project\'s buckets'), 'List the project\'s buckets');
    if (!(list.items ?? []).some((b) => b.name === bucket || b.id === bucket)) {
      throw new GcpError(`A bucket with name ${bucket} already exists and is owned by another project. Nothing was uploaded. Stage the source in a bucket of project ${projectId} (kfp.cloudBuild.stagingBucket).`, 403, 'bucket-owned-by-another-project');
    }
    return { bucket, created: ins.status < 300 };
  }

  /** Uploads bytes as an object (media upload). */
  async upload(bucket: string, name: string, data: Buffer, contentType = 'application/gzip', signal?: AbortSignal): Promise<StorageObject> {
    const res = await this.call(this.endpoints.storage, 'POST', `/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=media&name=${encodeURIComponent(name)}`, 'Upload the source', undefined, { 'content-type': contentType }, data, signal);
    return this.json<StorageObject>(res, 'Upload the source');
  }

  /**
   * Uploads a file as an object the way gcloud's storage client (apitools transfer.Upload) does: one media request
   * up to 5 MiB, a resumable session above, sent in chunks read from the file one at a time (memory bounded by
   * the chunk), each answered 308 with the bytes persisted so far; after a failed chunk the session's state is
   * asked (`Content-Range: bytes *\/TOTAL`) and the upload resumes from the byte the server has.
   */
  async uploadFile(bucket: string, name: string, file: string, o: { contentType?: string; signal?: AbortSignal; chunkBytes?: number; onProgress?: (sent: number, total: number) => void; retries?: number } = {}): Promise<StorageObject> {
    const contentType = o.contentType ?? 'application/gzip';
    const total = (await fsp.stat(file)).size;
    if (total <= RESUMABLE_THRESHOLD) {
      const obj = await this.upload(bucket, name, await fsp.readFile(file), contentType, o.signal);
      o.onProgress?.(total, total);
      return obj;
    }
    const what = 'Upload the source';
    // Chunks are multiples of 256 KiB, as the resumable protocol requires of every chunk but the last.
    const chunk = Math.max(1, Math.round((o.chunkBytes ?? 8 * 1024 * 1024) / (256 * 1024))) * 256 * 1024;
    const init = await this.call(this.endpoints.storage, 'POST', `/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}`, what,
      { name, contentType } satisfies storage_v1.Schema$Object, { 'x-upload-content-type': contentType, 'x-upload-content-length': String(total) }, undefined, o.signal);
    if (init.status < 200 || init.status >= 300) throw gcpError(init, what);
    const location = String(init.headers.location ?? '');
    let session: URL;
    try { session = new URL(location); } catch { throw new GcpError(`${what}: the server opened no upload session (no Location)`, init.status); }
    // The source goes only where the storage API lives, never to another host a Location names.
    if (session.origin !== new URL(this.endpoints.storage).origin) throw new GcpError(`${what}: the upload session is on another host (${session.origin}); nothing was sent`, init.status);
    const fh = await fsp.open(file, 'r');
    try {
      let offset = 0;
      let failures = 0;
      const buf = Buffer.alloc(Math.min(chunk, total));
      for (;;) {
        const end = Math.min(offset + chunk, total);
        const { bytesRead } = await fh.read(buf, 0, end - offset, offset);
        let res: HttpResponse | undefined;
        let err: unknown;
        try {
          res = await this.transport.request({ method: 'PUT', url: session, headers: { ...(await this.headers(session.origin)), 'content-type': contentType, 'content-range': `bytes ${offset}-${offset + bytesRead - 1}/${total}` }, body: buf.subarray(0, bytesRead), signal: o.signal, timeoutMs: this.o.timeoutMs ?? 60_000, what });
        } catch (e) { if (o.signal?.aborted) throw e; err = e; }
        if (res && (res.status === 200 || res.status === 201)) { o.onProgress?.(total, total); return this.json<StorageObject>(res, what); }
        if (res?.status === 308) {
          offset = persisted(res);
          o.onProgress?.(offset, total);
          continue;
        }
        // A failed chunk: retryable (no answer, 408, 429, 5xx) → ask the session where it is and go on from there.
        if (res && !(res.status === 408 || res.status === 429 || res.status >= 500)) throw gcpError(res, what);
        if (++failures > (o.retries ?? 5)) throw err instanceof Error ? err : gcpError(res!, what);
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** failures, 5000)));
        const q = await this.transport.request({ method: 'PUT', url: session, headers: { ...(await this.headers(session.origin)), 'content-range': `bytes */${total}` }, signal: o.signal, timeoutMs: this.o.timeoutMs ?? 60_000, what });
        if (q.status === 200 || q.status === 201) return this.json<StorageObject>(q, what);
        if (q.status !== 308) throw gcpError(q, what);
        offset = persisted(q);
      }
    } finally { await fh.close(); }
  }

  /**
   * New bytes of an object from `cursor` (a `Range: bytes=N-` read, as gcloud's
   * GCSLogTailer does): 404 = not there yet, 416 = nothing new, 200/206 = bytes;
   * 429 and 5xx are "try again next poll".
   */
  async readFrom(bucket: string, name: string, cursor: number, signal?: AbortSignal): Promise<{ state: 'missing' | 'nothing-new' | 'data' | 'retry'; data?: Buffer; status: number }> {
    const res = await this.call(this.endpoints.storage, 'GET', `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}?alt=media`, 'Read the build log', undefined, { range: `bytes=${cursor}-` }, undefined, signal);
    if (res.status === 404) return { state: 'missing', status: 404 };
    if (res.status === 416) return { state: 'nothing-new', status: 416 };
    if (res.status === 200 || res.status === 206) {
      // A server that ignores Range sends the whole object (200): skip what was already read.
      const data = res.status === 200 && cursor > 0 ? res.body.subarray(cursor) : res.body;
      return { state: data.length ? 'data' : 'nothing-new', data, status: res.status };
    }
    if (res.status === 429 || res.status >= 500) return { state: 'retry', status: res.status };
    throw gcpError(res, 'Read the build log');
  }

  // ---- Cloud Build -----------------------------------------------------------

  private buildsPath(projectId: string, region?: string): string {
    return region ? `/v1/projects/${encodeURIComponent(projectId)}/locations/${encodeURIComponent(region)}/builds` : `/v1/projects/${encodeURIComponent(projectId)}/builds`;
  }

  /** projects.builds.create (or projects.locations.builds.create): a long-running Operation whose metadata holds the build. */
  async createBuild(projectId: string, build: Build, region?: string): Promise<{ operation: Operation; build: Build }> {
    const op = this.json<Operation>(await this.call(this.endpoints.cloudBuild, 'POST', `${this.buildsPath(projectId, region)}`, 'Create the build', build), 'Create the build');
    const meta = op.metadata as cloudbuild_v1.Schema$BuildOperationMetadata | undefined;
    if (!meta?.build?.id) throw new GcpError('Create the build: the operation carries no build (metadata.build.id)', 200);
    return { operation: op, build: meta.build };
  }

  async getBuild(projectId: string, id: string, region?: string, signal?: AbortSignal): Promise<Build> {
    return this.json<Build>(await this.call(this.endpoints.cloudBuild, 'GET', `${this.buildsPath(projectId, region)}/${encodeURIComponent(id)}`, 'Get the build', undefined, {}, undefined, signal), 'Get the build');
  }

  async cancelBuild(projectId: string, id: string, region?: string): Promise<Build> {
    const body: cloudbuild_v1.Schema$CancelBuildRequest = { projectId, id, ...(region ? { name: `projects/${projectId}/locations/${region}/builds/${id}` } : {}) };
    return this.json<Build>(await this.call(this.endpoints.cloudBuild, 'POST', `${this.buildsPath(projectId, region)}/${encodeURIComponent(id)}:cancel`, 'Cancel the build', body), 'Cancel the build');
  }

  async listBuilds(projectId: string, filter?: string, region?: string, pageSize = 20): Promise<Build[]> {
    const q = new URLSearchParams({ pageSize: String(pageSize), ...(filter ? { filter } : {}) });
    return this.json<cloudbuild_v1.Schema$ListBuildsResponse>(await this.call(this.endpoints.cloudBuild, 'GET', `${this.buildsPath(projectId, region)}?${q}`, 'List builds'), 'List builds').builds ?? [];
  }

  /**
   * The recent builds of a component folder: those started from the editor (tagged with its tag) and those its
   * trigger started (trigger_id), newest first.
   */
  async recentBuilds(projectId: string, tag: string, triggerId?: string, region?: string, pageSize = 10): Promise<Build[]> {
    const lists = await Promise.all([
      this.listBuilds(projectId, `tags="${tag}"`, region, pageSize),
      triggerId ? this.listBuilds(projectId, `trigger_id="${triggerId}"`, region, pageSize) : Promise.resolve([]),
    ]);
    const seen = new Set<string>();
    return lists.flat().filter((b) => b.id && !seen.has(b.id) && seen.add(b.id)).sort((a, b) => String(b.createTime ?? '').localeCompare(String(a.createTime ?? ''))).slice(0, pageSize);
  }

  // ---- triggers ----------------------------------------------------------------

  private triggersPath(projectId: string, region?: string): string {
    return region ? `/v1/projects/${encodeURIComponent(projectId)}/locations/${encodeURIComponent(region)}/triggers` : `/v1/projects/${encodeURIComponent(projectId)}/triggers`;
  }

  /** Every trigger of the project (all pages). */
  async listTriggers(projectId: string, region?: string): Promise<cloudbuild_v1.Schema$BuildTrigger[]> {
    const out: cloudbuild_v1.Schema$BuildTrigger[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const q = new URLSearchParams({ pageSize: '100', ...(token ? { pageToken: token } : {}) });
      const r = this.json<cloudbuild_v1.Schema$ListBuildTriggersResponse>(await this.call(this.endpoints.cloudBuild, 'GET', `${this.triggersPath(projectId, region)}?${q}`, 'List triggers'), 'List triggers');
      out.push(...(r.triggers ?? []));
      token = r.nextPageToken ?? undefined;
      if (!token) break;
    }
    return out;
  }

  async createTrigger(projectId: string, t: cloudbuild_v1.Schema$BuildTrigger, region?: string): Promise<cloudbuild_v1.Schema$BuildTrigger> {
    return this.json(await this.call(this.endpoints.cloudBuild, 'POST', this.triggersPath(projectId, region), `Create trigger ${t.name}`, t), `Create trigger ${t.name}`);
  }

  /** projects.triggers.patch: the trigger as it should be (by ID). */
  async updateTrigger(projectId: string, id: string, t: cloudbuild_v1.Schema$BuildTrigger, region?: string): Promise<cloudbuild_v1.Schema$BuildTrigger> {
    return this.json(await this.call(this.endpoints.cloudBuild, 'PATCH', `${this.triggersPath(projectId, region)}/${encodeURIComponent(id)}`, `Update trigger ${t.name}`, { ...t, id }), `Update trigger ${t.name}`);
  }

  /** projects.triggers.run on a branch: an Operation holding the build it started. */
  async runTrigger(projectId: string, id: string, branchName: string, region?: string): Promise<Build> {
    const body: cloudbuild_v1.Schema$RepoSource = { branchName };
    const op = this.json<Operation>(await this.call(this.endpoints.cloudBuild, 'POST', `${this.triggersPath(projectId, region)}/${encodeURIComponent(id)}:run`, 'Run trigger', region ? { source: body, triggerId: id, projectId } : body), 'Run trigger');
    const b = (op.metadata as cloudbuild_v1.Schema$BuildOperationMetadata | undefined)?.build;
    if (!b?.id) throw new GcpError('Run trigger: the operation carries no build', 200);
    return b;
  }

  /**
   * Follows a build to its end: its status every `pollMs`, and (when it logs to
   * Cloud Storage) the new bytes of `log-{id}.txt` in its logs bucket, each read
   * once; one last read after the build is done, as gcloud does.
   */
  async follow(projectId: string, build: Build, o: { region?: string; pollMs?: number; onLog?: (text: string) => void; onStatus?: (b: Build) => void; signal?: AbortSignal }): Promise<Build> {
    const logging = build.options?.logging ?? undefined;
    const gcsLog = !logging || logging === 'GCS_ONLY' || logging === 'LEGACY' || logging === 'LOGGING_UNSPECIFIED';
    let where: { bucket: string; name: string } | undefined;
    if (gcsLog && build.logsBucket) {
      const m = /^gs:\/\/([^/]+)(?:\/(.*))?$/.exec(build.logsBucket);
      if (m) where = { bucket: m[1], name: `${m[2] ? `${m[2].replace(/\/$/, '')}/` : ''}log-${build.id}.txt` };
    }
    if (!gcsLog) o.onLog?.(logging === 'NONE' ? `This build keeps no log (options.logging: NONE). See ${build.logUrl ?? 'the console'}.\n` : `This build logs to Cloud Logging only (options.logging: ${logging}); it is not streamed here yet. See ${build.logUrl ?? 'the console'}.\n`);
    let cursor = 0;
    const readNew = async () => {
      if (!where) return;
      const r = await this.readFrom(where.bucket, where.name, cursor, o.signal);
      if (r.state === 'data' && r.data) { cursor += r.data.length; o.onLog?.(r.data.toString('utf8')); }
    };
    let current = build;
    for (;;) {
      if (o.signal?.aborted) throw new GcpError('cancelled', 499, 'cancelled');
      current = await this.getBuild(projectId, build.id!, o.region, o.signal);
      o.onStatus?.(current);
      if (current.status !== 'QUEUED' && current.status !== 'WORKING' && current.status !== 'PENDING') break;
      await readNew();
      await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
    }
    await readNew();
    return current;
  }
}

/** The parts of a google.rpc.Status error answer: message, ErrorInfo reason, activation URL, the IAM permission denied. */
export function gcpErrorParts(res: HttpResponse): { message: string; reason?: string; activationUrl?: string; permission?: string } {
  let message = res.body.toString('utf8').slice(0, 500);
  let reason: string | undefined;
  let activationUrl: string | undefined;
  let permission: string | undefined;
  try {
    const e = (JSON.parse(res.body.toString('utf8')) as { error?: { message?: string; status?: string; details?: Array<Record<string, unknown>> } }).error;
    if (e?.message) message = e.message;
    for (const d of e?.details ?? []) {
      if (String(d['@type']).endsWith('google.rpc.ErrorInfo')) {
        reason = String(d.reason ?? '') || undefined;
        const meta = d.metadata as Record<string, string> | undefined;
        activationUrl = meta?.activationUrl ?? activationUrl;
        permission = meta?.permission ?? permission;
      }
      if (String(d['@type']).endsWith('google.rpc.Help')) {
        const link = (d.links as Array<{ url?: string }> | undefined)?.find((l) => l.url)?.url;
        activationUrl ??= link;
      }
    }
    reason ??= e?.status;
  } catch { /* not JSON */ }
  permission ??= /Permission '([\w.]+)' denied/.exec(message)?.[1];
  return { message, reason, activationUrl, permission };
}

/** A Google API error in words, with the fix: the API to enable (activation URL), the permission, the project. */
export function gcpError(res: HttpResponse, what: string): GcpError {
  const { message, reason, activationUrl } = gcpErrorParts(res);
  let fix = '';
  if (reason === 'SERVICE_DISABLED' || /has not been used in project|is disabled/.test(message)) fix = ` Enable the API${activationUrl ? ` at ${activationUrl}` : ''}, wait a minute, and try again.`;
  else if (res.status === 401) fix = ' Sign in again: gcloud auth application-default login.';
  else if (res.status === 403) fix = ' Your account needs roles/cloudbuild.builds.editor on the project (and roles/storage.admin for the staging bucket), or the quota project of your credentials is wrong (gcloud auth application-default set-quota-project PROJECT).';
  return new GcpError(`${what}: ${res.status} ${message}.${fix}`, res.status, reason, activationUrl);
}
