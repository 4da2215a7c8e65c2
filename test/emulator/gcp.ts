// Cloud Storage (JSON API) and Cloud Build (v1) as far as building a folder needs
// them. Shapes follow the APIs' discovery documents and are typed with the
// official client libraries' schemas (@googleapis/storage storage_v1,
// @googleapis/cloudbuild cloudbuild_v1), so a wrong field fails to compile.
// Behaviours imitated, with where they come from:
// - buckets.insert answers 409 when the name is taken (storage JSON API, "buckets: insert"); buckets.list filters by
//   project and prefix; gcloud relies on both (googlecloudsdk/api_lib/cloudbuild/... submit_util, see
//   ../shared/cloud-build-reference.md 2);
// - objects media upload (uploadType=media) and media download (alt=media) with Range: 206 with the bytes, 416 when
//   the range starts at or past the end, 404 for a missing object (the semantics gcloud's GCSLogTailer reads,
//   api_lib/cloudbuild/logs.py);
// - builds.create returns an Operation whose metadata is a BuildOperationMetadata holding the build
//   (google/devtools/cloudbuild/v1/cloudbuild.proto); status QUEUED → WORKING → SUCCESS | FAILURE | CANCELLED;
//   the log is the object log-{id}.txt in the build's logsBucket, written as the build goes;
// - triggers (cloudbuild.proto BuildTrigger): create (409 for a taken name), list with page tokens, patch by ID, run
//   (RunBuildTriggerRequest with a RepoSource: an Operation with the build it started, which then runs like any
//   build, with buildTriggerId set);
// - builds.list filters `field="value"` terms joined by AND on build_id, trigger_id, status, tags (the query
//   language of cloud.google.com/build/docs/view-build-results; only these fields), newest first, pageSize;
// - a trigger on a GitHub repository not connected (option connectedRepos) is refused as Google refuses it
//   (400 FAILED_PRECONDITION "Repository mapping does not exist. Please visit …/triggers/connect?project=N …",
//   as recorded in googleapis/nodejs-cloudbuild#195);
// - errors are google.rpc.Status JSON ({error: {code, message, status, details}}), a disabled API a 403 with an
//   ErrorInfo reason SERVICE_DISABLED and metadata.activationUrl (as Google's APIs answer).
// What a build does cannot be run here: each step "runs" for stepMs and succeeds, unless its command line ends in
// `exit N` with N ≠ 0 (then it fails with that code): a rule of this emulator, not of Cloud Build.
import type { cloudbuild_v1 } from '@googleapis/cloudbuild';
import type { storage_v1 } from '@googleapis/storage';
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { listen } from './listen';
import { gunzipSync } from 'node:zlib';
import { CloudFunctionsEmulator } from './functions';

interface Obj { data: Buffer; generation: string; contentType: string; updated: string }
interface BucketRec { project: string; objects: Map<string, Obj> }
interface BuildRec { build: cloudbuild_v1.Schema$Build; started: number; cancelledAt?: number; failAt?: { step: number; code: number }; entries: string[] }

export interface GcpEmulatorOptions {
  /** Projects whose Cloud Build API is disabled (403 SERVICE_DISABLED). */
  disabledApis?: string[];
  /** Milliseconds each build step takes (default 400). */
  stepMs?: number;
  /** Project number used in the default logs bucket name. */
  projectNumber?: string;
  /** GitHub repositories (owner/name) connected to Cloud Build; when set, triggers on others are refused. */
  connectedRepos?: string[];
  /** Fail this many resumable chunks with 503 (a fault, to test resuming). */
  failUploadChunks?: number;
}

export class GcpEmulator {
  private server?: http.Server;
  url = '';
  readonly buckets = new Map<string, BucketRec>();
  readonly builds = new Map<string, BuildRec>();
  readonly triggers = new Map<string, { project: string; trigger: cloudbuild_v1.Schema$BuildTrigger }>();
  readonly requests: Array<{ method: string; url: string; auth?: string; bytes?: number }> = [];
  /** Open resumable upload sessions by upload_id. */
  readonly sessions = new Map<string, { bucket: string; name: string; contentType: string; chunks: Buffer[]; uploads: number }>();

  /** Cloud Functions v2 and the Eventarc delivery of storage events (functions.ts). */
  readonly functions: CloudFunctionsEmulator;

