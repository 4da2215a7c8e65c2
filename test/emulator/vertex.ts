// Vertex AI Pipelines, Cloud Logging and an Artifact Registry KFP repository, as
// far as the extension uses them, on one loopback server. What each route does
// and where it comes from (../shared/vertex-reference.md, which read the sources):
// - aiplatform v1 pipelineJobs (google/cloud/aiplatform/v1/pipeline_service.proto,
//   pipeline_job.proto): create with ?pipelineJobId (ID rule `[a-z][-a-z0-9]{0,127}`,
//   else generated), get, list (newest first; filter on display_name = / : "*x*",
//   state, labels.k, schedule_name, template_uri; pageSize/pageToken; readMask;
//   jobDetail left out of lists: "Not available in the list view"), cancel (best
//   effort: CANCELLING, then CANCELLED with error code 1), delete (a long-running
//   operation, polled at GET /v1/{operation name});
// - schedules (schedule_service.proto, schedule.proto): create (displayName, cron,
//   maxConcurrentRunCount and the request's parent required), get, list, pause,
//   resume (with catchUp), delete (operation); runs are started when nextRunTime is
//   due (looked at on each request), each with scheduleName set, up to maxRunCount
//   (then COMPLETED) and never more than maxConcurrentRunCount at once;
// - Cloud Logging entries:list (google/logging/v2/logging.proto): resourceNames,
//   filter, orderBy "timestamp asc|desc", pageSize (default 50, above 1000 refused),
//   pageToken; each step's CustomJob logs under resource type ml_job with label
//   job_id (gcloud's command_lib/ai/log_util.py filter), written as the step runs;
// - the KFP template repository (kubeflow/pipelines sdk/python/kfp/registry/
//   registry_client.py and context/kfp_pkg_dev.json): POST {repo} multipart `content`
//   and `tags`, answered "{package}/sha256:{digest}"; GET {repo}/{package}/{version|tag};
//   the Artifact Registry API's packages, versions (?view=FULL with relatedTags) and
//   tags lists (google/devtools/artifactregistry/v1).
// Requests and answers of the aiplatform routes are checked against the protos
// @google-cloud/aiplatform ships (./protoCheck.ts): an unknown field in a request
// is refused as Google refuses it (400 "Invalid JSON payload received. Unknown
// name …"), and an answer that is not a valid message is an emulator bug (500).
// Logging answers are typed with @googleapis/logging's logging_v2 schema.
//
// What a run does is this emulator's own rule, since Vertex's orchestrator is not
// public: each container step takes stepMs, runs once its upstream tasks end, and
// succeeds unless its task key is in failTasks; a step in cachedTasks comes from the
// cache (SKIPPED, execution CACHED, no CustomJob); the first conditional task of a
// DAG is triggered and the others are NOT_TRIGGERED; a loop runs one iteration per
// item of its raw list or list parameter (else 3). Reported like Vertex reports
// runs (pipeline_job.proto PipelineTaskDetail): an entry for the root DAG named
// after the job (python-aiplatform model_evaluation_job.py expects one), one per
// task with parentTaskId, taskUniqueName joined with ".", containerDetail.mainJob for
// executors. How loop iterations appear is UNCONFIRMED: here, the loop's entry holds
// one entry per iteration (named like the loop, taskUniqueName ending
// ".iteration-N"), which holds that iteration's steps.
import type { logging_v2 } from '@googleapis/logging';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { listen } from './listen';
import { AIP, assertAnswer, checkMessage, missingRequired } from './protoCheck';

export interface VertexEmulatorOptions {
  project?: string;
  projectNumber?: string;
  region?: string;
  /** Milliseconds a container step runs (default 1500). */
  stepMs?: number;
  /** The Vertex AI API is disabled in the project (403 SERVICE_DISABLED). */
  disabled?: boolean;
  /** IAM permissions the caller lacks (403 IAM_PERMISSION_DENIED for routes that need them). */
  denied?: string[];
  /** Every request is answered 401, as for an expired access token. */
  expired?: boolean;
  /** Task keys whose steps fail. */
  failTasks?: string[];
  /** Task keys whose steps come from the cache. */
  cachedTasks?: string[];
  /** Log lines each step writes while it runs (default 6). */
  logLines?: number;
}

type TaskState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'NOT_TRIGGERED' | 'CANCELLED' | 'CANCELLING';

interface PlanTask {
  taskId: string;
  parentTaskId?: string;
  taskName: string;
  unique: string;
  kind: 'root' | 'container' | 'importer' | 'dag' | 'loop' | 'iteration';
  start: number;
  end: number;
  final: TaskState;
  customJob?: string;
  outputKeys: string[];
  outputParams: string[];
}

interface JobRec {
  job: Record<string, unknown>;
  created: number;
  plan: PlanTask[];
  end: number;
  failed: string[];
  cancelledAt?: number;
}

interface ScheduleRec { s: Record<string, unknown>; created: number; runs: string[]; pausedAt?: number; lastDue?: number }

interface TemplatePkg { versions: Map<string, { content: Buffer; created: string; description?: string }>; tags: Map<string, string>; created: string }

const iso = (ms: number) => new Date(ms).toISOString();

type IrTask = {
  taskInfo?: { name?: string }; componentRef?: { name?: string }; dependentTasks?: string[];
  inputs?: { parameters?: Record<string, { taskOutputParameter?: { producerTask?: string }; taskFinalStatus?: { producerTask?: string } }>; artifacts?: Record<string, { taskOutputArtifact?: { producerTask?: string } }> };
  triggerPolicy?: { condition?: string; strategy?: string };
  parameterIterator?: { items?: { raw?: string; inputParameter?: string } };
  artifactIterator?: unknown;
  iteratorPolicy?: { parallelismLimit?: number };
};
type IrComp = { dag?: { tasks?: Record<string, IrTask> }; executorLabel?: string; outputDefinitions?: { parameters?: Record<string, unknown>; artifacts?: Record<string, unknown> } };

export class VertexEmulator {
  private server?: http.Server;
  url = '';
  readonly jobs = new Map<string, JobRec>();
  readonly schedules = new Map<string, ScheduleRec>();
  readonly templates = new Map<string, TemplatePkg>();
  readonly operations = new Map<string, { done: number; op: Record<string, unknown> }>();
  /** ML Metadata contexts of the default store (experiments), with their children. */
  readonly contexts = new Map<string, { context: Record<string, unknown>; children: string[] }>();
  readonly requests: Array<{ method: string; path: string; auth?: string; body?: string }> = [];
  private nextTaskId = 1000;

  constructor(readonly options: VertexEmulatorOptions = {}) {}

  get project(): string { return this.options.project ?? 'demo-project'; }
  get projectNumber(): string { return this.options.projectNumber ?? '123456789012'; }
  get region(): string { return this.options.region ?? 'us-central1'; }
  get parent(): string { return `projects/${this.project}/locations/${this.region}`; }
  private get stepMs(): number { return this.options.stepMs ?? 1500; }
  /** The gap between one task's end and the next one's start, and the time a job stays QUEUED. */
  private get gap(): number { return Math.max(5, Math.min(100, this.stepMs / 15)); }
  private get queued(): number { return Math.min(300, this.stepMs * 2); }

  async start(port = 0): Promise<string> {
    ({ server: this.server, url: this.url } = await listen(port, (req, res, body) => this.handle(req, res, body), (res, e) => this.error(res, 500, 'INTERNAL', e.message)));
    return this.url;
  }

  async stop(): Promise<void> { await new Promise((r) => this.server?.close(r)); }

  /** Runs and a template of `spec` to start from (the demo): a finished run, one that fails at a step named fail-step when the spec has one, one running, and the spec as template "latest". */
  async seed(spec: Record<string, unknown>): Promise<void> {
    const name = String((spec.pipelineInfo as { name?: string } | undefined)?.name ?? 'pipeline');
    const now = Date.now();
    for (const [i, ago] of [[1, 3600_000], [2, 600_000], [3, 0]] as const) {
      const id = `${name}-seed-${i}`;
      const { plan, end, failed } = this.plan(spec, id, now - ago, {});
      this.jobs.set(id, { job: { name: `${this.parent}/pipelineJobs/${id}`, displayName: `${name} ${i}`, pipelineSpec: spec, runtimeConfig: { gcsOutputDirectory: 'gs://churn-data/pipeline-root' }, createTime: iso(now - ago), labels: { source: 'demo' } }, created: now - ago, plan, end, failed });
    }
    const content = Buffer.from(JSON.stringify(spec));
    const version = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    this.templates.set(name, { versions: new Map([[version, { content, created: iso(now - 86400_000), description: 'seeded by the demo' }]]), tags: new Map([['latest', version]]), created: iso(now - 86400_000) });
  }

  /** The URL a templateRepository setting names for this emulator's repository `repo`. */
  templateRepoUrl(repo = 'pipelines'): string { return `${this.url}/kfp/${this.region}/${this.project}/${repo}`; }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  }

  /** google.rpc.Status JSON, as Google's APIs answer errors. */
  private error(res: http.ServerResponse, code: number, status: string, message: string, details: unknown[] = []): void {
    this.send(res, code, { error: { code, message, status, details } });
  }

  private answer(res: http.ServerResponse, type: string, body: Record<string, unknown>): void {
    assertAnswer(`${AIP}.${type}`, body);
    this.send(res, 200, body);
  }

  private permission(res: http.ServerResponse, permission: string, resource: string): boolean {
    if (!this.options.denied?.includes(permission)) return true;
    // The IAM denial: google.rpc.Status with an ErrorInfo (google/rpc/error_details.proto) whose metadata names the
    // permission and resource; the message wording is modelled on Google's usual one, not recorded from Vertex.
    this.error(res, 403, 'PERMISSION_DENIED', `Permission '${permission}' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`, [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'aiplatform.googleapis.com', metadata: { permission, resource } },
    ]);
    return false;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: u.pathname + u.search, auth: req.headers.authorization, body: body.length < 1 << 20 ? body.toString('utf8') : undefined });
    // Expired credentials: 401 UNAUTHENTICATED with an ErrorInfo (google/rpc/error_details.proto); wording modelled.
    if (this.options.expired) {
      return this.error(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_EXPIRED', domain: 'googleapis.com', metadata: { service: 'aiplatform.googleapis.com' } },
      ]);
    }
    let m: RegExpExecArray | null;
    // ---- Cloud Logging
    if (method === 'POST' && u.pathname === '/v2/entries:list') return this.entriesList(res, body);
    // ---- KFP template repository host
    if ((m = /^\/kfp\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(u.pathname)) && method === 'POST') return this.templateUpload(req, res, body);
    if ((m = /^\/kfp\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(u.pathname)) && method === 'GET') return this.templateDownload(res, decodeURIComponent(m[4]), decodeURIComponent(m[5]));
    // ---- Artifact Registry API (packages, versions, tags of the KFP repository)
    if ((m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)\/packages(?:\/([^/]+)(?:\/(versions|tags))?)?$/.exec(u.pathname)) && method === 'GET') {
      return this.arList(res, m[0].slice(4).split('/packages')[0], m[4] && decodeURIComponent(m[4]), m[5]);
    }
    if (this.options.disabled) {
      return this.error(res, 403, 'PERMISSION_DENIED', `Vertex AI API has not been used in project ${this.projectNumber} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=${this.projectNumber} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`, [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service: 'aiplatform.googleapis.com', consumer: `projects/${this.projectNumber}`, activationUrl: `https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=${this.projectNumber}` } },
      ]);
    }
    const parentRe = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\//;
    const pm = parentRe.exec(u.pathname);
    if (pm && ((pm[1] !== this.project && pm[1] !== this.projectNumber) || pm[2] !== this.region)) {
      return this.error(res, 404, 'NOT_FOUND', `The resource parent projects/${pm[1]}/locations/${pm[2]} was not found (this emulator serves ${this.parent}).`);
    }
    this.tick();
    // ---- operations
    if (method === 'GET' && (m = /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/(?:[^/]+\/[^/]+\/)?operations\/[^/]+)$/.exec(u.pathname))) {
      const op = this.operations.get(m[1]);
      if (!op) return this.error(res, 404, 'NOT_FOUND', `Operation ${m[1]} not found.`);
      const out = { ...op.op, done: Date.now() >= op.done };
      if (out.done) Object.assign(out, { response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } });
      return this.send(res, 200, out);
    }
    // ---- ML Metadata contexts (metadata_service.proto CreateContext, GetContext, AddContextChildren; context.proto)
    const ctxs = `/v1/${this.parent}/metadataStores/default/contexts`;
    if (u.pathname === ctxs && method === 'POST') {
      const id = u.searchParams.get('contextId') ?? '';
      // metadata_service.proto CreateContextRequest.context_id: "Must be of the form [a-z0-9][a-z0-9-]{0,127}"; 409 when taken.
      if (!/^[a-z0-9][a-z0-9-]{0,127}$/.test(id)) return this.error(res, 400, 'INVALID_ARGUMENT', `Invalid context_id ${id}.`);
      const c = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      const p = checkMessage(`${AIP}.Context`, c, 'context');
      if (p.length) return this.error(res, 400, 'INVALID_ARGUMENT', p.join('\n'));
      if (this.contexts.has(id)) return this.error(res, 409, 'ALREADY_EXISTS', `Context ${ctxs.slice(4)}/${id} already exists.`);
      const out = { ...c, name: `${this.parent}/metadataStores/default/contexts/${id}`, createTime: iso(Date.now()), updateTime: iso(Date.now()), etag: '1' };
      this.contexts.set(id, { context: out, children: [] });
      return this.answer(res, 'Context', out);
    }
    if ((m = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/metadataStores\/default\/contexts\/([^/:]+)(:addContextChildren)?$/.exec(u.pathname))) {
      const rec = this.contexts.get(m[1]);
      if (!rec) return this.error(res, 404, 'NOT_FOUND', `Context ${m[1]} not found.`);
      if (method === 'GET' && !m[2]) return this.answer(res, 'Context', rec.context);
      if (method === 'POST' && m[2]) {
        const req = JSON.parse(body.toString('utf8') || '{}') as { childContexts?: string[] };
        const known = new Set([...this.jobs.entries()].map(([id, r]) => (Date.now() >= r.created + this.queued ? this.runContextOf(id) : '')));
        const unknown = (req.childContexts ?? []).find((c) => !known.has(c));
        if (unknown) return this.error(res, 404, 'NOT_FOUND', `Context ${unknown} not found.`);
        rec.children.push(...(req.childContexts ?? []));
        return this.answer(res, 'AddContextChildrenResponse', {});
      }
    }
    // ---- pipelineJobs
    const jobs = `/v1/${this.parent}/pipelineJobs`;
    if (u.pathname === jobs && method === 'POST') return this.createJob(res, u, body);
    if (u.pathname === jobs && method === 'GET') return this.listJobs(res, u);
    if ((m = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/pipelineJobs\/([^/:]+)(:cancel)?$/.exec(u.pathname))) {
      const id = m[1];
      const rec = this.jobs.get(id);
      const name = `${this.parent}/pipelineJobs/${id}`;
      const perm = m[2] ? 'aiplatform.pipelineJobs.cancel' : method === 'DELETE' ? 'aiplatform.pipelineJobs.delete' : 'aiplatform.pipelineJobs.get';
      if (!this.permission(res, perm, name)) return;
      if (!rec) return this.error(res, 404, 'NOT_FOUND', `PipelineJob ${name} is not found.`);
      if (m[2] && method === 'POST') return this.cancelJob(res, rec);
      if (method === 'GET') return this.answer(res, 'PipelineJob', this.jobAt(id, rec, Date.now()));
      if (method === 'DELETE') {
        this.jobs.delete(id);
        return this.send(res, 200, this.operation('DeleteOperationMetadata'));
      }
    }
    // ---- schedules
    const scheds = `/v1/${this.parent}/schedules`;
    if (u.pathname === scheds && method === 'POST') return this.createSchedule(res, body);
    if (u.pathname === scheds && method === 'GET') return this.listSchedules(res, u);
    if ((m = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/schedules\/([^/:]+)(:pause|:resume)?$/.exec(u.pathname))) {
      const rec = this.schedules.get(m[1]);
      const name = `${this.parent}/schedules/${m[1]}`;
      if (m[2] && !this.permission(res, 'aiplatform.schedules.update', name)) return;
      if (!rec) return this.error(res, 404, 'NOT_FOUND', `Schedule ${name} is not found.`);
      if (method === 'GET' && !m[2]) return this.answer(res, 'Schedule', this.scheduleOut(rec));
      if (method === 'DELETE') { this.schedules.delete(m[1]); return this.send(res, 200, this.operation('DeleteOperationMetadata')); }
      if (method === 'POST' && m[2] === ':pause') {
        // schedule_service.proto PauseSchedule: only an ACTIVE schedule can be paused.
        if (rec.s.state !== 'ACTIVE') return this.error(res, 400, 'FAILED_PRECONDITION', `Schedule ${name} is not active (state ${String(rec.s.state)}).`);
        rec.s.state = 'PAUSED'; rec.s.lastPauseTime = iso(Date.now()); rec.pausedAt = Date.now(); rec.s.updateTime = iso(Date.now());
        return this.send(res, 200, {});
      }
      if (method === 'POST' && m[2] === ':resume') {
        // ResumeSchedule: only PAUSED; catchUp backfills the runs missed while paused, else they are skipped.
        if (rec.s.state !== 'PAUSED') return this.error(res, 400, 'FAILED_PRECONDITION', `Schedule ${name} is not paused (state ${String(rec.s.state)}).`);
        const req = JSON.parse(body.toString('utf8') || '{}') as { catchUp?: boolean };
        const p = checkMessage(`${AIP}.ResumeScheduleRequest`, { name, ...req });
        if (p.length) return this.error(res, 400, 'INVALID_ARGUMENT', p.join(' '));
        rec.s.state = 'ACTIVE'; rec.s.lastResumeTime = iso(Date.now()); rec.s.catchUp = Boolean(req.catchUp); rec.s.updateTime = iso(Date.now());
        if (!req.catchUp) rec.lastDue = Date.now();
        rec.pausedAt = undefined;
        this.tick();
        return this.send(res, 200, {});
      }
    }
    return this.error(res, 404, 'NOT_FOUND', `No route for ${method} ${u.pathname} in this emulator.`);
  }

  private operation(metadataType: string): Record<string, unknown> {
    const name = `projects/${this.projectNumber}/locations/${this.region}/operations/${BigInt.asUintN(63, BigInt(Date.now()) * 1000003n + BigInt(this.operations.size))}`;
    const op = { name, metadata: { '@type': `type.googleapis.com/google.cloud.aiplatform.v1.${metadataType}`, genericMetadata: { createTime: iso(Date.now()), updateTime: iso(Date.now()) } }, done: false };
    // The extension polls GET /v1/{operation.name}; projects/{number} is answered like projects/{id}.
    this.operations.set(name, { done: Date.now() + 300, op });
    this.operations.set(name.replace(`projects/${this.projectNumber}/`, `projects/${this.project}/`), { done: Date.now() + 300, op });
    return op;
  }

  // ---- pipeline jobs ----------------------------------------------------------

  private createJob(res: http.ServerResponse, u: URL, body: Buffer): void {
    if (!this.permission(res, 'aiplatform.pipelineJobs.create', this.parent)) return;
    let job: Record<string, unknown>;
    try { job = JSON.parse(body.toString('utf8')) as Record<string, unknown>; } catch { return this.error(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'); }
    const problems = checkMessage(`${AIP}.PipelineJob`, job, 'pipeline_job');
    if (problems.length) return this.error(res, 400, 'INVALID_ARGUMENT', problems.join('\n'), [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: problems.map((d) => ({ description: d })) }]);
    const id = u.searchParams.get('pipelineJobId') ?? `${String((job.pipelineSpec as { pipelineInfo?: { name?: string } } | undefined)?.pipelineInfo?.name ?? 'pipeline').toLowerCase().replace(/[^-a-z0-9]+/g, '-')}-${Date.now()}`;
    // pipeline_service.proto CreatePipelineJobRequest.pipeline_job_id: "less than 128 characters, and valid characters are /[a-z][0-9]-/".
    if (!/^[a-z][-a-z0-9]{0,127}$/.test(id)) return this.error(res, 400, 'INVALID_ARGUMENT', `Invalid pipeline job id: ${id}. It must be less than 128 characters, start with a letter and hold only lowercase letters, digits and "-".`);
    if (this.jobs.has(id)) return this.error(res, 409, 'ALREADY_EXISTS', `PipelineJob ${this.parent}/pipelineJobs/${id} already exists.`);
    let spec = job.pipelineSpec as Record<string, unknown> | undefined;
    const templateUri = typeof job.templateUri === 'string' ? job.templateUri : undefined;
    let templateVersion: string | undefined;
    if (templateUri) {
      const t = this.resolveTemplate(templateUri);
      if (typeof t === 'string') return this.error(res, 404, 'NOT_FOUND', t);
      templateVersion = t.version;
      // Templates are the compiled YAML (or JSON) as uploaded.
      try { spec ??= parseSpec(t.content) as Record<string, unknown>; } catch (e) { return this.error(res, 400, 'INVALID_ARGUMENT', `The template ${templateUri} is not a KFP pipeline: ${(e as Error).message}`); }
    }
    if (!spec || typeof spec.root !== 'object') return this.error(res, 400, 'INVALID_ARGUMENT', 'pipeline_spec (or a template_uri) is required, and it must be a KFP pipeline spec with a root.');
    const rc = (job.runtimeConfig ?? {}) as { gcsOutputDirectory?: string; parameterValues?: Record<string, unknown> };
    // pipeline_job.proto RuntimeConfig.gcs_output_directory is REQUIRED.
    if (!rc.gcsOutputDirectory) return this.error(res, 400, 'INVALID_ARGUMENT', 'Field runtime_config.gcs_output_directory is required.', [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'pipeline_job.runtime_config.gcs_output_directory', description: 'Field is required' }] }]);
    const now = Date.now();
    const { plan, end, failed } = this.plan(spec, id, now, rc.parameterValues ?? {});
    const out: Record<string, unknown> = {
      ...job, name: `${this.parent}/pipelineJobs/${id}`, pipelineSpec: spec, createTime: iso(now), updateTime: iso(now), state: 'PIPELINE_STATE_QUEUED',
      labels: { ...(job.labels as Record<string, string> | undefined ?? {}), 'vertex-ai-pipelines-run-billing-id': String(BigInt(now) * 1000n + BigInt(this.jobs.size)) },
      serviceAccount: job.serviceAccount ?? `${this.projectNumber}-compute@developer.gserviceaccount.com`,
    };
    if (templateVersion) out.templateMetadata = { version: templateVersion };
    this.jobs.set(id, { job: out, created: now, plan, end, failed });
    this.answer(res, 'PipelineJob', this.jobAt(id, this.jobs.get(id)!, now));
  }

  private cancelJob(res: http.ServerResponse, rec: JobRec): void {
    const now = Date.now();
    // Best effort: a job that has ended stays as it is (pipeline_service.proto CancelPipelineJob).
    if (rec.cancelledAt === undefined && now < rec.end) rec.cancelledAt = now;
    this.send(res, 200, {});
  }

  /** The job as seen at `now`. */
  jobAt(id: string, rec: JobRec, now: number): Record<string, unknown> {
    const j: Record<string, unknown> = { ...rec.job };
    const cancelAt = rec.cancelledAt;
    const queuedUntil = rec.created + this.queued;
    const at = (t: number) => (cancelAt !== undefined && t > cancelAt ? Infinity : t);
    const details: Record<string, unknown>[] = [];
    for (const t of rec.plan) {
      if (now < t.start || at(t.start) === Infinity) continue;
      const ended = now >= t.end && at(t.end) !== Infinity;
      const cancelled = cancelAt !== undefined && !ended && now >= cancelAt;
      let state: TaskState = ended ? t.final : cancelled ? (now >= cancelAt + this.stepMs / 3 ? 'CANCELLED' : 'CANCELLING') : t.kind === 'container' && now < t.start + this.stepMs * 0.2 ? 'PENDING' : 'RUNNING';
      if (t.final === 'NOT_TRIGGERED') state = 'NOT_TRIGGERED';
      const d: Record<string, unknown> = {
        taskId: t.taskId, taskName: t.taskName, taskUniqueName: t.unique, createTime: iso(t.start), state,
      };
      if (t.parentTaskId) d.parentTaskId = t.parentTaskId;
      if (state !== 'PENDING' && state !== 'NOT_TRIGGERED') d.startTime = iso(t.start);
      if (ended || state === 'CANCELLED') d.endTime = iso(ended ? t.end : cancelAt! + this.stepMs / 3);
      if (t.customJob) d.executorDetail = { containerDetail: { mainJob: t.customJob } };
      const execState = state === 'SKIPPED' ? 'CACHED' : state === 'SUCCEEDED' ? 'COMPLETE' : state === 'FAILED' ? 'FAILED' : state === 'CANCELLED' ? 'CANCELLED' : state === 'NOT_TRIGGERED' ? undefined : 'RUNNING';
      if (execState) {
        d.execution = {
          name: `projects/${this.projectNumber}/locations/${this.region}/metadataStores/default/executions/${t.taskId}`,
          displayName: t.taskName, state: execState, schemaTitle: t.kind === 'container' || t.kind === 'importer' ? 'system.ContainerExecution' : 'system.DagExecution',
          metadata: ended && t.final !== 'FAILED' ? Object.fromEntries(t.outputParams.map((p) => [`output:${p}`, `${p} of ${t.taskName}`])) : {},
        };
      }
      if (ended && t.final === 'FAILED' && t.kind === 'container') d.error = { code: 9, message: `The replica workerpool0-0 exited with a non-zero status of 1. To find out more about why your job exited please check the logs: https://console.cloud.google.com/logs/viewer?project=${this.projectNumber}&resource=ml_job%2Fjob_id%2F${t.customJob?.split('/').pop()}` };
      if (ended && (t.final === 'SUCCEEDED' || t.final === 'SKIPPED') && t.outputKeys.length) {
        // pipeline_job.proto: artifacts under gcs_output_directory at "{job_id}/{task_id}/{output_key}".
        const rootDir = String((j.runtimeConfig as { gcsOutputDirectory?: string }).gcsOutputDirectory).replace(/\/$/, '');
        d.outputs = Object.fromEntries(t.outputKeys.map((k) => [k, { artifacts: [{ name: `projects/${this.projectNumber}/locations/${this.region}/metadataStores/default/artifacts/${t.taskId}${k.length}`, displayName: k, uri: `${rootDir}/${id}/${t.taskId}/${k}`, state: 'LIVE', schemaTitle: 'system.Artifact', schemaVersion: '0.0.1' }] }]));
      }
      details.push(d);
    }
    let state: string;
    if (cancelAt !== undefined && now >= cancelAt) state = now >= cancelAt + this.stepMs / 3 ? 'PIPELINE_STATE_CANCELLED' : 'PIPELINE_STATE_CANCELLING';
    else if (now >= rec.end) state = rec.failed.length ? 'PIPELINE_STATE_FAILED' : 'PIPELINE_STATE_SUCCEEDED';
    else if (now < queuedUntil) state = 'PIPELINE_STATE_QUEUED';
    else if (details.length <= 1) state = 'PIPELINE_STATE_PENDING';
    else state = 'PIPELINE_STATE_RUNNING';
    j.state = state;
    if (now >= queuedUntil) j.startTime = iso(queuedUntil);
    if (state === 'PIPELINE_STATE_CANCELLED') { j.endTime = iso(cancelAt! + this.stepMs / 3); j.error = { code: 1, message: 'CANCELLED' }; }
    if (state === 'PIPELINE_STATE_SUCCEEDED' || state === 'PIPELINE_STATE_FAILED') j.endTime = iso(rec.end);
    // The wording of a failed job's error is this emulator's (UNCONFIRMED); its code 9 is FAILED_PRECONDITION.
    if (state === 'PIPELINE_STATE_FAILED') j.error = { code: 9, message: `The DAG failed because some tasks failed. The failed tasks are: [${rec.failed.join(', ')}].` };
    j.updateTime = iso(Math.min(now, state.endsWith('SUCCEEDED') || state.endsWith('FAILED') ? rec.end : now));
    // The run's metadata contexts appear once the job has left the queue (python-aiplatform polls for pipelineRunContext).
    j.jobDetail = now >= queuedUntil ? {
      pipelineContext: { name: `projects/${this.projectNumber}/locations/${this.region}/metadataStores/default/contexts/${String(j.displayName ?? id).toLowerCase().replace(/[^-a-z0-9]+/g, '-')}` },
      pipelineRunContext: { name: this.runContextOf(id) },
      taskDetails: details,
    } : { taskDetails: details };
    return j;
  }

  runContextOf(jobId: string): string { return `projects/${this.projectNumber}/locations/${this.region}/metadataStores/default/contexts/${jobId}`; }

  /** When every task starts and ends, and how it ends (the emulator's rules, in the header). */
  private plan(spec: Record<string, unknown>, jobId: string, t0: number, params: Record<string, unknown>): { plan: PlanTask[]; end: number; failed: string[] } {
    const comps = (spec.components ?? {}) as Record<string, IrComp>;
    const executors = ((spec.deploymentSpec as { executors?: Record<string, { importer?: unknown }> } | undefined)?.executors ?? {});
    const plan: PlanTask[] = [];
    const failed: string[] = [];
    const rootTask: PlanTask = { taskId: String(this.nextTaskId++), taskName: jobId, unique: jobId, kind: 'root', start: t0 + this.queued, end: t0 + this.queued, final: 'SUCCEEDED', outputKeys: [], outputParams: [] };
    plan.push(rootTask);
    const runDag = (comp: IrComp, parent: PlanTask, prefix: string, start: number, depth: number): { end: number; failed: boolean } => {
      const tasks = comp.dag?.tasks ?? {};
      const ends = new Map<string, { end: number; failed: boolean; ran: boolean }>();
      let firstCondition = true;
      let last = start;
      let anyFailed = false;
      const order = topo(tasks);
      for (const key of order) {
        const t = tasks[key];
        const ups = new Set<string>(t.dependentTasks ?? []);
        for (const p of Object.values(t.inputs?.parameters ?? {})) { const x = p.taskOutputParameter?.producerTask ?? p.taskFinalStatus?.producerTask; if (x) ups.add(x); }
        for (const a of Object.values(t.inputs?.artifacts ?? {})) { const x = a.taskOutputArtifact?.producerTask; if (x) ups.add(x); }
        const upstream = [...ups].map((u) => ends.get(u)).filter(Boolean) as Array<{ end: number; failed: boolean; ran: boolean }>;
        const exitTask = t.triggerPolicy?.strategy === 'ALL_UPSTREAM_TASKS_COMPLETED';
        if (!exitTask && upstream.some((x) => x.failed || !x.ran)) { ends.set(key, { end: start, failed: false, ran: false }); continue; }
        const s = Math.max(start, ...upstream.map((x) => x.end)) + this.gap;
        const ref = comps[t.componentRef?.name ?? ''] ?? {};
        const pt: PlanTask = {
          taskId: String(this.nextTaskId++), parentTaskId: parent.taskId, taskName: key, unique: `${prefix}.${key}`.replace(/^\./, ''),
          kind: ref.dag ? (t.parameterIterator || t.artifactIterator ? 'loop' : 'dag') : ref.executorLabel && executors[ref.executorLabel]?.importer ? 'importer' : 'container',
          start: s, end: s, final: 'SUCCEEDED', outputKeys: Object.keys(ref.outputDefinitions?.artifacts ?? {}), outputParams: Object.keys(ref.outputDefinitions?.parameters ?? {}),
        };
        plan.push(pt);
        if (t.triggerPolicy?.condition) {
          const holds = firstCondition;
          firstCondition = false;
          if (!holds) { pt.final = 'NOT_TRIGGERED'; ends.set(key, { end: s, failed: false, ran: false }); continue; }
        }
        let f = false;
        if (pt.kind === 'container' || pt.kind === 'importer') {
          const cached = this.options.cachedTasks?.includes(key);
          pt.end = s + (cached ? this.stepMs * 0.1 : pt.kind === 'importer' ? this.stepMs * 0.3 : this.stepMs);
          if (cached) pt.final = 'SKIPPED';
          else {
            if (pt.kind === 'container') pt.customJob = `projects/${this.projectNumber}/locations/${this.region}/customJobs/${BigInt.asUintN(62, BigInt('0x' + createHash('sha1').update(`${jobId}/${pt.taskId}`).digest('hex').slice(0, 15)))}`;
            if (this.options.failTasks?.includes(key)) { pt.final = 'FAILED'; f = true; failed.push(key); }
          }
        } else if (pt.kind === 'loop') {
          const n = loopCount(t, params);
          let e = s;
          const limit = t.iteratorPolicy?.parallelismLimit || n;
          const iterEnds: number[] = [];
          for (let i = 0; i < n; i++) {
            const is = i < limit ? s + this.gap : iterEnds[i - limit];
            const it: PlanTask = { taskId: String(this.nextTaskId++), parentTaskId: pt.taskId, taskName: key, unique: `${pt.unique}.iteration-${i}`, kind: 'iteration', start: is, end: is, final: 'SUCCEEDED', outputKeys: [], outputParams: [] };
            plan.push(it);
            const r = depth < 20 ? runDag(ref, it, it.unique, is, depth + 1) : { end: is, failed: false };
            it.end = r.end + this.gap; it.final = r.failed ? 'FAILED' : 'SUCCEEDED';
            iterEnds.push(it.end);
            f = f || r.failed;
            e = Math.max(e, it.end);
          }
          pt.end = e + this.gap; pt.final = f ? 'FAILED' : 'SUCCEEDED';
        } else {
          const r = depth < 20 ? runDag(ref, pt, pt.unique, s, depth + 1) : { end: s, failed: false };
          pt.end = r.end + this.gap; pt.final = r.failed ? 'FAILED' : 'SUCCEEDED'; f = r.failed;
        }
        anyFailed = anyFailed || f;
        ends.set(key, { end: pt.end, failed: f, ran: true });
        last = Math.max(last, pt.end);
      }
      return { end: last, failed: anyFailed };
    };
    const r = runDag((spec.root ?? {}) as IrComp, rootTask, '', rootTask.start, 0);
    rootTask.end = r.end + this.gap;
    rootTask.final = r.failed ? 'FAILED' : 'SUCCEEDED';
    return { plan, end: rootTask.end + this.gap, failed };
  }

  private listJobs(res: http.ServerResponse, u: URL): void {
    if (!this.permission(res, 'aiplatform.pipelineJobs.list', this.parent)) return;
    const now = Date.now();
    let list = [...this.jobs.entries()].map(([id, r]) => this.jobAt(id, r, now));
    const filter = u.searchParams.get('filter');
    if (filter) {
      const f = parseFilter(filter);
      if (typeof f === 'string') return this.error(res, 400, 'INVALID_ARGUMENT', f);
      list = list.filter((j) => f.every((c) => c(j)));
    }
    // pipeline_service.proto ListPipelineJobsRequest.order_by: default "create time in descending order".
    list.sort((a, b) => String(b.createTime).localeCompare(String(a.createTime)) || String(b.name).localeCompare(String(a.name)));
    const size = Number(u.searchParams.get('pageSize') || 100);
    const offset = u.searchParams.get('pageToken') ? Number(Buffer.from(u.searchParams.get('pageToken')!, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) return this.error(res, 400, 'INVALID_ARGUMENT', 'Invalid page token.');
    const page = list.slice(offset, offset + size).map((j) => {
      // job_detail: "Not available in the list view".
      const { jobDetail: _omit, ...rest } = j;
      return applyMask(rest, u.searchParams.get('readMask'));
    });
    const out: Record<string, unknown> = { pipelineJobs: page };
    if (offset + size < list.length) out.nextPageToken = Buffer.from(String(offset + size)).toString('base64url');
    this.answer(res, 'ListPipelineJobsResponse', out);
  }

  // ---- schedules --------------------------------------------------------------

  private createSchedule(res: http.ServerResponse, body: Buffer): void {
    if (!this.permission(res, 'aiplatform.schedules.create', this.parent) || !this.permission(res, 'aiplatform.pipelineJobs.create', this.parent)) return;
    let s: Record<string, unknown>;
    try { s = JSON.parse(body.toString('utf8')) as Record<string, unknown>; } catch { return this.error(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'); }
    const problems = checkMessage(`${AIP}.Schedule`, s, 'schedule');
    if (problems.length) return this.error(res, 400, 'INVALID_ARGUMENT', problems.join('\n'));
    const missing = missingRequired(`${AIP}.Schedule`, s, 'schedule');
    if (missing.length) return this.error(res, 400, 'INVALID_ARGUMENT', `Missing required fields: ${missing.join(', ')}`);
    const req = s.createPipelineJobRequest as { parent?: string; pipelineJob?: Record<string, unknown>; pipelineJobId?: string } | undefined;
    if (!req) return this.error(res, 400, 'INVALID_ARGUMENT', 'schedule.create_pipeline_job_request is required for a pipeline schedule.');
    if (!req.parent) return this.error(res, 400, 'INVALID_ARGUMENT', 'schedule.create_pipeline_job_request.parent is required.');
    // schedule.proto: "User-specified ID is not supported in the request template."
    if (req.pipelineJobId) return this.error(res, 400, 'INVALID_ARGUMENT', 'User-specified ID is not supported in the request template.');
    const cron = typeof s.cron === 'string' ? s.cron : '';
    const next = nextCron(cron, Date.now());
    if (typeof next === 'string') return this.error(res, 400, 'INVALID_ARGUMENT', next);
    const id = String(BigInt.asUintN(62, BigInt(Date.now()) * 7919n + BigInt(this.schedules.size)));
    const now = Date.now();
    const rec: ScheduleRec = { s: { ...s, name: `${this.parent}/schedules/${id}`, state: 'ACTIVE', createTime: iso(now), updateTime: iso(now), startedRunCount: '0' }, created: now, runs: [], lastDue: now };
    if (!s.startTime) rec.s.startTime = iso(now);
    this.schedules.set(id, rec);
    this.answer(res, 'Schedule', this.scheduleOut(rec));
  }

  private scheduleOut(rec: ScheduleRec): Record<string, unknown> {
    const out = { ...rec.s };
    if (out.state === 'ACTIVE') { const n = nextCron(String(out.cron), Math.max(Date.now(), rec.lastDue ?? 0)); if (typeof n === 'number') out.nextRunTime = iso(n); }
    out.startedRunCount = String(rec.runs.length);
    if (rec.runs.length) out.lastScheduledRunResponse = { scheduledRunTime: this.jobs.get(rec.runs[rec.runs.length - 1])?.job.createTime, runResponse: `${this.parent}/pipelineJobs/${rec.runs[rec.runs.length - 1]}` };
    return out;
  }

  private listSchedules(res: http.ServerResponse, u: URL): void {
    if (!this.permission(res, 'aiplatform.schedules.list', this.parent)) return;
    this.tick();
    const list = [...this.schedules.values()].sort((a, b) => b.created - a.created).map((r) => this.scheduleOut(r));
    const size = Number(u.searchParams.get('pageSize') || 100);
    const offset = u.searchParams.get('pageToken') ? Number(Buffer.from(u.searchParams.get('pageToken')!, 'base64url').toString()) : 0;
    const out: Record<string, unknown> = { schedules: list.slice(offset, offset + size) };
    if (offset + size < list.length) out.nextPageToken = Buffer.from(String(offset + size)).toString('base64url');
    this.answer(res, 'ListSchedulesResponse', out);
  }

  /** Starts the runs schedules owe by now (one per due slot, within max concurrency and max run count). */
  tick(now = Date.now()): void {
    for (const [sid, rec] of this.schedules) {
      if (rec.s.state !== 'ACTIVE') continue;
      let from = rec.lastDue ?? rec.created;
      for (let guard = 0; guard < 100; guard++) {
        const due = nextCron(String(rec.s.cron), from);
        if (typeof due === 'string' || due > now) break;
        const max = Number(rec.s.maxRunCount ?? 0);
        if (max && rec.runs.length >= max) { rec.s.state = 'COMPLETED'; break; }
        if (rec.s.endTime && due > Date.parse(String(rec.s.endTime))) { rec.s.state = 'COMPLETED'; break; }
        const active = rec.runs.filter((id) => { const j = this.jobs.get(id); return j && now < j.end && j.cancelledAt === undefined; }).length;
        if (active >= Number(rec.s.maxConcurrentRunCount ?? 1)) break;
        const req = rec.s.createPipelineJobRequest as { pipelineJob?: Record<string, unknown> };
        const job = { ...(req.pipelineJob ?? {}) };
        const jid = `${String(job.displayName ?? 'run').toLowerCase().replace(/[^-a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'run'}-${new Date(due).toISOString().replace(/\D/g, '').slice(0, 14)}`;
        const spec = job.pipelineSpec as Record<string, unknown>;
        const rc = (job.runtimeConfig ?? {}) as { parameterValues?: Record<string, unknown> };
        const { plan, end, failed } = this.plan(spec, jid, due, rc.parameterValues ?? {});
        this.jobs.set(jid, { job: { ...job, name: `${this.parent}/pipelineJobs/${jid}`, createTime: iso(due), updateTime: iso(due), scheduleName: `${this.parent}/schedules/${sid}`, state: 'PIPELINE_STATE_QUEUED' }, created: due, plan, end, failed });
        rec.runs.push(jid);
        from = due;
        rec.lastDue = due;
      }
    }
  }

  // ---- Cloud Logging ------------------------------------------------------------

  /** Every log entry of every step that has started by `now`, in timestamp order. */
  private logEntries(now: number): logging_v2.Schema$LogEntry[] {
    const out: logging_v2.Schema$LogEntry[] = [];
    const per = this.options.logLines ?? 6;
    for (const [id, rec] of this.jobs) {
      for (const t of rec.plan) {
        if (!t.customJob || now < t.start) continue;
        const jobId = t.customJob.split('/').pop()!;
        const until = Math.min(now, rec.cancelledAt ?? Infinity, t.end);
        for (let i = 0; i < per; i++) {
          const ts = t.start + ((t.end - t.start) * i) / per;
          if (ts > until) break;
          const last = i === per - 1;
          out.push({
            logName: `projects/${this.project}/logs/workerpool0-0`, insertId: `${jobId.slice(-8)}${String(i).padStart(4, '0')}`,
            timestamp: iso(ts), receiveTimestamp: iso(ts + 50), severity: last && t.final === 'FAILED' ? 'ERROR' : 'INFO',
            resource: { type: 'ml_job', labels: { job_id: jobId, project_id: this.project, task_name: 'workerpool0-0' } },
            jsonPayload: { message: last ? (t.final === 'FAILED' ? `${t.taskName}: error: the step failed (exit 1)` : `${t.taskName}: done`) : `${t.taskName} of ${id}: line ${i + 1}`, attrs: { tag: 'workerpool0-0' }, levelname: 'INFO' },
          });
        }
      }
    }
    return out.sort((a, b) => String(a.timestamp).localeCompare(String(b.timestamp)) || String(a.insertId).localeCompare(String(b.insertId)));
  }

  private entriesList(res: http.ServerResponse, body: Buffer): void {
    let req: logging_v2.Schema$ListLogEntriesRequest;
    try { req = JSON.parse(body.toString('utf8')) as logging_v2.Schema$ListLogEntriesRequest; } catch { return this.error(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'); }
    const allowed = new Set(['resourceNames', 'filter', 'orderBy', 'pageSize', 'pageToken', 'projectIds']);
    const unknown = Object.keys(req).find((k) => !allowed.has(k));
    if (unknown) return this.error(res, 400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`);
    if (!req.resourceNames?.length) return this.error(res, 400, 'INVALID_ARGUMENT', 'resource_names is required.');
    // logging.proto ListLogEntriesRequest.page_size: "Default is 50. If the value is negative or exceeds 1000, the request is rejected."
    const size = req.pageSize ?? 50;
    if (size < 0 || size > 1000) return this.error(res, 400, 'INVALID_ARGUMENT', `page_size must be between 0 and 1000, got ${size}.`);
    const cond = parseLogFilter(req.filter ?? '');
    if (typeof cond === 'string') return this.error(res, 400, 'INVALID_ARGUMENT', cond);
    let entries = this.logEntries(Date.now()).filter((e) => cond(e));
    if (req.orderBy === 'timestamp desc') entries = entries.reverse();
    else if (req.orderBy && req.orderBy !== 'timestamp asc') return this.error(res, 400, 'INVALID_ARGUMENT', `Invalid order_by "${req.orderBy}": only "timestamp asc" and "timestamp desc" are supported.`);
    const offset = req.pageToken ? Number(Buffer.from(req.pageToken, 'base64url').toString()) : 0;
    const out: logging_v2.Schema$ListLogEntriesResponse = { entries: entries.slice(offset, offset + (size || 50)) };
    if (offset + (size || 50) < entries.length) out.nextPageToken = Buffer.from(String(offset + (size || 50))).toString('base64url');
    this.send(res, 200, out);
  }

  // ---- templates ----------------------------------------------------------------

  private templateUpload(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    const ct = String(req.headers['content-type'] ?? '');
    const boundary = /boundary=(.+)$/.exec(ct)?.[1];
    if (!boundary) return this.error(res, 400, 'INVALID_ARGUMENT', 'Expected multipart/form-data.');
    const parts = parseMultipart(body, boundary);
    const content = parts.get('content');
    if (!content) return this.error(res, 400, 'INVALID_ARGUMENT', 'The upload has no "content" part.');
    let spec: { pipelineInfo?: { name?: string } };
    try { spec = parseSpec(content); } catch (e) { return this.error(res, 400, 'INVALID_ARGUMENT', `The uploaded file is not a KFP pipeline: ${(e as Error).message}`); }
    // The package is named after the pipeline (pipelineInfo.name): the rule of this emulator (UNCONFIRMED).
    const pkg = String(spec.pipelineInfo?.name ?? 'pipeline');
    const version = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const rec = this.templates.get(pkg) ?? { versions: new Map(), tags: new Map(), created: iso(Date.now()) };
    this.templates.set(pkg, rec);
    rec.versions.set(version, { content, created: iso(Date.now()), description: typeof req.headers.description === 'string' ? req.headers.description : undefined });
    for (const tag of (parts.get('tags')?.toString('utf8') ?? '').split(',').map((t) => t.trim()).filter(Boolean)) rec.tags.set(tag, version);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${pkg}/${version}`);
  }

  private resolveTemplate(uri: string): { content: Buffer; version: string } | string {
    const m = /\/kfp\/[^/]+\/[^/]+\/[^/]+\/([^/]+)\/([^/]+)$/.exec(new URL(uri).pathname);
    if (!m) return `Template ${uri} is not in a repository this emulator serves.`;
    const pkg = this.templates.get(decodeURIComponent(m[1]));
    const ref = decodeURIComponent(m[2]);
    const version = ref.startsWith('sha256:') ? ref : pkg?.tags.get(ref);
    const v = version ? pkg?.versions.get(version) : undefined;
    if (!v || !version) return `Template ${uri} was not found.`;
    return { content: v.content, version };
  }

  private templateDownload(res: http.ServerResponse, pkg: string, ref: string): void {
    const p = this.templates.get(pkg);
    const version = ref.startsWith('sha256:') ? ref : p?.tags.get(ref);
    const v = version ? p?.versions.get(version) : undefined;
    if (!v) return this.error(res, 404, 'NOT_FOUND', `Requested entity was not found.`);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(v.content);
  }

  private arList(res: http.ServerResponse, repo: string, pkg: string | undefined, what: string | undefined): void {
    if (!pkg) return this.send(res, 200, { packages: [...this.templates.entries()].map(([n, p]) => ({ name: `${repo}/packages/${n}`, displayName: n, createTime: p.created, updateTime: p.created })) });
    const p = this.templates.get(pkg);
    if (!p) return this.error(res, 404, 'NOT_FOUND', `Package ${repo}/packages/${pkg} not found.`);
    const tagsOf = (v: string) => [...p.tags.entries()].filter(([, x]) => x === v).map(([t]) => ({ name: `${repo}/packages/${pkg}/tags/${t}`, version: `${repo}/packages/${pkg}/versions/${v}` }));
    if (what === 'versions') return this.send(res, 200, { versions: [...p.versions.entries()].sort((a, b) => b[1].created.localeCompare(a[1].created)).map(([v, x]) => ({ name: `${repo}/packages/${pkg}/versions/${v}`, description: x.description, createTime: x.created, updateTime: x.created, relatedTags: tagsOf(v) })) });
    if (what === 'tags') return this.send(res, 200, { tags: [...p.tags.entries()].map(([t, v]) => ({ name: `${repo}/packages/${pkg}/tags/${t}`, version: `${repo}/packages/${pkg}/versions/${v}` })) });
    return this.send(res, 200, { name: `${repo}/packages/${pkg}`, displayName: pkg, createTime: p.created });
  }
}

// ---- helpers ------------------------------------------------------------------

function topo(tasks: Record<string, IrTask>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string, depth: number) => {
    if (seen.has(k) || !tasks[k] || depth > 1000) return;
    seen.add(k);
    const t = tasks[k];
    const ups = new Set<string>(t.dependentTasks ?? []);
    for (const p of Object.values(t.inputs?.parameters ?? {})) { const x = p.taskOutputParameter?.producerTask ?? p.taskFinalStatus?.producerTask; if (x) ups.add(x); }
    for (const a of Object.values(t.inputs?.artifacts ?? {})) { const x = a.taskOutputArtifact?.producerTask; if (x) ups.add(x); }
    for (const u of ups) visit(u, depth + 1);
    out.push(k);
  };
  for (const k of Object.keys(tasks)) visit(k, 0);
  return out;
}

function loopCount(t: IrTask, params: Record<string, unknown>): number {
  const raw = t.parameterIterator?.items?.raw;
  if (raw) { try { const v = JSON.parse(raw) as unknown; if (Array.isArray(v)) return v.length; } catch { /* below */ } }
  const p = t.parameterIterator?.items?.inputParameter;
  const name = p?.replace(/^pipelinechannel--/, '');
  const v = name ? params[name] : undefined;
  if (Array.isArray(v)) return v.length;
  return 3;
}

const CAMEL: Record<string, string> = { display_name: 'displayName', pipeline_name: 'pipelineName', schedule_name: 'scheduleName', template_uri: 'templateUri', create_time: 'createTime' };

/** The AIP-160 subset pipeline_service.proto documents for ListPipelineJobs, joined by AND. */
function parseFilter(filter: string): Array<(j: Record<string, unknown>) => boolean> | string {
  const out: Array<(j: Record<string, unknown>) => boolean> = [];
  for (const term of filter.split(/\s+AND\s+/)) {
    const m = /^\s*([a-zA-Z_.-]+)\s*(!=|=|:)\s*"([^"]*)"\s*$/.exec(term);
    if (!m) return `Unsupported filter term "${term}" in this emulator.`;
    const [, field, op, value] = m;
    let get: (j: Record<string, unknown>) => unknown;
    if (field.startsWith('labels.')) { const k = field.slice(7); get = (j) => (j.labels as Record<string, string> | undefined)?.[k]; }
    else if (['display_name', 'displayName', 'state', 'pipeline_name', 'pipelineName', 'schedule_name', 'scheduleName', 'template_uri', 'templateUri'].includes(field)) {
      const f = CAMEL[field] ?? field;
      get = f === 'pipelineName' ? (j) => (j.pipelineSpec as { pipelineInfo?: { name?: string } } | undefined)?.pipelineInfo?.name : (j) => j[f];
    } else return `Unsupported field "${field}" in filter.`;
    const re = op === ':' ? new RegExp(`^${value.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`) : undefined;
    out.push((j) => { const v = get(j); return op === '=' ? v === value : op === '!=' ? v !== value : typeof v === 'string' && re!.test(v); });
  }
  return out;
}

/** Only the forms the extension and gcloud send (resource.type, resource.labels.K, timestamp and insertId comparisons, AND/OR with parentheses). */
function parseLogFilter(filter: string): ((e: logging_v2.Schema$LogEntry) => boolean) | string {
  const tokens = filter.match(/\(|\)|AND|OR|[a-zA-Z_.]+\s*(?:>=|<=|!=|=|>|<)\s*"(?:[^"\\]|\\.)*"/g) ?? [];
  const rest = filter.replace(/\(|\)|AND|OR|[a-zA-Z_.]+\s*(?:>=|<=|!=|=|>|<)\s*"(?:[^"\\]|\\.)*"/g, '').trim();
  if (rest) return `Unsupported filter text "${rest.slice(0, 40)}" in this emulator.`;
  let i = 0;
  type F = (e: logging_v2.Schema$LogEntry) => boolean;
  const primary = (): F => {
    const t = tokens[i++];
    if (t === '(') { const f = or(); i++; return f; }
    const m = /^([a-zA-Z_.]+)\s*(>=|<=|!=|=|>|<)\s*"((?:[^"\\]|\\.)*)"$/.exec(t ?? '')!;
    const [, field, op, raw] = m;
    const value = raw.replace(/\\(.)/g, '$1');
    const get = (e: logging_v2.Schema$LogEntry): string | undefined => field === 'resource.type' ? e.resource?.type ?? undefined : field.startsWith('resource.labels.') ? e.resource?.labels?.[field.slice(16)] : field === 'timestamp' ? e.timestamp ?? undefined : field === 'insertId' ? e.insertId ?? undefined : field === 'logName' ? e.logName ?? undefined : undefined;
    const norm = (s: string) => (field === 'timestamp' ? new Date(s).toISOString() : s);
    return (e) => {
      const v = get(e);
      if (v === undefined) return false;
      const a = norm(v), b = norm(value);
      return op === '=' ? a === b : op === '!=' ? a !== b : op === '>' ? a > b : op === '<' ? a < b : op === '>=' ? a >= b : a <= b;
    };
  };
  const and = (): F => { let f = primary(); while (tokens[i] === 'AND') { i++; const g = primary(); const p = f; f = (e) => p(e) && g(e); } return f; };
  const or = (): F => { let f = and(); while (tokens[i] === 'OR') { i++; const g = and(); const p = f; f = (e) => p(e) || g(e); } return f; };
  if (!tokens.length) return () => true;
  try { return or(); } catch (e) { return `Invalid filter: ${(e as Error).message}`; }
}