  constructor(readonly options: GcpEmulatorOptions = {}) {
    const self = this;
    this.functions = new CloudFunctionsEmulator({
      get url() { return self.url; },
      projectNumber: options.projectNumber ?? '123456789',
      get stepMs() { return self.options.stepMs ?? 400; },
      objectBytes: (b, n) => this.buckets.get(b)?.objects.get(n)?.data,
      storeObject: (b, n, data, ct) => { if (!this.buckets.has(b)) this.buckets.set(b, { project: '', objects: new Map() }); this.buckets.get(b)!.objects.set(n, { data, generation: String(Date.now() * 1000), contentType: ct, updated: new Date().toISOString() }); },
      hasBucket: (b) => this.buckets.has(b),
      disabled: (project) => this.options.disabledApis?.includes(project) ?? false,
    });
  }

  async start(port = 0): Promise<string> {
    ({ server: this.server, url: this.url } = await listen(port, (req, res, body) => this.handle(req, res, body), (res, e) => this.error(res, 500, 'INTERNAL', e.message)));
    return this.url;
  }

  async stop(): Promise<void> { await this.functions.stop(); await new Promise((r) => this.server?.close(r)); }

  /** A bucket another project owns (for the ownership check). */
  addBucket(name: string, project: string): void { this.buckets.set(name, { project, objects: new Map() }); }