/** FieldMask on the answer: snake_case paths, nested by ".". */
function applyMask(j: Record<string, unknown>, mask: string | null): Record<string, unknown> {
  if (!mask) return j;
  const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const out: Record<string, unknown> = {};
  for (const path of mask.split(',').map((p) => p.trim()).filter(Boolean)) {
    const segs = path.split('.').map(camel);
    let src: unknown = j;
    let dst: Record<string, unknown> = out;
    for (let k = 0; k < segs.length; k++) {
      if (!src || typeof src !== 'object') break;
      const v = (src as Record<string, unknown>)[segs[k]];
      if (v === undefined) break;
      if (k === segs.length - 1) dst[segs[k]] = v;
      else { dst[segs[k]] ??= {}; dst = dst[segs[k]] as Record<string, unknown>; src = v; }
    }
  }
  return out;
}

/**
 * Five-field Unix cron (minute hour day month weekday; schedule.proto: an optional "CRON_TZ=" or "TZ=" prefix names
 * an IANA zone), the next minute after `from` whose wall-clock time in the zone matches. Numbers, ranges, steps and
 * lists only (names such as MON are not read by this emulator).
 */
export function nextCron(expr: string, from: number): number | string {
  const m = /^(?:(?:CRON_TZ|TZ)=(\S+)\s+)?(.+)$/.exec(expr.trim());
  if (!m) return `Invalid cron "${expr}".`;
  const zone = m[1] ?? 'UTC';
  let wallOf: (t: number) => { mi: number; h: number; d: number; mo: number; wd: number };
  try {
    const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    wallOf = (t) => { const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value])); return { mi: Number(p.minute), h: Number(p.hour), d: Number(p.day), mo: Number(p.month), wd: days.indexOf(p.weekday) }; };
  } catch { return `Invalid time zone "${zone}" in cron "${expr}".`; }
  const f = m[2].trim().split(/\s+/);
  if (f.length !== 5) return `Invalid cron "${expr}": expected 5 fields (minute hour day-of-month month day-of-week).`;
  const ranges: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
  const sets: Array<Set<number>> = [];
  for (let i = 0; i < 5; i++) {
    const s = new Set<number>();
    for (const part of f[i].split(',')) {
      const pm = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
      if (!pm) return `Invalid cron "${expr}": cannot read "${part}".`;
      const [lo, hi] = ranges[i];
      const a = pm[1] === '*' ? lo : Number(pm[1]);
      const b = pm[2] !== undefined ? Number(pm[2]) : pm[1] === '*' || pm[3] ? hi : a;
      const step = pm[3] ? Number(pm[3]) : 1;
      if (a < lo || b > hi || a > b || step < 1) return `Invalid cron "${expr}": "${part}" is out of range ${lo}-${hi}.`;
      for (let x = a; x <= b; x += step) s.add(i === 4 && x === 7 ? 0 : x);
    }
    sets.push(s);
  }
  let t = Math.floor(from / 60000) * 60000 + 60000;
  for (let n = 0; n < 366 * 24 * 60; n++, t += 60000) {
    const w = wallOf(t);
    // Vixie cron: when both day fields are restricted, either may match.
    const day = f[2] !== '*' && f[4] !== '*' ? sets[2].has(w.d) || sets[4].has(w.wd) : sets[2].has(w.d) && sets[4].has(w.wd);
    if (sets[0].has(w.mi) && sets[1].has(w.h) && day && sets[3].has(w.mo)) return t;
  }
  return `Cron "${expr}" never fires.`;
}

function parseMultipart(body: Buffer, boundary: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const sep = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(sep);
  while (pos >= 0) {
    const next = body.indexOf(sep, pos + sep.length);
    if (next < 0) break;
    const part = body.subarray(pos + sep.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]+)"/.exec(headers)?.[1];
      if (name) out.set(name, part.subarray(headerEnd + 4));
    }
    pos = next;
  }
  return out;
}

function parseSpec(content: Buffer): { pipelineInfo?: { name?: string }; root?: unknown } {
  const text = content.toString('utf8');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('yaml') as typeof import('yaml');
  const doc = (text.trim().startsWith('{') ? JSON.parse(text) : yaml.parse(text)) as { pipelineInfo?: { name?: string }; root?: unknown; pipeline_spec?: unknown };
  const spec = (doc.pipeline_spec ?? doc) as { pipelineInfo?: { name?: string }; root?: unknown };
  if (!spec || typeof spec.root !== 'object') throw new Error('it has no pipeline root (compile it with the KFP v2 SDK)');
  return spec;
}