  private send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify(body));
  }

  private error(res: http.ServerResponse, code: number, status: string, message: string, details: unknown[] = []): void {
    this.send(res, code, { error: { code, message, status, errors: [{ message, domain: 'global', reason: status.toLowerCase() }], details } });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    this.requests.push({ method, url: u.pathname + u.search, auth: req.headers.authorization, bytes: body.length });
    let m: RegExpExecArray | null;
    // ---- cloud functions (and the signed upload URL)
    const fr = this.functions.handle(method, u, body, req.headers);
    if (fr) {
      if (fr.raw) { res.writeHead(fr.status, { 'content-type': 'text/plain' }); res.end(String(fr.body ?? '')); return; }
      return this.send(res, fr.status, fr.body);
    }
    // ---- storage
    if (method === 'POST' && u.pathname === '/storage/v1/b') return this.bucketInsert(res, u.searchParams.get('project') ?? '', body);
    if (method === 'GET' && u.pathname === '/storage/v1/b') {
      const project = u.searchParams.get('project') ?? '';
      const prefix = u.searchParams.get('prefix') ?? '';
      const items: storage_v1.Schema$Bucket[] = [...this.buckets.entries()].filter(([n, b]) => b.project === project && n.startsWith(prefix)).map(([name]) => ({ kind: 'storage#bucket', id: name, name }));
      const out: storage_v1.Schema$Buckets = { kind: 'storage#buckets', items };
      return this.send(res, 200, out);
    }
    // Resumable uploads (cloud.google.com/storage/docs/performing-resumable-uploads; the client side is apitools
    // transfer.py): POST …?uploadType=resumable opens a session (200, Location: the session URI with upload_id);
    // PUT chunks with Content-Range `bytes A-B/TOTAL` (or `/*`), each but the last a multiple of 256 KiB, answered
    // 308 with `Range: bytes=0-N` (no Range when nothing is persisted) until the last, answered 200 with the
    // object; `Content-Range: bytes */TOTAL` asks where the session is. A chunk that does not start where the
    // session is persisted is not applied (308 with the persisted range).
    if (method === 'PUT' && /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.test(u.pathname) && u.searchParams.get('upload_id')) {
      const sess = this.sessions.get(u.searchParams.get('upload_id')!);
      if (!sess) return this.error(res, 404, 'NOT_FOUND', 'No such upload session.');
      const cr = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(String(req.headers['content-range'] ?? ''));
      if (!cr) return this.error(res, 400, 'INVALID_ARGUMENT', 'Invalid Content-Range.');
      const persisted = () => sess.chunks.reduce((n, c) => n + c.length, 0);
      const incomplete = () => { const n = persisted(); res.writeHead(308, n ? { range: `bytes=0-${n - 1}` } : {}); res.end(); };
      if (this.options.failUploadChunks && this.options.failUploadChunks > 0 && cr[1] !== undefined) {
        this.options.failUploadChunks--;
        return this.error(res, 503, 'UNAVAILABLE', 'Backend Error (injected)');
      }
      if (cr[1] !== undefined) {
        const start = Number(cr[1]);
        const end = Number(cr[2]);
        if (end - start + 1 !== body.length) return this.error(res, 400, 'INVALID_ARGUMENT', 'The Content-Range does not match the body length.');
        const last = cr[3] !== '*' && end + 1 === Number(cr[3]);
        if (start === persisted()) {
          if (!last && body.length % (256 * 1024) !== 0) return this.error(res, 400, 'INVALID_ARGUMENT', 'Chunk size must be a multiple of 256 KiB except for the last chunk.');
          sess.chunks.push(Buffer.from(body));
          sess.uploads++;
        }
      }
      const total = cr[3] === '*' ? undefined : Number(cr[3]);
      if (total === undefined || persisted() < total) return incomplete();
      this.sessions.delete(u.searchParams.get('upload_id')!);
      return this.storeObject(res, sess.bucket, sess.name, Buffer.concat(sess.chunks), sess.contentType);
    }
    if (method === 'POST' && (m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(u.pathname)) && u.searchParams.get('uploadType') === 'resumable') {
      if (!this.buckets.has(decodeURIComponent(m[1]))) return this.error(res, 404, 'NOT_FOUND', 'The specified bucket does not exist.');
      const meta = JSON.parse(body.toString('utf8') || '{}') as storage_v1.Schema$Object;
      const name = u.searchParams.get('name') ?? meta.name ?? '';
      if (!name) return this.error(res, 400, 'INVALID_ARGUMENT', 'Required: name');
      const id = randomUUID().replace(/-/g, '');
      this.sessions.set(id, { bucket: decodeURIComponent(m[1]), name, contentType: String(req.headers['x-upload-content-type'] ?? meta.contentType ?? 'application/octet-stream'), chunks: [], uploads: 0 });
      res.writeHead(200, { location: `${this.url}/upload/storage/v1/b/${m[1]}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`, 'content-length': '0' });
      res.end();
      return;
    }
    if (method === 'POST' && (m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(u.pathname))) {
      const b = this.buckets.get(decodeURIComponent(m[1]));
      if (!b) return this.error(res, 404, 'NOT_FOUND', 'The specified bucket does not exist.');
      if (u.searchParams.get('uploadType') !== 'media') return this.error(res, 400, 'INVALID_ARGUMENT', 'this emulator takes uploadType=media or resumable');
      return this.storeObject(res, decodeURIComponent(m[1]), u.searchParams.get('name') ?? '', body, String(req.headers['content-type'] ?? 'application/octet-stream'));
    }
    if (method === 'GET' && (m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(u.pathname)) && u.searchParams.get('alt') === 'media') {
      const bucket = decodeURIComponent(m[1]);
      const name = decodeURIComponent(m[2]);
      this.advanceLogs(bucket, name);
      const o = this.buckets.get(bucket)?.objects.get(name);
      if (!o) return this.error(res, 404, 'NOT_FOUND', `No such object: ${bucket}/${name}`);
      const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      if (!range) { res.writeHead(200, { 'content-type': o.contentType, 'content-length': String(o.data.length) }); res.end(o.data); return; }
      const start = Number(range[1]);
      if (start >= o.data.length) { res.writeHead(416, { 'content-type': 'text/plain', 'content-range': `bytes */${o.data.length}` }); res.end('Requested range not satisfiable'); return; }
      res.writeHead(206, { 'content-type': o.contentType, 'content-range': `bytes ${start}-${o.data.length - 1}/${o.data.length}`, 'content-length': String(o.data.length - start) });
      res.end(o.data.subarray(start));
      return;
    }
    // ---- cloud build triggers (projects.triggers / projects.locations.triggers: create, list, patch, run)
    if ((m = /^\/v1\/projects\/([^/]+)(?:\/locations\/([^/]+))?\/triggers(?:\/([^/:]+))?(:run)?$/.exec(u.pathname))) {
      const project = decodeURIComponent(m[1]);
      const id = m[3] ? decodeURIComponent(m[3]) : undefined;
      const mine = [...this.triggers.values()].filter((t) => t.project === project);
      if (method === 'GET' && !id) {
        const size = Number(u.searchParams.get('pageSize') ?? 50);
        const start = Number(u.searchParams.get('pageToken') ?? 0);
        const out: cloudbuild_v1.Schema$ListBuildTriggersResponse = { triggers: mine.slice(start, start + size).map((t) => t.trigger), ...(start + size < mine.length ? { nextPageToken: String(start + size) } : {}) };
        return this.send(res, 200, out);
      }
      if (method === 'POST' && !id) {
        const t = JSON.parse(body.toString('utf8') || '{}') as cloudbuild_v1.Schema$BuildTrigger;
        // The name rule of BuildTrigger.name (cloudbuild.proto): alphanumerics and dashes, 1–64, alphanumeric at both ends.
        if (!t.name || !/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?$/.test(t.name)) return this.error(res, 400, 'INVALID_ARGUMENT', `invalid trigger name ${t.name}`);
        if (mine.some((x) => x.trigger.name === t.name)) return this.error(res, 409, 'ALREADY_EXISTS', `trigger ${t.name} already exists`);
        if (!t.github && !t.repositoryEventConfig && !t.triggerTemplate) return this.error(res, 400, 'INVALID_ARGUMENT', 'a trigger needs an event source (github, repositoryEventConfig or triggerTemplate)');
        // A GitHub repository the Cloud Build app is not connected to: the answer recorded in
        // googleapis/nodejs-cloudbuild#195 and GoogleCloudPlatform/emblem#815 (400, FAILED_PRECONDITION).
        if (t.github && this.options.connectedRepos && !this.options.connectedRepos.includes(`${t.github.owner}/${t.github.name}`)) {
          return this.error(res, 400, 'FAILED_PRECONDITION', `Repository mapping does not exist. Please visit https://console.cloud.google.com/cloud-build/triggers/connect?project=${this.options.projectNumber ?? '123456789'} to connect a repository to your project`);
        }
        const rec = { project, trigger: { ...t, id: randomUUID(), createTime: new Date().toISOString() } };
        this.triggers.set(rec.trigger.id!, rec);
        return this.send(res, 200, rec.trigger);
      }
      const rec = id ? this.triggers.get(id) : undefined;
      if (!rec || rec.project !== project) return this.error(res, 404, 'NOT_FOUND', `trigger ${id} not found`);
      if (method === 'PATCH') {
        const t = JSON.parse(body.toString('utf8') || '{}') as cloudbuild_v1.Schema$BuildTrigger;
        if (t.github && this.options.connectedRepos && !this.options.connectedRepos.includes(`${t.github.owner}/${t.github.name}`)) {
          return this.error(res, 400, 'FAILED_PRECONDITION', `Repository mapping does not exist. Please visit https://console.cloud.google.com/cloud-build/triggers/connect?project=${this.options.projectNumber ?? '123456789'} to connect a repository to your project`);
        }
        rec.trigger = { ...t, id: rec.trigger.id, createTime: rec.trigger.createTime };
        return this.send(res, 200, rec.trigger);
      }
      if (method === 'POST' && m[4]) {
        // A run builds the trigger's config at the branch's head: here, a build with the config's name as its one step.
        const buildId = randomUUID();
        // RunBuildTriggerRequest.source is a RepoSource (cloudbuild.proto); the build records it and its trigger.
        const reqBody = JSON.parse(body.toString('utf8') || '{}') as cloudbuild_v1.Schema$RepoSource & { source?: cloudbuild_v1.Schema$RepoSource };
        const repoSource: cloudbuild_v1.Schema$RepoSource = reqBody.source ?? reqBody;
        const region = m[2] ? decodeURIComponent(m[2]) : undefined;
        const build: cloudbuild_v1.Schema$Build = {
          id: buildId, projectId: project, status: 'QUEUED', buildTriggerId: id, source: { repoSource },
          substitutions: { ...(rec.trigger.substitutions ?? {}), TRIGGER_NAME: rec.trigger.name ?? '', BRANCH_NAME: repoSource.branchName ?? '' },
          steps: [{ name: 'gcr.io/cloud-builders/docker', args: ['build', '.'], dir: rec.trigger.filename?.includes('/') ? rec.trigger.filename.slice(0, rec.trigger.filename.lastIndexOf('/')) : undefined }],
          createTime: new Date().toISOString(), logsBucket: `gs://${this.options.projectNumber ?? '123456789'}.cloudbuild-logs.googleusercontent.com`,
          name: region ? `projects/${project}/locations/${region}/builds/${buildId}` : undefined,
          logUrl: `https://console.cloud.google.com/cloud-build/builds${region ? `;region=${region}` : ''}/${buildId}?project=${project}`,
        };
        const lb = /^gs:\/\/([^/]+)/.exec(build.logsBucket!)![1];
        if (!this.buckets.has(lb)) this.buckets.set(lb, { project, objects: new Map() });
        this.builds.set(buildId, { build, started: Date.now(), entries: [] });
        const meta: cloudbuild_v1.Schema$BuildOperationMetadata & { '@type': string } = { '@type': 'type.googleapis.com/google.devtools.cloudbuild.v1.BuildOperationMetadata', build };
        return this.send(res, 200, { name: `operations/build/${project}/${Buffer.from(buildId).toString('base64')}`, metadata: meta } satisfies cloudbuild_v1.Schema$Operation);
      }
    }
    // ---- cloud build
    if ((m = /^\/v1\/projects\/([^/]+)(?:\/locations\/([^/]+))?\/builds(?:\/([^/:]+))?(:cancel)?$/.exec(u.pathname))) {
      const project = decodeURIComponent(m[1]);
      if (this.options.disabledApis?.includes(project)) {
        const url = `https://console.developers.google.com/apis/api/cloudbuild.googleapis.com/overview?project=${project}`;
        return this.error(res, 403, 'PERMISSION_DENIED', `Cloud Build API has not been used in project ${project} before or it is disabled. Enable it by visiting ${url} then retry.`, [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service: 'cloudbuild.googleapis.com', consumer: `projects/${project}`, activationUrl: url } },
        ]);
      }
      const region = m[2] ? decodeURIComponent(m[2]) : undefined;
      const id = m[3] ? decodeURIComponent(m[3]) : undefined;
      if (method === 'POST' && !id) return this.createBuild(res, project, region, body);
      if (method === 'GET' && id) {
        const r = this.builds.get(id);
        if (!r || r.build.projectId !== project) return this.error(res, 404, 'NOT_FOUND', `build ${id} not found`);
        this.advance(r);
        return this.send(res, 200, r.build);
      }
      if (method === 'GET' && !id) {
        // The filter of builds.list: `field="value"` terms joined by AND, over build_id, trigger_id, status and tags
        // (cloud.google.com/build/docs/view-build-results, "Filtering build results using queries"); newest first.
        const terms: Array<[string, string]> = [];
        for (const t of (u.searchParams.get('filter') ?? '').split(/\s+AND\s+/).map((x) => x.trim()).filter(Boolean)) {
          const fm = /^(build_id|trigger_id|status|tags)\s*=\s*"([^"]*)"$/.exec(t);
          if (!fm) return this.error(res, 400, 'INVALID_ARGUMENT', `invalid filter: ${t}`);
          terms.push([fm[1], fm[2]]);
        }
        const match = (b: cloudbuild_v1.Schema$Build) => terms.every(([f, v]) => f === 'build_id' ? b.id === v : f === 'trigger_id' ? b.buildTriggerId === v : f === 'status' ? b.status === v : (b.tags ?? []).includes(v));
        const size = Math.min(Number(u.searchParams.get('pageSize') || 25), 1000);
        const builds = [...this.builds.values()].filter((r) => r.build.projectId === project && (region ? r.build.name?.includes(`/locations/${region}/`) : !r.build.name)).map((r) => { this.advance(r); return r.build; }).reverse().filter(match).slice(0, size);
        const out: cloudbuild_v1.Schema$ListBuildsResponse = { builds };
        return this.send(res, 200, out);
      }
      if (method === 'POST' && id && m[4]) {
        const r = this.builds.get(id);
        if (!r) return this.error(res, 404, 'NOT_FOUND', `build ${id} not found`);
        this.advance(r);
        if (r.build.status === 'QUEUED' || r.build.status === 'WORKING') { r.cancelledAt = Date.now(); this.advance(r); }
        return this.send(res, 200, r.build);
      }
    }
    return this.error(res, 404, 'NOT_FOUND', `no route ${method} ${u.pathname}`);
  }

  private storeObject(res: http.ServerResponse, bucket: string, name: string, data: Buffer, contentType: string): void {
    const b = this.buckets.get(bucket);
    if (!b) return this.error(res, 404, 'NOT_FOUND', 'The specified bucket does not exist.');
    const o: Obj = { data, generation: String(Date.now() * 1000), contentType, updated: new Date().toISOString() };
    b.objects.set(name, o);
    // A finalized object is an event for the functions triggered on its bucket (Eventarc, functions.ts).
    void this.functions.objectFinalized(bucket, name, data, contentType);
    const out: storage_v1.Schema$Object = { kind: 'storage#object', bucket, name, generation: o.generation, size: String(data.length), contentType, updated: o.updated };
    this.send(res, 200, out);
  }

  private bucketInsert(res: http.ServerResponse, project: string, body: Buffer): void {
    const b = JSON.parse(body.toString('utf8') || '{}') as storage_v1.Schema$Bucket;
    if (!b.name) return this.error(res, 400, 'INVALID_ARGUMENT', 'Required: name');
    if (this.buckets.has(b.name)) return this.error(res, 409, 'ALREADY_EXISTS', 'Your previous request to create the named bucket succeeded and you already own it.');
    this.buckets.set(b.name, { project, objects: new Map() });
    const out: storage_v1.Schema$Bucket = { kind: 'storage#bucket', id: b.name, name: b.name, location: b.location ?? 'US', timeCreated: new Date().toISOString() };
    this.send(res, 200, out);
  }

  private createBuild(res: http.ServerResponse, project: string, region: string | undefined, body: Buffer): void {
    const req = JSON.parse(body.toString('utf8') || '{}') as cloudbuild_v1.Schema$Build;
    const src = req.source?.storageSource;
    if (!src?.bucket || !src.object) return this.error(res, 400, 'INVALID_ARGUMENT', 'invalid build: source.storageSource is required here');
    const obj = this.buckets.get(src.bucket)?.objects.get(src.object);
    if (!obj) return this.error(res, 400, 'INVALID_ARGUMENT', `invalid build: could not find source object gs://${src.bucket}/${src.object}`);
    if (src.generation && src.generation !== obj.generation) return this.error(res, 400, 'INVALID_ARGUMENT', 'invalid build: source generation does not match');
    if (!req.steps?.length) return this.error(res, 400, 'INVALID_ARGUMENT', 'invalid build: build must have at least one step');
    const entries = tarEntries(gunzipSync(obj.data));
    const id = randomUUID();
    const logsBucket = req.logsBucket ?? `gs://${this.options.projectNumber ?? '123456789'}.cloudbuild-logs.googleusercontent.com`;
    const lb = /^gs:\/\/([^/]+)/.exec(logsBucket)![1];
    if (!this.buckets.has(lb)) this.buckets.set(lb, { project, objects: new Map() });
    const build: cloudbuild_v1.Schema$Build = {
      ...req, id, projectId: project, status: 'QUEUED', createTime: new Date().toISOString(), logsBucket,
      name: region ? `projects/${project}/locations/${region}/builds/${id}` : undefined,
      logUrl: `https://console.cloud.google.com/cloud-build/builds${region ? `;region=${region}` : ''}/${id}?project=${project}`,
      steps: req.steps.map((s) => ({ ...s, status: 'QUEUED' })),
    };
    const rec: BuildRec = { build, started: Date.now(), entries };
    req.steps.forEach((s, i) => {
      const line = [s.entrypoint, ...(s.args ?? [])].filter(Boolean).join(' ');
      const fail = /exit (\d+)\s*$/.exec(line);
      if (fail && Number(fail[1]) !== 0 && !rec.failAt) rec.failAt = { step: i, code: Number(fail[1]) };
    });
    this.builds.set(id, rec);
    const meta: cloudbuild_v1.Schema$BuildOperationMetadata & { '@type': string } = { '@type': 'type.googleapis.com/google.devtools.cloudbuild.v1.BuildOperationMetadata', build };
    const op: cloudbuild_v1.Schema$Operation = { name: `operations/build/${project}/${Buffer.from(id).toString('base64')}`, metadata: meta };
    this.send(res, 200, op);
  }

  /** Where a build is by now: its status, its steps, and the lines of its log so far. */
  private advance(r: BuildRec): void {
    const b = r.build;
    if (b.status !== 'QUEUED' && b.status !== 'WORKING') return;
    const stepMs = this.options.stepMs ?? 400;
    const elapsed = (r.cancelledAt ?? Date.now()) - r.started;
    const steps = b.steps ?? [];
    const ss = b.source?.storageSource;
    const lines = [`starting build "${b.id}"`, '', 'FETCHSOURCE', ss ? `Fetching storage object: gs://${ss.bucket}/${ss.object}#${ss.generation ?? ''}` : `Fetching the repository at branch ${b.source?.repoSource?.branchName ?? '?'}`, ss ? `${r.entries.length} entries in the source archive` : '', 'BUILD'].filter((l, i) => i < 2 || l);
    let status: string = elapsed < stepMs / 2 ? 'QUEUED' : 'WORKING';
    let failure: string | undefined;
    let done = 0;
    for (let i = 0; i < steps.length; i++) {
      const startAt = stepMs / 2 + i * stepMs;
      if (elapsed < startAt) break;
      const s = steps[i];
      lines.push(`Starting Step #${i}`, `Step #${i}: Running ${s.name}${s.args?.length ? ` ${s.args.join(' ')}` : ''}`);
      if (s.dir) lines.push(`Step #${i}: in /workspace/${s.dir}`);
      steps[i].status = 'WORKING';
      if (elapsed < startAt + stepMs) break;
      if (r.failAt?.step === i) {
        lines.push(`Step #${i}: exit status ${r.failAt.code}`, `Finished Step #${i}`, `ERROR: build step ${i} "${s.name}" failed: step exited with non-zero status: ${r.failAt.code}`);
        steps[i].status = 'FAILURE';
        failure = `Build step failure: build step ${i} "${s.name}" failed: step exited with non-zero status: ${r.failAt.code}`;
        break;
      }
      lines.push(`Finished Step #${i}`);
      steps[i].status = 'SUCCESS';
      done++;
    }
    if (failure) { status = 'FAILURE'; b.failureInfo = { type: 'USER_BUILD_STEP', detail: failure }; b.statusDetail = failure; }
    else if (done === steps.length) {
      if (b.images?.length) lines.push('PUSH', ...b.images.map((i) => `Pushing ${i}`));
      lines.push('DONE');
      status = 'SUCCESS';
      b.results = { images: (b.images ?? []).map((name) => ({ name, digest: `sha256:${Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64)}` })) };
    }
    if (r.cancelledAt && status !== 'SUCCESS' && status !== 'FAILURE') status = 'CANCELLED';
    if (status !== 'QUEUED' && !b.startTime) b.startTime = new Date(r.started + stepMs / 2).toISOString();
    b.status = status;
    if (status === 'SUCCESS' || status === 'FAILURE' || status === 'CANCELLED') b.finishTime = new Date().toISOString();
    // The log object holds what has been written; Cloud Build marks a build done only after its log is pushed.
    const lb = /^gs:\/\/([^/]+)(?:\/(.*))?$/.exec(b.logsBucket!)!;
    const name = `${lb[2] ? `${lb[2].replace(/\/$/, '')}/` : ''}log-${b.id}.txt`;
    const bucket = this.buckets.get(lb[1])!;
    if (status !== 'QUEUED') bucket.objects.set(name, { data: Buffer.from(lines.join('\n') + '\n'), generation: String(Date.now() * 1000), contentType: 'text/plain', updated: new Date().toISOString() });
  }

  private advanceLogs(bucket: string, name: string): void {
    const id = /log-([0-9a-f-]{36})\.txt$/.exec(name)?.[1];
    const r = id ? this.builds.get(id) : undefined;
    if (r && /^gs:\/\/([^/]+)/.exec(r.build.logsBucket ?? '')?.[1] === bucket) this.advance(r);
  }
}

export interface TarEntry { name: string; type: string; linkname: string; body: Buffer; uname: string; uid: number; checksumOk: boolean }

/** The entries of a tar (ustar, with PAX path/linkpath records), for checking what was uploaded. */
export function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let pax: Record<string, string> = {};
  for (let off = 0; off + 512 <= buf.length;) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const str = (a: number, n: number) => h.subarray(a, a + n).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12), 8) || 0;
    const type = str(156, 1);
    const body = buf.subarray(off + 512, off + 512 + size);
    const sum = [...h].reduce((n, b, i) => n + (i >= 148 && i < 156 ? 32 : b), 0);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = {};
      for (const rec of body.toString('utf8').split('\n').filter(Boolean)) { const kv = rec.slice(rec.indexOf(' ') + 1); pax[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1); }
      continue;
    }
    const prefix = str(345, 155);
    out.push({ name: pax.path ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100)), type, linkname: pax.linkpath ?? str(157, 100), body, uname: str(265, 32), uid: parseInt(str(108, 8), 8), checksumOk: parseInt(str(148, 8), 8) === sum });
    pax = {};
  }
  return out;
}

/** Entry names of a tar. */
export const tarEntries = (buf: Buffer): string[] => readTar(buf).map((e) => e.name);
