// A loopback emulator of the Kubeflow Pipelines API server (and, optionally,
// of the UI server and a Kubeflow gateway in front of it), for tests and the
// demo only: the extension never depends on it. It follows the official
// swagger (checked on every request and response when ../shared/kfp-api is
// there) and reproduces the real server's behaviour, quirks included: see
// ../shared/kfp-reference.md sections 1 and 8.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { PipelineTaskDetail, RuntimeState } from '../../src/core/kfp/types';
import { Clock } from './clock';
import { Spec, bodySchema, check, findOperation, loadSpecs, responseSchema, unknownQuery } from './openapi';
import { loadSamplePipelines, specStruct } from './seed';
import * as m from './model';
import { ArgoRun, ArgoValidationError, compileToArgo, KfpShape, Oracle, simulate, simulateV1, workflowObject } from './argo';
import { buildMlmd, MlmdData, serveMlmd } from './mlmd';
import { KubernetesOptions, KubernetesSecrets } from './kubernetes';
import { replay, swfName } from './schedules';
import { parseCron } from '../../src/core/schedule/cron';

export interface Fault {
  /** Regular expression matched against "METHOD /path". */
  match?: string;
  status?: number;
  /** Body for a `status` fault; defaults to a google.rpc.Status. */
  body?: string;
  latencyMs?: number;
  drop?: boolean;
  /** Let the request start, then cut the connection after this many ms (a stream that breaks). */
  dropAfterMs?: number;
  malformed?: boolean;
  /** A slow link: the (otherwise normal) answer is sent at this many bytes per second, in 64 KiB pieces. */
  bytesPerSecond?: number;
  /** How many requests it applies to; unlimited when absent. */
  count?: number;
}

export interface EmulatorOptions {
  port?: number;
  /** Serve only v1beta1 (a KFP 1.x server). */
  apiVersion?: 'v2beta1' | 'v1beta1';
  /** Answer as the KFP UI server does (own healthz, 403 on workflows, 410 on /_proxy). */
  uiServer?: boolean;
  /** Serve everything under this prefix, as a Kubeflow platform serves KFP under /pipeline. */
  basePath?: string;
  /** Multi-user mode: requests need an identity, lists need a namespace. */
  multiUser?: boolean;
  /** Bearer tokens accepted, mapped to user IDs (multi-user). */
  tokens?: Record<string, string>;
  /** Session cookie values accepted, mapped to user IDs; redirects to sign-in without one (a gateway). */
  sessions?: Record<string, string>;
  cookieName?: string;
  /** Namespaces each user may use (multi-user). */
  access?: Record<string, string[]>;
  /** Seeded data: 'samples' (default), or 'none'. */
  seed?: 'samples' | 'none';
  /** Extra runs to seed in the first experiment (benchmarks). */
  extraRuns?: number;
  /** How long a new run takes to finish, in ms of the emulator's clock. */
  runDurationMs?: number;
  /** Validate traffic against ../shared/kfp-api (default: when present). */
  validate?: boolean;
  /** The version healthz reports (default 2.5.0). */
  serverVersion?: string;
  /** The Kubernetes secrets routes (namespaces that exist, tokens refused). */
  kubernetes?: KubernetesOptions;
  /** Pods of runs finished longer ago than this (ms of the emulator clock) are gone from Kubernetes; their logs are archived. Default 10 minutes. */
  podRetentionMs?: number;
  /** Iterations of every ParallelFor (default: the raw list's length, else 3): large fan-outs for tests and benchmarks. */
  loopIterations?: number;
  /** Which KFP backend generation compiles and runs v2 pipelines (Argo node shapes differ): 2.3, 2.5 or 2.17 (default). */
  kfpVersion?: KfpShape;
  /** Outcomes that are the cluster's state rather than the pipeline's (e.g. which step the driver finds in the cache). */
  oracle?: Partial<Oracle>;
  /** Argo's POD_NAMES: v2 (default, {workflow}-{template}-{hash}) or v1 (the node ID). */
  podNames?: 'v1' | 'v2';
  /** Argo offloads node status to its database: the workflow carries none (status.offloadNodeStatusVersion). */
  offloadNodeStatus?: boolean;
  /** Node status larger than this many bytes is sent as status.compressedNodes (Argo packer.go; default 1 MiB). */
  compressNodesAbove?: number;
  /** Log lines each running step writes per second of the emulator clock (default 5). */
  logLinesPerSecond?: number;
  /** Keep the state in this JSON file: loaded at start when it exists, written after every change. */
  stateFile?: string;
  log?: (line: string) => void;
}

/** A v2 run's workflow at the emulator's now: the simulation, how far it has got (`u`, in its units), and the clock mapping. */
interface WfView { name: string; run?: ArgoRun; invalid?: string; u: number; t0: number; msPerUnit: number; cancelAt?: number; toIso: (u: number) => string; v1Spec?: Record<string, unknown> }

/** The Argo workflow name KFP gives a run: the pipeline name and a random suffix (generateName). */
export function workflowName(pipelineName: string, runId: string): string {
  return `${pipelineName.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${runId.replace(/-/g, '').slice(0, 5)}`;
}

interface Reply { status: number; body?: unknown; text?: string; headers?: Record<string, string> }

class ApiError extends Error {
  constructor(readonly status: number, readonly grpcCode: number, message: string) { super(message); }
}
const bad = (msg: string) => new ApiError(400, 3, msg);
const notFound = (msg: string) => new ApiError(404, 5, msg);

const GRPC_FOR_STATUS: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 500: 13, 501: 12, 503: 14 };

/** Go's url.QueryUnescape: '+' is a space, a bad escape is an error. */
export function goQueryUnescape(s: string): string {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) throw bad(`invalid URL escape in filter`);
  try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { throw bad('invalid URL escape in filter'); }
}

const OPS: Record<string, string> = { '1': 'EQUALS', '2': 'NOT_EQUALS', '3': 'GREATER_THAN', '5': 'GREATER_THAN_EQUALS', '6': 'LESS_THAN', '7': 'LESS_THAN_EQUALS', '8': 'IN', '9': 'IS_SUBSTRING' };

type Getter<T> = (x: T) => string | number | undefined;

export class KfpEmulator {
  readonly clock = new Clock();
  private server?: http.Server;
  private specs?: Spec[];
  private faults: Fault[] = [];
  readonly violations: string[] = [];
  readonly requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
  readonly knownDeviations = new Set<string>();
  private idCounter = 0;

  pipelines: m.PipelineRec[] = [];
  versions: m.VersionRec[] = [];
  experiments: m.ExperimentRec[] = [];
  runs: m.RunRec[] = [];
  recurring: m.RecurringRec[] = [];
  /** The cluster's secrets (served on the Kubernetes routes beside pod logs and workflows). */
  readonly kube: KubernetesSecrets;

  constructor(readonly options: EmulatorOptions = {}) {
    this.kube = new KubernetesSecrets(options.kubernetes);
    if (options.validate !== false) this.specs = loadSpecs();
    if (options.validate === true && !this.specs) throw new Error('validation asked for, but ../shared/kfp-api is absent');
    this.reset();
    if (options.stateFile && fs.existsSync(options.stateFile)) {
      const saved = JSON.parse(fs.readFileSync(options.stateFile, 'utf8')) as Pick<KfpEmulator, 'pipelines' | 'versions' | 'experiments' | 'runs' | 'recurring'>;
      Object.assign(this, { pipelines: saved.pipelines, versions: saved.versions, experiments: saved.experiments, runs: saved.runs, recurring: saved.recurring });
    }
  }

  private save(): void {
    if (!this.options.stateFile) return;
    const { pipelines, versions, experiments, runs, recurring } = this;
    fs.writeFileSync(this.options.stateFile, JSON.stringify({ pipelines, versions, experiments, runs, recurring }));
  }

  get validating(): boolean { return Boolean(this.specs); }
  get url(): string {
    const a = this.server?.address() as AddressInfo | undefined;
    if (!a) throw new Error('emulator not started');
    return `http://127.0.0.1:${a.port}${this.options.basePath ?? ''}`;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => { void this.handle(req, res); });
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(this.options.port ?? 0, '127.0.0.1', resolve));
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  addFault(f: Fault): void { this.faults.push({ ...f }); }
  clearFaults(): void { this.faults = []; }

  private id(): string {
    this.idCounter++;
    return randomUUID();
  }

  // ---- seed -------------------------------------------------------------

  reset(): void {
    this.pipelines = []; this.versions = []; this.experiments = []; this.runs = []; this.recurring = [];
    this.violations.length = 0;
    this.requests.length = 0;
    if (this.options.seed === 'none') return;
    const now = this.clock.now();
    const ns = this.options.multiUser ? 'kubeflow-user-example-com' : undefined;
    const samples = loadSamplePipelines();
    samples.forEach((s, i) => {
      const t = now - (samples.length - i) * 3600_000 * 6;
      const p: m.PipelineRec = { id: this.id(), name: s.name, displayName: s.name, description: s.description, createdAt: t };
      this.pipelines.push(p);
      const versions = i % 3 === 0 ? 3 : 1;
      for (let k = 0; k < versions; k++) {
        const vname = k === 0 ? s.name : `${s.name}-v${k + 1}`;
        this.versions.push({ id: this.id(), pipelineId: p.id, name: vname, displayName: vname, createdAt: t + k * 60_000, spec: s.spec });
      }
    });
    const exps = ['Default', 'churn-model', 'nightly-retraining', 'hyperparameter-sweep'];
    exps.forEach((name, i) => this.experiments.push({
      id: this.id(), displayName: name, description: i === 0 ? 'All runs created without specifying an experiment will be grouped here.' : undefined,
      createdAt: now - (10 - i) * 86400_000, namespace: ns, storage: 'AVAILABLE',
    }));
    this.experiments.push({ id: this.id(), displayName: 'old-baseline', createdAt: now - 30 * 86400_000, namespace: ns, storage: 'ARCHIVED' });
    // Runs in every state.
    const kinds: Array<{ final: RuntimeState; age: number; duration: number; error?: string }> = [
      { final: 'SUCCEEDED', age: 7200_000, duration: 600_000 },
      { final: 'FAILED', age: 6000_000, duration: 300_000, error: 'task "train" failed: exit status 1' },
      { final: 'RUNNING', age: 60_000, duration: 0 },
      { final: 'PENDING', age: 5_000, duration: 0 },
      { final: 'CANCELED', age: 5000_000, duration: 120_000, error: 'terminated' },
      { final: 'SKIPPED', age: 4000_000, duration: 1_000 },
      { final: 'CANCELING', age: 30_000, duration: 0 },
      { final: 'PAUSED', age: 20_000, duration: 0 },
      { final: 'SUCCEEDED', age: 3000_000, duration: 900_000 },
      { final: 'RUNNING', age: 10_000, duration: 0 },
    ];
    const available = this.experiments.filter((e) => e.storage === 'AVAILABLE');
    kinds.forEach((k, i) => {
      const exp = available[i % available.length];
      const version = this.versions[i % this.versions.length];
      const created = now - k.age;
      const plan: m.PlanStep[] = [{ state: 'PENDING', at: created }];
      if (k.final === 'PENDING') plan.push({ state: 'RUNNING', at: created + 60_000 }, { state: 'SUCCEEDED', at: created + 3600_000 });
      else plan.push({ state: k.final === 'PAUSED' ? 'PAUSED' : 'RUNNING', at: created + 2_000 });
      if (m.TERMINAL.has(k.final)) plan.push({ state: k.final, at: created + k.duration, error: k.error });
      if (k.final === 'CANCELING') plan.push({ state: 'CANCELING', at: created + 20_000 });
      if (k.final === 'RUNNING') plan.push({ state: 'SUCCEEDED', at: created + 3600_000 });
      this.runs.push({
        id: this.id(), displayName: `${this.pipelineOf(version)?.displayName ?? 'run'} ${i + 1}`, experimentId: exp.id, namespace: ns,
        createdAt: created, storage: 'AVAILABLE', versionRef: { pipelineId: version.pipelineId, versionId: version.id },
        parameters: {}, plan,
      });
      exp.lastRunCreatedAt = Math.max(exp.lastRunCreatedAt ?? 0, created);
    });
    if (this.runs[0]) this.runs.push({ ...this.runs[0], id: this.id(), displayName: 'archived run', storage: 'ARCHIVED' });
    const extra = this.options.extraRuns ?? 0;
    if (extra > 0 && available[0]) {
      const exp = available[0];
      const version = this.versions[0];
      for (let i = 0; i < extra; i++) {
        const created = now - (extra - i) * 60_000;
        this.runs.push({
          id: this.id(), displayName: `bulk run ${i + 1}`, experimentId: exp.id, namespace: ns, createdAt: created, storage: 'AVAILABLE',
          versionRef: version ? { pipelineId: version.pipelineId, versionId: version.id } : undefined,
          plan: [{ state: 'PENDING', at: created }, { state: 'RUNNING', at: created + 1000 }, { state: i % 10 === 3 ? 'FAILED' : 'SUCCEEDED', at: created + 30_000, error: i % 10 === 3 ? 'exit status 1' : undefined }],
        });
      }
    }
    const v0 = this.versions[0];
    if (v0 && available[2]) {
      this.recurring.push({
        id: this.id(), displayName: 'nightly retrain', experimentId: available[2].id, namespace: ns, createdAt: now - 86400_000, updatedAt: now - 86400_000,
        enabled: true, versionRef: { pipelineId: v0.pipelineId, versionId: v0.id }, trigger: { cron: '0 0 2 * * *' }, maxConcurrency: 1, noCatchup: true,
      });
      this.recurring.push({
        id: this.id(), displayName: 'hourly eval (paused)', experimentId: available[2].id, namespace: ns, createdAt: now - 3600_000, updatedAt: now - 3600_000,
        enabled: false, versionRef: { pipelineId: v0.pipelineId, versionId: v0.id }, trigger: { intervalSecond: 3600 }, maxConcurrency: 3,
      });
    }
  }

  private pipelineOf(v: m.VersionRec): m.PipelineRec | undefined { return this.pipelines.find((p) => p.id === v.pipelineId); }

  // ---- HTTP -------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/_emulator/')) return this.control(method, url, raw, res);
    this.requests.push({ method, url: req.url ?? '', headers: req.headers });
    this.options.log?.(`${method} ${req.url}`);

    const key = `${method} ${url.pathname}`;
    const fault = this.faults.find((f) => !f.match || new RegExp(f.match).test(key));
    const slowLink = fault?.bytesPerSecond;
    if (fault) {
      if (fault.count !== undefined && --fault.count <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
      if (fault.drop) { req.socket.destroy(); return; }
      if (fault.dropAfterMs !== undefined) setTimeout(() => req.socket.destroy(), fault.dropAfterMs);
      if (fault.malformed) { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"runs": [{"run_id": "x", '); return; }
      if (fault.status) {
        const body = fault.body ?? JSON.stringify({ code: GRPC_FOR_STATUS[fault.status] ?? 2, message: `injected fault ${fault.status}`, details: [] });
        res.writeHead(fault.status, { 'content-type': 'application/json' }); res.end(body); return;
      }
    }

    let km: RegExpMatchArray | null;
    if (method === 'GET' && (km = url.pathname.match(/^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/workflows$/))) return send(res, this.workflows(url.searchParams));
    const kube = this.kube.handle(method, url.pathname, raw, req.headers.authorization);
    if (kube) { res.writeHead(kube.status, { 'content-type': 'application/json' }); res.end(JSON.stringify(kube.body)); return; }
    if (method === 'GET' && (km = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/))) return this.podLog(decodeURIComponent(km[1]), decodeURIComponent(km[2]), url.searchParams, req, res, slowLink);
    // ML Metadata over gRPC-web, as the UI server's /ml_metadata.* proxy serves it (at the server's root: a Kubeflow
    // platform routes /ml_metadata outside the /pipeline prefix).
    if (method === 'POST' && (km = url.pathname.match(/^\/ml_metadata\.MetadataStoreService\/(\w+)$/))) {
      const out = serveMlmd(km[1], raw, this.mlmdStore());
      res.writeHead(out.status, out.headers);
      res.end(out.body);
      return;
    }
    const base = this.options.basePath ?? '';
    if (base && !url.pathname.startsWith(base + '/')) return send(res, { status: 404, text: '404 page not found' });
    const pathname = url.pathname.slice(base.length);

    let reply: Reply;
    try {
      this.runSchedules(this.clock.now());
      const gate = this.gateway(req, url);
      reply = gate ?? this.route(method, pathname, url.searchParams, raw, req);
    } catch (e) {
      reply = e instanceof ApiError
        ? { status: e.status, body: { code: e.grpcCode, message: e.message, details: [] } }
        : { status: 500, body: { code: 13, message: `emulator error: ${(e as Error).message}`, details: [] } };
    }
    this.validateResponse(method, pathname, reply);
    if (method !== 'GET' && reply.status < 300) this.save();
    if (slowLink) sendSlowly(res, reply, slowLink);
    else send(res, reply);
  }

  /** Kubeflow gateway and multi-user identity checks. */
  private gateway(req: http.IncomingMessage, url: URL): Reply | undefined {
    if (this.options.sessions) {
      const name = this.options.cookieName ?? 'authservice_session';
      const cookies = Object.fromEntries(String(req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).filter((p) => p.length >= 2).map(([k, ...v]) => [k, v.join('=')]));
      const user = this.options.sessions[cookies[name] ?? ''];
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!user && !(bearer && this.options.tokens?.[bearer])) {
        return { status: 302, headers: { location: `/dex/auth?client_id=kubeflow-oidc-authservice&redirect_uri=${encodeURIComponent(url.pathname)}` }, text: '' };
      }
      if (user) req.headers['kubeflow-userid'] = user;
    }
    if (!this.options.multiUser || url.pathname.endsWith('/healthz')) return undefined;
    let user = req.headers['kubeflow-userid'] as string | undefined;
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!user && bearer) {
      user = this.options.tokens?.[bearer];
      if (!user) throw new ApiError(401, 16, 'Failed to authenticate token review: token is not valid for audience pipelines.kubeflow.org');
    }
    if (!user) throw new ApiError(401, 16, 'Request header error: there is no user identity header.');
    const ns = url.searchParams.get('namespace') ?? url.searchParams.get('resource_reference_key.id');
    if (ns && this.options.access && !(this.options.access[user] ?? []).includes(ns)) {
      throw new ApiError(403, 7, `PermissionDenied: User '${user}' is not authorized with reason:  (request: &ResourceAttributes{Namespace:${ns},Verb:list,Group:pipelines.kubeflow.org,Resource:runs})`);
    }
    return undefined;
  }

  private validateResponse(method: string, pathname: string, reply: Reply): void {
    if (!this.specs || !pathname.startsWith('/apis/') || reply.body === undefined) return;
    const found = findOperation(this.specs, method, pathname);
    if (!found) return;
    const schema = responseSchema(found.op, reply.status);
    if (!schema) return;
    let problems = check(found.spec, schema, reply.body, 'response');
    if (reply.status < 300 && pathname.endsWith('/healthz')) {
      // Documented: the API server's healthz also sends commit_sha and tag_name (main.go healthzResponse).
      problems = problems.filter((p) => {
        const deviation = /response\.(commit_sha|tag_name): not a field/.test(p);
        if (deviation) this.knownDeviations.add(`${found.op.template}: ${p}`);
        return !deviation;
      });
    }
    if (problems.length) this.violate(`${method} ${pathname} → ${reply.status}: ${problems.slice(0, 5).join('; ')}`, reply);
  }

  private violate(message: string, reply?: Reply): void {
    this.violations.push(message);
    process.stderr.write(`[kfp-emulator] CONTRACT VIOLATION: ${message}\n`);
    if (reply) { reply.status = 500; reply.body = { code: 13, message: `emulator contract violation: ${message}`, details: [] }; }
  }

  private control(method: string, url: URL, raw: Buffer, res: http.ServerResponse): void {
    const body = raw.length ? JSON.parse(raw.toString('utf8')) as Record<string, unknown> : {};
    switch (`${method} ${url.pathname}`) {
      case 'POST /_emulator/faults': this.addFault(body as Fault); return send(res, { status: 200, body: { faults: this.faults.length } });
      case 'DELETE /_emulator/faults': this.clearFaults(); return send(res, { status: 200, body: {} });
      case 'POST /_emulator/clock': this.clock.advance(Number(body.advanceMs ?? 0)); return send(res, { status: 200, body: { now: new Date(this.clock.now()).toISOString() } });
      case 'POST /_emulator/reset': this.reset(); return send(res, { status: 200, body: {} });
      case 'GET /_emulator/violations': return send(res, { status: 200, body: { violations: this.violations, knownDeviations: [...this.knownDeviations] } });
      case 'GET /_emulator/requests': return send(res, { status: 200, body: { requests: this.requests.map((r) => ({ method: r.method, url: r.url })) } });
      case 'GET /_emulator/info': return send(res, { status: 200, body: { validating: this.validating, runs: this.runs.length, pipelines: this.pipelines.length } });
    }
    send(res, { status: 404, body: { message: 'unknown emulator control route' } });
  }

  private route(method: string, pathname: string, q: URLSearchParams, raw: Buffer, req: http.IncomingMessage): Reply {
    const v2 = this.options.apiVersion !== 'v1beta1';
    if (this.options.uiServer) {
      if (/^\/apis\/v[12]beta1\/healthz$/.test(pathname)) {
        return { status: 200, body: undefined, text: JSON.stringify({
          apiServerCommitHash: 'emulated', apiServerTagName: v2 ? '2.5.0' : '1.8.22', apiServerMultiUser: Boolean(this.options.multiUser),
          multi_user: Boolean(this.options.multiUser), apiServerReady: true, buildDate: 'emulated', frontendCommitHash: 'emulated', frontendTagName: v2 ? '2.5.0' : '1.8.22', pipelineStore: 'database',
        }) };
      }
      if (/^\/apis\/v[12]beta1\/(workflows|scheduledworkflows)/.test(pathname) || /reportMetrics$/.test(pathname)) return { status: 403, text: 'Forbidden' };
      if (pathname.startsWith('/_proxy/')) return { status: 410, text: 'Gone' };
    }
    if (method === 'GET' && pathname === '/k8s/pod/logs') return this.uiPodLogs(q);
    if (method === 'GET' && pathname === '/artifacts/get') return this.uiArtifact(q);
    if (pathname.startsWith('/apis/v2beta1/')) {
      if (!v2) return { status: 404, text: '404 page not found' };
      this.validateRequest(method, pathname, q, raw, req);
      return this.v2(method, pathname.slice('/apis/v2beta1'.length), q, raw, req);
    }
    if (pathname.startsWith('/apis/v1beta1/')) {
      this.validateRequest(method, pathname, q, raw, req);
      return this.v1(method, pathname.slice('/apis/v1beta1'.length), q, raw, req);
    }
    return { status: 404, text: '404 page not found' };
  }

  /**
   * The UI server's /k8s/pod/logs: the whole log from Kubernetes, else from the archive (frontend/server/handlers/pod-logs.ts).
   * The real server reads the whole log before it sends its first byte (workflow-helper.ts getPodLogsStreamFromK8s:
   * `stream.end(await getPodLogs(…))`), so this route too builds the whole text first.
   */
  private uiPodLogs(q: URLSearchParams): Reply {
    const pod = q.get('podname');
    if (!pod) return { status: 400, text: 'podname argument is required' };
    if (this.options.multiUser && !q.get('podnamespace')) return { status: 422, text: 'podnamespace argument is required' };
    const now = this.clock.now();
    const found = this.podOf(pod, now);
    if (!found) return { status: 404, text: 'pod not found' };
    const lines = this.logLines(pod, found.plan, now).map((l) => l.text).join('\n') + '\n';
    if (!this.podGone(found.run, now)) return { status: 200, text: lines };
    return { status: 200, text: lines }; // served from the archive, as the UI server does when archiveLogs is on
  }

  /**
   * The UI server's /artifacts/get?source=minio&bucket=mlpipeline&key=…
   * (frontend/server/handlers/artifacts.ts): archived logs, at the key each pod's
   * main-logs artifact records in the workflow (the artifact repository's
   * keyFormat, ../shared/kfp-reference.md 2).
   */
  private uiArtifact(q: URLSearchParams): Reply {
    const key = q.get('key') ?? '';
    const notThere = { status: 404, text: `Failed to get object in bucket ${q.get('bucket')} at path ${key}: The specified key does not exist.` };
    // Step output artifacts, at the URIs ML Metadata records for them.
    const art = /^v2\/artifacts\/[^/]+\/([^/]+)\/([^/]+)\/[^/]+\/([^/]+)$/.exec(key);
    if (art && q.get('bucket') === 'mlpipeline') {
      const data = this.mlmdStore().byRun(art[1]);
      const a = data?.artifacts.find((x) => x.uri === `minio://mlpipeline/${key}`);
      if (!a) return notThere;
      return { status: 200, text: `${art[3]},value\n${art[2]},${String(a.id)}\n` };
    }
    const m2 = /^private-artifacts\/[^/]+\/[^/]+\/\d{4}\/\d{2}\/\d{2}\/([^/]+)\/main\.log$/.exec(key);
    if (q.get('bucket') !== 'mlpipeline' || !m2) return notThere;
    const now = this.clock.now();
    const found = this.podOf(m2[1], now);
    if (!found || found.plan.end === undefined || now < found.plan.end || found.plan.key !== key) return notThere;
    return { status: 200, text: this.logLines(m2[1], found.plan, now).map((l) => l.text).join('\n') + '\n' };
  }

  private validateRequest(method: string, pathname: string, q: URLSearchParams, raw: Buffer, req: http.IncomingMessage): void {
    if (!this.specs) return;
    const found = findOperation(this.specs, method, pathname);
    if (!found) {
      this.violate(`${method} ${pathname}: no such operation in the official API`);
      throw notFound('Not Found');
    }
    const unknown = unknownQuery(found.op, q);
    if (unknown.length) this.violate(`${method} ${pathname}: ${unknown.join('; ')}`);
    const schema = bodySchema(found.op);
    const ct = String(req.headers['content-type'] ?? '');
    if (schema && raw.length && ct.startsWith('application/json')) {
      let parsed: unknown;
      try { parsed = JSON.parse(raw.toString('utf8')); } catch { throw bad('proto: syntax error (line 1:1): unexpected token'); }
      // The real server rejects unknown fields (protojson, DiscardUnknown=false).
      const problems = check(found.spec, schema, parsed, 'body');
      const unknownField = problems.find((p) => p.includes('not a field'));
      if (unknownField) throw bad(`proto: unknown field: ${unknownField}`);
      if (problems.length) throw bad(`proto: ${problems[0]}`);
    }
  }

  // ---- the workflow behind a run, and its pods' logs ------------------------

  specOf(r: m.RunRec): Record<string, unknown> | undefined {
    if (r.spec) return r.spec;
    return this.versions.find((v) => v.id === r.versionRef?.versionId)?.spec;
  }

  private readonly simulations = new Map<string, { key: string; run?: ArgoRun; invalid?: string }>();

  /**
   * The Argo Workflow behind a v2 run at `now`: the spec compiled and run by
   * Argo's rules (./argo.ts), stretched over the run's running time in the
   * emulator's plan (RUNNING at t0, finished at t1), cut at a terminate.
   */
  workflowOf(r: m.RunRec, now: number): WfView | undefined {
    const spec = this.specOf(r);
    const inner = (spec?.pipeline_spec ?? spec) as Record<string, unknown> | undefined;
    if (spec && spec.kind === 'Workflow' && (spec.spec as { templates?: unknown } | undefined)?.templates) return this.v1WorkflowOf(r, spec, now);
    if (!spec || !inner?.root) return undefined;
    const running = r.plan.find((p) => p.state === 'RUNNING');
    const refused = r.plan.find((p) => p.state === 'FAILED' && p.error?.startsWith('invalid spec:'));
    if (refused && now >= refused.at) {
      const wfName = workflowName(String((inner.pipelineInfo as { name?: string } | undefined)?.name ?? 'pipeline'), r.id);
      return { name: wfName, invalid: refused.error, u: 0, t0: refused.at, msPerUnit: 1, toIso: () => new Date(refused.at).toISOString() };
    }
    if (!running || now < running.at) return undefined;
    const end = r.plan.find((p) => m.TERMINAL.has(p.state) && p.state !== 'CANCELED');
    const t0 = running.at;
    const t1 = end?.at ?? running.at + 3600_000;
    const fail = end?.state === 'FAILED';
    const name = workflowName(String((inner.pipelineInfo as { name?: string } | undefined)?.name ?? 'pipeline'), r.id);
    const shape = this.options.kfpVersion ?? '2.17';
    const key = `${t0}:${t1}:${fail}:${shape}:${this.options.podNames ?? 'v2'}:${this.options.loopIterations ?? ''}`;
    let sim = this.simulations.get(r.id);
    if (!sim || sim.key !== key) {
      try {
        sim = {
          key,
          run: simulate(spec, name, {
            shape, podNames: this.options.podNames ?? 'v2', loopIterations: this.options.loopIterations, fail,
            createdAt: new Date(r.createdAt), namespace: r.namespace ?? 'kubeflow', oracle: this.options.oracle,
          }),
        };
      } catch (e) {
        if (!(e instanceof ArgoValidationError)) throw e;
        sim = { key, invalid: e.message };
      }
      this.simulations.set(r.id, sim);
    }
    return this.viewAt(r, sim, name, t0, t1, now);
  }

  /** A simulated run seen at `now`: its run time stretched over the plan's RUNNING … end, cut at a terminate. */
  private viewAt(r: m.RunRec, sim: { run?: ArgoRun; invalid?: string }, name: string, t0: number, t1: number, now: number, v1Spec?: Record<string, unknown>): WfView {
    if (!sim.run) return { name, invalid: sim.invalid, u: 0, t0, msPerUnit: 1, toIso: () => new Date(t0).toISOString() };
    const msPerUnit = (t1 - t0) / Math.max(1, sim.run.end);
    const s = m.runStateAt(r, now);
    const canceledAt = s.history.find((h) => h.state === 'CANCELING')?.at;
    const u = s.finishedAt !== undefined && s.state !== 'CANCELED' ? Math.max(sim.run.end, (now - t0) / msPerUnit) : (now - t0) / msPerUnit;
    return {
      name, run: sim.run, u, t0, msPerUnit, cancelAt: canceledAt !== undefined ? (canceledAt - t0) / msPerUnit : undefined, v1Spec,
      toIso: (x: number) => new Date(Math.floor((t0 + x * msPerUnit) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    };
  }

  /**
   * A KFP v1 pipeline (an Argo Workflow) run on this server, as the KFP 2 backend runs v1 templates: the
   * workflow submitted as compiled, named from its generateName (argo simulateV1).
   */
  private v1WorkflowOf(r: m.RunRec, spec: Record<string, unknown>, now: number): WfView | undefined {
    const running = r.plan.find((p) => p.state === 'RUNNING');
    if (!running || now < running.at) return undefined;
    const end = r.plan.find((p) => m.TERMINAL.has(p.state) && p.state !== 'CANCELED');
    const t0 = running.at;
    const t1 = end?.at ?? running.at + 3600_000;
    const fail = end?.state === 'FAILED';
    const meta = (spec.metadata ?? {}) as { generateName?: string; name?: string };
    const name = `${meta.generateName ?? `${meta.name ?? 'pipeline'}-`}${r.id.replace(/[^a-z0-9]/g, '').slice(0, 5)}`;
    const key = `v1:${t0}:${t1}:${fail}:${this.options.podNames ?? 'v2'}`;
    let sim = this.simulations.get(r.id);
    if (!sim || sim.key !== key) {
      try { sim = { key, run: simulateV1(spec, name, { podNames: this.options.podNames ?? 'v2', createdAt: new Date(r.createdAt), namespace: r.namespace ?? 'kubeflow', fail }) }; } catch (e) {
        if (!(e instanceof ArgoValidationError)) throw e;
        sim = { key, invalid: e.message };
      }
      this.simulations.set(r.id, sim);
    }
    return this.viewAt(r, sim, name, t0, t1, now, spec);
  }

  /** The Workflow object of a run as Kubernetes holds it (and as KFP stores it in workflow_manifest). */
  workflowJson(r: m.RunRec, view: WfView): Record<string, unknown> {
    if (!view.run) {
      // operator.go: a workflow that fails validation is marked Error with the reason and runs no node.
      return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: view.name, namespace: r.namespace ?? 'kubeflow', labels: { 'pipeline/runid': r.id } }, status: { phase: 'Error', message: view.invalid } };
    }
    return workflowObject(view.run, {
      runId: r.id, namespace: r.namespace ?? 'kubeflow', createdAt: new Date(r.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      offload: this.options.offloadNodeStatus, compressAbove: this.options.compressNodesAbove, v1Spec: view.v1Spec,
    }, view.u, view.toIso, view.cancelAt);
  }

  /**
   * run_details.task_details as the API server builds them from the stored
   * workflow (kubeflow/pipelines backend/src/apiserver/server/api_converter.go
   * toModelTasks + toApiPipelineTaskDetail, storage/task_store.go): one entry per
   * node in node-ID order, a random task_id kept per node (pod name), display name,
   * workflow creation time, node times, state through ToV2 (Omitted has none),
   * child_tasks with the node IDs of `children`, and nothing else.
   */
  taskDetailsOf(r: m.RunRec, view: WfView): PipelineTaskDetail[] {
    const wf = this.workflowJson(r, view) as { status: { nodes?: Record<string, Record<string, unknown>> } };
    const nodes = wf.status.nodes ?? {};
    const created = new Date(r.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const ids = this.taskIds.get(r.id) ?? new Map<string, string>();
    this.taskIds.set(r.id, ids);
    const V2: Record<string, RuntimeState | undefined> = { Pending: 'PENDING', Running: 'RUNNING', Succeeded: 'SUCCEEDED', Skipped: 'SKIPPED', Failed: 'FAILED', Error: 'FAILED' };
    return Object.keys(nodes).sort().map((id) => {
      const n = nodes[id] as { displayName: string; phase: string; startedAt: string; finishedAt: string | null; children?: string[] };
      if (!ids.has(id)) ids.set(id, randomUUID());
      const d: PipelineTaskDetail = {
        run_id: r.id, task_id: ids.get(id), display_name: n.displayName, create_time: created, start_time: n.startedAt,
        end_time: n.finishedAt ?? '1970-01-01T00:00:00Z',
      };
      const st = V2[n.phase];
      if (st) { d.state = st; d.state_history = [{ update_time: n.finishedAt ?? n.startedAt, state: st }]; }
      if (n.children?.length) d.child_tasks = n.children.map((c) => ({ pod_name: c }));
      return d;
    });
  }
  private readonly taskIds = new Map<string, Map<string, string>>();

  /** The MLMD records of every run that has started, by run, context and execution ID. */
  private mlmdStore(): { byRun(id: string): MlmdData | undefined; byContext(id: number): MlmdData | undefined; byExecution(id: number): MlmdData | undefined } {
    const now = this.clock.now();
    const of = (i: number): MlmdData | undefined => {
      const r = this.runs[i];
      const view = r ? this.workflowOf(r, now) : undefined;
      if (!r || !view?.run) return undefined;
      return buildMlmd(this.specOf(r)!, view.run, r.id, view.u, 100 + i, r.pipelineRoot ?? 'minio://mlpipeline/v2/artifacts');
    };
    return {
      byRun: (id) => of(this.runs.findIndex((r) => r.id === id)),
      byContext: (id) => of(id - 100),
      byExecution: (id) => of(Math.floor(id / 100_000) - 100),
    };
  }

  /** The run and the pod behind a pod name. */
  private podOf(pod: string, now: number): { run: m.RunRec; view: WfView; plan: { task: string; start: number; end?: number; state: RuntimeState; key: string } } | undefined {
    for (const r of this.runs) {
      const spec = this.specOf(r);
      const inner = (spec?.pipeline_spec ?? spec) as { pipelineInfo?: { name?: string } } | undefined;
      const v1 = spec?.kind === 'Workflow' ? (spec.metadata as { generateName?: string } | undefined)?.generateName : undefined;
      if (!inner || !(v1 ? pod.startsWith(v1) : pod.startsWith(workflowName(inner.pipelineInfo?.name ?? 'pipeline', r.id)))) continue;
      const view = this.workflowOf(r, now);
      if (!view?.run) continue;
      const node = view.run.pod(pod);
      if (!node || node.start > view.u) continue;
      const p = { podName: pod, node };
      const cut = view.cancelAt !== undefined ? Math.min(view.u, view.cancelAt) : view.u;
      const ended = p.node.end <= cut || view.cancelAt !== undefined && view.u >= view.cancelAt;
      const endUnits = p.node.end <= cut ? p.node.end : view.cancelAt;
      const state: RuntimeState = !ended ? 'RUNNING' : p.node.end <= cut ? (p.node.phase === 'Failed' ? 'FAILED' : 'SUCCEEDED') : 'FAILED';
      const task = `${p.node.pod!.irPath}${p.node.pod!.role.endsWith('driver') ? ' (driver)' : ''}`;
      return { run: r, view, plan: { task, start: view.t0 + p.node.start * view.msPerUnit, end: ended && endUnits !== undefined ? view.t0 + endUnits * view.msPerUnit : undefined, state, key: view.run!.archiveKey(pod) } };
    }
    return undefined;
  }

  /** The log of a step as far as the emulator clock has got: one line every 1/rate s while it runs. */
  logLines(pod: string, plan: { task: string; start: number; end?: number; state: RuntimeState }, until: number): Array<{ t: number; text: string }> {
    const rate = this.options.logLinesPerSecond ?? 5;
    const end = Math.min(until, plan.end ?? until);
    const out: Array<{ t: number; text: string }> = [];
    const step = 1000 / rate;
    const task = plan.task.split('/').pop();
    let i = 0;
    for (let t = plan.start; t <= end; t += step, i++) out.push({ t, text: `[${task}] step ${i}: working on ${pod.slice(-10)} <ok & "fine">` });
    if (plan.end !== undefined && until >= plan.end) out.push({ t: plan.end, text: plan.state === 'FAILED' ? `[${task}] Traceback (most recent call last): ValueError: boom` : `[${task}] done` });
    return out;
  }

  private podGone(r: m.RunRec, now: number): boolean {
    const f = m.runStateAt(r, now).finishedAt;
    return f !== undefined && now - f > (this.options.podRetentionMs ?? 600_000);
  }

  /** GET /api/v1/namespaces/{ns}/pods/{pod}/log (Kubernetes), with follow as a chunked stream. */
  private podLog(ns: string, pod: string, q: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse, slowLink?: number): void {
    const now = this.clock.now();
    const found = this.podOf(pod, now);
    const k8sError = (code: number, reason: string, message: string) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code })); };
    if (!found || this.podGone(found.run, now)) return k8sError(404, 'NotFound', `pods "${pod}" not found`);
    if (q.get('container') && q.get('container') !== 'main') return k8sError(400, 'BadRequest', `container ${q.get('container')} is not valid for pod ${pod}`);
    const timestamps = q.get('timestamps') === 'true';
    const since = q.get('sinceTime') ? Date.parse(q.get('sinceTime')!) : undefined;
    const fmt = (l: { t: number; text: string }) => `${timestamps ? new Date(l.t).toISOString().replace(/(\.\d{3})Z$/, '$1000000Z') + ' ' : ''}${l.text}\n`;
    if (slowLink && q.get('follow') !== 'true') {
      const all = this.logLines(pod, found.plan, now).filter((l) => since === undefined || l.t >= since);
      return sendSlowly(res, { status: 200, text: all.map(fmt).join('') }, slowLink);
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    let sent = 0;
    const lines = () => this.logLines(pod, found.plan, this.clock.now()).filter((l) => since === undefined || l.t >= since);
    const flush = () => { const all = lines(); for (; sent < all.length; sent++) res.write(fmt(all[sent])); };
    flush();
    if (q.get('follow') !== 'true' || found.plan.end !== undefined && this.clock.now() >= found.plan.end) { res.end(); return; }
    const timer = setInterval(() => {
      if (res.destroyed) { clearInterval(timer); return; }
      flush();
      const fresh = this.podOf(pod, this.clock.now());
      if (!fresh || fresh.plan.end !== undefined && this.clock.now() >= fresh.plan.end) { flush(); clearInterval(timer); res.end(); }
    }, 100);
    req.on('close', () => clearInterval(timer));
  }

  /** GET …/workflows?labelSelector=pipeline/runid=<id> (Kubernetes): the Argo Workflow behind a v2 run, as Argo left it (offloaded or compressed status included). */
  private workflows(q: URLSearchParams): Reply {
    const sel = /^pipeline\/runid=(.+)$/.exec(q.get('labelSelector') ?? '');
    const now = this.clock.now();
    const items = this.runs.filter((r) => !sel || r.id === sel[1]).slice(0, sel ? 1 : 50).flatMap((r) => {
      const view = this.workflowOf(r, now);
      return view ? [this.workflowJson(r, view)] : [];
    });
    return { status: 200, body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowList', metadata: {}, items } };
  }

  // ---- lists ------------------------------------------------------------

  private list<T>(items: T[], q: URLSearchParams, fields: Record<string, Getter<T>>, v1 = false): { page: T[]; next?: string; total: number } {
    const sizeRaw = q.get('page_size');
    let size = sizeRaw === null || sizeRaw === '' ? 0 : Number(sizeRaw);
    if (!Number.isInteger(size)) throw bad(`Invalid input error: page_size "${sizeRaw}" is not a number`);
    if (size < 0) throw bad('Invalid input error: The page size should be greater than 0. Got -1'.replace('-1', String(size)));
    if (size === 0) size = 20;
    if (size > 200) size = 200;
    const sortBy = q.get('sort_by') ?? '';
    const filterRaw = q.get('filter') ?? '';
    const token = q.get('page_token') ?? '';
    let offset = 0;
    let effSort = sortBy;
    let effFilter = filterRaw;
    if (token) {
      let t: { o: number; s: string; f: string };
      try { t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as typeof t; } catch { throw bad('Invalid input error: Invalid package token.'); }
      if ((sortBy && sortBy !== t.s) || (filterRaw && filterRaw !== t.f)) {
        throw bad('Invalid input error: page token does not match the supplied sort by and/or filtering criteria. Either specify the same criteria or leave the latter empty if page token is specified.');
      }
      offset = t.o; effSort = t.s; effFilter = t.f;
    }
    let out = items;
    if (effFilter) {
      const json = goQueryUnescape(effFilter);
      let f: { predicates?: Array<Record<string, unknown>> };
      try { f = JSON.parse(json) as typeof f; } catch { throw bad(`Invalid input error: failed to parse valid filter from "${json}"`); }
      for (const p of f.predicates ?? []) {
        const k = String(p.key ?? '');
        const getter = fields[k];
        if (!getter) throw bad(`Invalid input error: filter key "${k}" is not supported`);
        const opRaw = String((v1 ? p.op : p.operation) ?? (v1 ? p.operation : p.op) ?? '');
        const op = OPS[opRaw] ?? opRaw;
        const value = p.string_value ?? p.stringValue ?? p.int_value ?? p.intValue ?? p.long_value ?? p.longValue ?? p.timestamp_value ?? p.timestampValue;
        const list = ((p.string_values ?? p.stringValues ?? p.int_values ?? p.intValues) as { values?: unknown[] } | undefined)?.values;
        out = out.filter((x) => compare(getter(x), op, value, list));
      }
    }
    if (effSort) {
      const [field, dir] = effSort.trim().split(/\s+/);
      const getter = fields[field];
      if (!getter) throw bad(`Invalid input error: cannot sort by "${field}"`);
      if (dir && dir !== 'asc' && dir !== 'desc') throw bad(`Invalid input error: Received invalid sort by format "${effSort}". Supported format: "field_name", "field_name desc", or "field_name asc"`);
      const sign = dir === 'desc' ? -1 : 1;
      out = [...out].sort((a, b) => {
        const x = getter(a) ?? ''; const y = getter(b) ?? '';
        return (x < y ? -1 : x > y ? 1 : 0) * sign;
      });
    }
    const page = out.slice(offset, offset + size);
    const next = offset + size < out.length ? Buffer.from(JSON.stringify({ o: offset + size, s: effSort, f: effFilter })).toString('base64') : undefined;
    return { page, next, total: out.length };
  }

  private runFields(): Record<string, Getter<m.RunRec>> {
    const now = this.clock.now();
    return {
      run_id: (r) => r.id, id: (r) => r.id, display_name: (r) => r.displayName, name: (r) => r.displayName, created_at: (r) => r.createdAt,
      finished_at: (r) => m.runStateAt(r, now).finishedAt ?? 0, scheduled_at: (r) => r.createdAt, description: (r) => r.description ?? '',
      storage_state: (r) => r.storage, experiment_id: (r) => r.experimentId, namespace: (r) => r.namespace ?? '',
      state: (r) => m.runStateAt(r, now).state, status: (r) => m.runStateAt(r, now).state, recurring_run_id: (r) => r.recurringRunId ?? '',
    };
  }
  private pipelineFields: Record<string, Getter<m.PipelineRec>> = {
    pipeline_id: (p) => p.id, id: (p) => p.id, display_name: (p) => p.displayName, name: (p) => p.displayName, created_at: (p) => p.createdAt,
    description: (p) => p.description ?? '', namespace: (p) => p.namespace ?? '',
  };
  private versionFields: Record<string, Getter<m.VersionRec>> = {
    pipeline_version_id: (v) => v.id, id: (v) => v.id, display_name: (v) => v.displayName, name: (v) => v.displayName, created_at: (v) => v.createdAt,
    description: (v) => v.description ?? '',
  };
  private experimentFields: Record<string, Getter<m.ExperimentRec>> = {
    experiment_id: (e) => e.id, id: (e) => e.id, display_name: (e) => e.displayName, name: (e) => e.displayName, created_at: (e) => e.createdAt,
    last_run_created_at: (e) => e.lastRunCreatedAt ?? 0, description: (e) => e.description ?? '', namespace: (e) => e.namespace ?? '', storage_state: (e) => e.storage,
  };
  private recurringFields: Record<string, Getter<m.RecurringRec>> = {
    recurring_run_id: (r) => r.id, id: (r) => r.id, display_name: (r) => r.displayName, name: (r) => r.displayName, created_at: (r) => r.createdAt,
    updated_at: (r) => r.updatedAt, description: (r) => r.description ?? '', experiment_id: (r) => r.experimentId, namespace: (r) => r.namespace ?? '',
  };

  private requireNamespace(q: URLSearchParams, what: string): void {
    if (this.options.multiUser && !q.get('namespace') && !q.get('experiment_id') && q.get('resource_reference_key.type') !== 'NAMESPACE' && q.get('resource_reference_key.type') !== 'EXPERIMENT') {
      throw bad(`Invalid input error: In multi-user mode, ${what} requires filtering by namespace or experiment.`);
    }
  }

  private inNamespace<T extends { namespace?: string }>(items: T[], q: URLSearchParams): T[] {
    const ns = q.get('namespace') ?? (q.get('resource_reference_key.type') === 'NAMESPACE' ? q.get('resource_reference_key.id') : null);
    return ns ? items.filter((x) => (x.namespace ?? '') === ns) : items;
  }

  // ---- v2beta1 ------------------------------------------------------------

  private v2(method: string, p: string, q: URLSearchParams, raw: Buffer, req: http.IncomingMessage): Reply {
    const now = this.clock.now();
    const json = () => (raw.length ? JSON.parse(raw.toString('utf8')) as Record<string, unknown> : {});
    let mt: RegExpMatchArray | null;
    const ok = (body: unknown = {}): Reply => ({ status: 200, body });

    if (method === 'GET' && p === '/healthz') {
      return ok({ commit_sha: 'emulated', tag_name: this.options.serverVersion ?? '2.5.0', multi_user: Boolean(this.options.multiUser), pipeline_store: 'database' });
    }
    // pipelines
    if (method === 'GET' && p === '/pipelines') {
      const { page, next, total } = this.list(this.inNamespace(this.pipelines, q), q, this.pipelineFields);
      return ok(m.prune({ pipelines: page.map(m.pipelineJson), total_size: total, next_page_token: next }));
    }
    if (method === 'POST' && p === '/pipelines/upload') return this.upload(q, raw, req, undefined);
    if (method === 'POST' && p === '/pipelines/upload_version') return this.upload(q, raw, req, q.get('pipelineid') ?? '');
    if (method === 'POST' && p === '/pipelines') {
      const b = json();
      const name = String(b.name ?? b.display_name ?? '');
      if (!name) throw bad('Invalid input error: pipeline name is empty. Please specify a valid name');
      if (this.pipelines.some((x) => x.name === name && (x.namespace ?? '') === String(b.namespace ?? ''))) throw new ApiError(409, 6, `Failed to create a pipeline: pipeline with name ${name} already exists`);
      const rec: m.PipelineRec = { id: this.id(), name, displayName: String(b.display_name ?? name), description: b.description as string | undefined, createdAt: now, namespace: b.namespace as string | undefined };
      this.pipelines.push(rec);
      return ok(m.pipelineJson(rec));
    }
    if (method === 'GET' && (mt = p.match(/^\/pipelines\/names\/([^/]+)$/))) {
      const name = decodeURIComponent(mt[1]);
      const ns = q.get('namespace') ?? '';
      const found = this.pipelines.find((x) => x.name === name && (x.namespace ?? '') === ns);
      if (!found) throw notFound(`Failed to get a pipeline with name ${name} and namespace ${ns}: ResourceNotFoundError: Pipeline ${name} not found`);
      return ok(m.pipelineJson(found));
    }
    if ((mt = p.match(/^\/pipelines\/([^/:]+)$/))) {
      const pl = this.pipelines.find((x) => x.id === mt![1]);
      if (!pl) throw notFound(`Failed to get pipeline: ResourceNotFoundError: Pipeline ${mt[1]} not found`);
      if (method === 'GET') return ok(m.pipelineJson(pl));
      if (method === 'DELETE') {
        const versions = this.versions.filter((v) => v.pipelineId === pl.id);
        if (versions.length && q.get('cascade') !== 'true') {
          throw new ApiError(400, 9, `Failed to delete pipeline ${pl.id}: FailedPreconditionError: pipeline has ${versions.length} existing version(s); delete them first or set cascade`);
        }
        this.versions = this.versions.filter((v) => v.pipelineId !== pl.id);
        this.pipelines = this.pipelines.filter((x) => x !== pl);
        return ok({});
      }
    }
    if ((mt = p.match(/^\/pipelines\/([^/]+)\/versions$/)) && method === 'GET') {
      const pid = mt[1];
      if (!this.pipelines.some((x) => x.id === pid)) throw notFound(`Failed to list pipeline versions: ResourceNotFoundError: Pipeline ${pid} not found`);
      const { page, next, total } = this.list(this.versions.filter((v) => v.pipelineId === pid), q, this.versionFields);
      return ok(m.prune({ pipeline_versions: page.map((v) => m.versionJson(v, true)), total_size: total, next_page_token: next }));
    }
    if ((mt = p.match(/^\/pipelines\/([^/]+)\/versions\/([^/]+)$/))) {
      const v = this.versions.find((x) => x.pipelineId === mt![1] && x.id === mt![2]);
      if (!v) throw notFound(`Failed to get pipeline version: ResourceNotFoundError: PipelineVersion ${mt[2]} not found`);
      if (method === 'GET') return ok(m.versionJson(v, true));
      if (method === 'DELETE') { this.versions = this.versions.filter((x) => x !== v); return ok({}); }
    }
    // experiments
    if (method === 'GET' && p === '/experiments') {
      this.requireNamespace(q, 'ListExperiments');
      const { page, next, total } = this.list(this.inNamespace(this.experiments, q), q, this.experimentFields);
      return ok(m.prune({ experiments: page.map(m.experimentJson), total_size: total, next_page_token: next }));
    }
    if (method === 'POST' && p === '/experiments') {
      const b = json();
      const name = String(b.display_name ?? '');
      if (!name) throw bad('Invalid input error: Experiment name is empty. Please specify a valid experiment name');
      if (this.options.multiUser && !b.namespace) throw bad('Invalid input error: Experiment namespace is empty. Please specify a valid namespace');
      if (this.experiments.some((e) => e.displayName === name && (e.namespace ?? '') === String(b.namespace ?? ''))) throw new ApiError(409, 6, `Failed to create a new experiment: AlreadyExistsError: Experiment with name ${name} already exists`);
      const e: m.ExperimentRec = { id: this.id(), displayName: name, description: b.description as string | undefined, createdAt: now, namespace: b.namespace as string | undefined, storage: 'AVAILABLE' };
      this.experiments.push(e);
      return ok(m.experimentJson(e));
    }
    if ((mt = p.match(/^\/experiments\/([^/:]+)(:archive|:unarchive)?$/))) {
      const e = this.experiments.find((x) => x.id === mt![1]);
      if (!e) throw notFound(`Failed to get experiment: ResourceNotFoundError: Experiment ${mt[1]} not found`);
      if (method === 'GET' && !mt[2]) return ok(m.experimentJson(e));
      if (method === 'POST' && mt[2] === ':archive') {
        e.storage = 'ARCHIVED';
        for (const r of this.runs) if (r.experimentId === e.id) r.storage = 'ARCHIVED';
        for (const r of this.recurring) if (r.experimentId === e.id) r.enabled = false;
        return ok({});
      }
      if (method === 'POST' && mt[2] === ':unarchive') { e.storage = 'AVAILABLE'; return ok({}); }
      if (method === 'DELETE' && !mt[2]) { this.experiments = this.experiments.filter((x) => x !== e); return ok({}); }
    }
    // runs
    if (method === 'GET' && p === '/runs') {
      this.requireNamespace(q, 'ListRuns');
      let items = this.inNamespace(this.runs, q);
      const exp = q.get('experiment_id');
      if (exp) items = items.filter((r) => r.experimentId === exp);
      const { page, next, total } = this.list(items, q, this.runFields());
      return ok(m.prune({ runs: page.map((r) => m.runJson(r, now)), total_size: total, next_page_token: next }));
    }
    if (method === 'POST' && p === '/runs') return ok(m.runJson(this.createRun(json(), now), now));
    if ((mt = p.match(/^\/runs\/([^/:]+)(:terminate|:retry|:archive|:unarchive)?$/))) {
      const r = this.runs.find((x) => x.id === mt![1]);
      if (!r) throw notFound(`Failed to get a run: ResourceNotFoundError: Run ${mt[1]} not found`);
      const action = mt[2];
      if (method === 'GET' && !action) {
        const body = m.runJson(r, now);
        const view = this.workflowOf(r, now);
        if (view) {
          const details = this.taskDetailsOf(r, view);
          if (details.length) body.run_details = { task_details: details };
        }
        return ok(body);
      }
      if (method === 'DELETE' && !action) { this.runs = this.runs.filter((x) => x !== r); return ok({}); }
      if (method === 'POST' && action === ':archive') { r.storage = 'ARCHIVED'; return ok({}); }
      if (method === 'POST' && action === ':unarchive') { r.storage = 'AVAILABLE'; return ok({}); }
      if (method === 'POST' && action === ':terminate') {
        const s = m.runStateAt(r, now);
        if (m.TERMINAL.has(s.state)) throw bad(`Failed to terminate run ${r.id}: run is already in a final state ${s.state}`);
        r.plan = [...s.history, { state: 'CANCELING', at: now }, { state: 'CANCELED', at: now + 1000, error: 'terminated' }];
        return ok({});
      }
      if (method === 'POST' && action === ':retry') {
        const s = m.runStateAt(r, now);
        if (s.state !== 'FAILED' && s.state !== 'CANCELED') throw bad(`Failed to retry run ${r.id}: InternalServerError: Workflow must be Failed/Error to retry, current state: ${s.state}`);
        r.plan = [...s.history, { state: 'RUNNING', at: now }, { state: 'SUCCEEDED', at: now + (this.options.runDurationMs ?? 8000) }];
        return ok({});
      }
    }
    // recurring runs
    if (method === 'GET' && p === '/recurringruns') {
      this.requireNamespace(q, 'ListRecurringRuns');
      let items = this.inNamespace(this.recurring, q);
      const exp = q.get('experiment_id');
      if (exp) items = items.filter((r) => r.experimentId === exp);
      const { page, next, total } = this.list(items, q, this.recurringFields);
      // camelCase list key, as the real proto field is named.
      return ok(m.prune({ recurringRuns: page.map(m.recurringJson), total_size: total, next_page_token: next }));
    }
    if (method === 'POST' && p === '/recurringruns') return ok(m.recurringJson(this.createRecurring(json(), now)));
    if ((mt = p.match(/^\/recurringruns\/([^/:]+)(:enable|:disable)?$/))) {
      const r = this.recurring.find((x) => x.id === mt![1]);
      if (!r) throw notFound(`Failed to get a recurring run: ResourceNotFoundError: RecurringRun ${mt[1]} not found`);
      if (method === 'GET' && !mt[2]) return ok(m.recurringJson(r));
      if (method === 'DELETE' && !mt[2]) { this.recurring = this.recurring.filter((x) => x !== r); return ok({}); }
      if (method === 'POST' && mt[2]) { r.enabled = mt[2] === ':enable'; r.updatedAt = now; return ok({}); }
    }
    throw notFound('Not Found');
  }

  private resolveSource(b: Record<string, unknown>): { versionRef?: { pipelineId: string; versionId: string }; spec?: Record<string, unknown> } {
    const ref = b.pipeline_version_reference as { pipeline_id?: string; pipeline_version_id?: string } | undefined;
    const spec = b.pipeline_spec as Record<string, unknown> | undefined;
    if (ref && spec) throw bad('Invalid input error: Run should have either a pipeline version reference or a pipeline spec, not both');
    if (ref) {
      const v = this.versions.find((x) => x.id === ref.pipeline_version_id && (!ref.pipeline_id || x.pipelineId === ref.pipeline_id));
      if (!v) throw notFound(`Failed to fetch pipeline version: ResourceNotFoundError: PipelineVersion ${ref.pipeline_version_id} not found`);
      return { versionRef: { pipelineId: v.pipelineId, versionId: v.id } };
    }
    if (spec) return { spec };
    const legacy = b.pipeline_version_id as string | undefined;
    if (legacy) {
      const v = this.versions.find((x) => x.id === legacy);
      if (!v) throw notFound(`PipelineVersion ${legacy} not found`);
      return { versionRef: { pipelineId: v.pipelineId, versionId: v.id } };
    }
    throw bad('Invalid input error: Run must have a pipeline spec or a pipeline version reference');
  }

  private createRun(b: Record<string, unknown>, now: number): m.RunRec {
    const name = String(b.display_name ?? '');
    if (!name) throw bad('Invalid input error: The run name is empty. Please specify a valid name');
    const src = this.resolveSource(b);
    let exp = b.experiment_id ? this.experiments.find((e) => e.id === b.experiment_id) : this.experiments.find((e) => e.displayName === 'Default');
    if (!exp) {
      if (b.experiment_id) throw notFound(`Failed to create a run: ResourceNotFoundError: Experiment ${String(b.experiment_id)} not found`);
      exp = { id: this.id(), displayName: 'Default', createdAt: now, storage: 'AVAILABLE' };
      this.experiments.push(exp);
    }
    if (this.options.multiUser && !exp.namespace) throw bad('Invalid input error: A run cannot have an empty namespace in multi-user mode');
    const rc = (b.runtime_config ?? {}) as { parameters?: Record<string, unknown>; pipeline_root?: string };
    const duration = this.options.runDurationMs ?? 8000;
    const specName = JSON.stringify(src.spec ?? '').includes('fail') || name.includes('fail');
    const r: m.RunRec = {
      id: this.id(), displayName: name, description: b.description as string | undefined, experimentId: exp.id, namespace: exp.namespace,
      createdAt: now, storage: 'AVAILABLE', ...src, parameters: rc.parameters, pipelineRoot: rc.pipeline_root, serviceAccount: b.service_account as string | undefined,
      plan: [
        { state: 'PENDING', at: now },
        { state: 'RUNNING', at: now + Math.min(1000, duration / 4) },
        specName ? { state: 'FAILED', at: now + duration, error: 'task failed: exit status 1' } : { state: 'SUCCEEDED', at: now + duration },
      ],
    };
    // A workflow Argo refuses (validate.go) never runs: the run fails with Argo's reason.
    const spec = this.specOf(r);
    if (spec && ((spec.pipeline_spec ?? spec) as Record<string, unknown>).root) {
      try { compileToArgo(spec, this.options.kfpVersion ?? '2.17'); } catch (e) {
        if (e instanceof ArgoValidationError) r.plan = [{ state: 'PENDING', at: now }, { state: 'FAILED', at: now + 1000, error: e.message }];
      }
    }
    this.runs.push(r);
    exp.lastRunCreatedAt = now;
    return r;
  }

  /**
   * POST /recurringruns, validated as api_converter.go toModelJob does (messages from there): a name, max_concurrency
   * 1–10, a cron robfig/cron v1.2.0 parses (5 or 6 fields, descriptors), an interval of at least 1 s; `mode` ENABLE
   * enables, omitted or MODE_UNSPECIFIED or DISABLE creates it disabled (toModelJobEnabled).
   */
  private createRecurring(b: Record<string, unknown>, now: number): m.RecurringRec {
    const name = String(b.display_name ?? '');
    if (!name) throw bad("Invalid input error: Recurring run's name cannot be empty");
    const ref = b.pipeline_version_reference as { pipeline_id?: string; pipeline_version_id?: string } | undefined;
    let src: ReturnType<KfpEmulator['resolveSource']> & { latestOf?: string };
    if (ref && ref.pipeline_id && !ref.pipeline_version_id && !b.pipeline_spec) {
      // Always the latest version (job_server.go, KFP 2.5+): the pipeline must have one now (resource_manager.go
      // fetchPipelineVersionFromPipelineSpec: GetLatestPipelineVersion, wrapped with this message).
      if (!this.pipelines.some((p) => p.id === ref.pipeline_id) || !this.latestVersionOf(ref.pipeline_id)) {
        throw notFound(`Failed to fetch a pipeline version and its manifest from pipeline ${ref.pipeline_id}: ResourceNotFoundError: PipelineVersion for pipeline ${ref.pipeline_id} not found`);
      }
      src = { latestOf: ref.pipeline_id };
    } else src = this.resolveSource(b);
    type Sched = { cron?: string; interval_second?: string | number; start_time?: string; end_time?: string };
    const trig = (b.trigger ?? {}) as { cron_schedule?: Sched; periodic_schedule?: Sched };
    const maxC = Number(b.max_concurrency ?? '0');
    if (!(maxC >= 1 && maxC <= 10)) throw bad(`Invalid input error: Max concurrency of a recurring run must be at least 1 and at most 10. Received ${maxC}`);
    const sched = trig.cron_schedule ?? trig.periodic_schedule;
    const cron = trig.cron_schedule?.cron;
    if (trig.cron_schedule) {
      try { parseCron(cron ?? ''); } catch (e) { throw bad(`Invalid input error: Schedule cron is not a supported format(https://godoc.org/github.com/robfig/cron). Error: ${(e as Error).message}`); }
    }
    const interval = trig.periodic_schedule ? Number(trig.periodic_schedule.interval_second ?? 0) : undefined;
    if (interval !== undefined && interval < 1) throw bad(`Invalid input error: Found invalid period schedule interval ${interval}. Set at interval to least 1 second`);
    if (!sched) throw bad('Invalid input error: a recurring run needs a trigger (cron_schedule or periodic_schedule)');
    // An empty experiment_id: the default experiment, created when missing; refused in multi-user mode
    // (resource_manager.go GetValidExperimentNamespacePair).
    if (!b.experiment_id && this.options.multiUser) throw bad('Invalid input error: Experiment id can not be empty in multi-user mode');
    let exp = b.experiment_id ? this.experiments.find((e) => e.id === b.experiment_id) : this.experiments.find((e) => e.displayName === 'Default');
    if (!exp && b.experiment_id) throw notFound(`Failed to create a recurring run: ResourceNotFoundError: Experiment ${String(b.experiment_id)} not found`);
    if (!exp) { exp = { id: this.id(), displayName: 'Default', createdAt: now, storage: 'AVAILABLE' }; this.experiments.push(exp); }
    const time = (v?: string) => (v ? Date.parse(v) : undefined);
    const r: m.RecurringRec = {
      id: this.id(), displayName: name, description: b.description as string | undefined, experimentId: exp.id, namespace: exp.namespace,
      createdAt: now, updatedAt: now, enabled: b.mode === 'ENABLE', ...src,
      parameters: (b.runtime_config as { parameters?: Record<string, unknown> } | undefined)?.parameters,
      trigger: cron !== undefined ? { cron } : { intervalSecond: interval }, maxConcurrency: maxC, noCatchup: b.no_catchup === true,
      startTime: time(sched.start_time), endTime: time(sched.end_time), serviceAccount: b.service_account as string | undefined,
      schedule: { lastIndex: 0, swfName: swfName(name), checkedUntil: now },
    };
    this.recurring.push(r);
    return r;
  }

  private latestVersionOf(pipelineId: string): m.VersionRec | undefined {
    return this.versions.filter((v) => v.pipelineId === pipelineId).sort((a, b) => b.createdAt - a.createdAt)[0];
  }

  /** The ScheduledWorkflow controller, replayed up to `now` (schedules.ts): the runs recurring runs have started. */
  private runSchedules(now: number): void {
    for (const r of this.recurring) {
      if (!r.schedule) continue; // seeded ones (no controller state) stay quiet
      const mine = () => this.runs.filter((x) => x.recurringRunId === r.id);
      const active = (t: number) => mine().filter((x) => x.createdAt <= t && (m.runStateAt(x, t).finishedAt ?? Infinity) > t).length;
      const freeAt = (t: number) => {
        const ends = mine().map((x) => m.runStateAt(x, Infinity).finishedAt).filter((e): e is number => e !== undefined && e > t);
        return ends.length ? Math.min(...ends) : undefined;
      };
      replay(r, r.schedule, now, active, freeAt, (s) => {
        const versionId = r.latestOf ? this.latestVersionOf(r.latestOf)?.id : r.versionRef?.versionId;
        const pipelineId = r.latestOf ?? r.versionRef?.pipelineId;
        try {
          const run = this.createRun({
            display_name: s.name, experiment_id: r.experimentId, service_account: r.serviceAccount,
            ...(versionId ? { pipeline_version_reference: { pipeline_id: pipelineId, pipeline_version_id: versionId } } : { pipeline_spec: r.spec }),
            runtime_config: r.parameters ? { parameters: r.parameters } : undefined,
          }, s.at);
          run.recurringRunId = r.id;
        } catch (e) { this.options.log?.(`recurring run ${r.id}: ${(e as Error).message}`); }
      });
    }
  }

  private upload(q: URLSearchParams, raw: Buffer, req: http.IncomingMessage, pipelineId: string | undefined): Reply {
    const fail = (status: number, message: string, details = message): Reply => ({ status, body: undefined, text: JSON.stringify({ error_message: message, error_details: details }) });
    const ct = String(req.headers['content-type'] ?? '');
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(ct);
    if (!ct.startsWith('multipart/form-data') || !boundary) return fail(400, 'Failed to create a pipeline. Failed to read the uploaded file: request Content-Type isn\'t multipart/form-data');
    const part = parseMultipart(raw, boundary[1] ?? boundary[2]).find((x) => x.name === 'uploadfile');
    if (!part) return fail(400, 'Failed to create a pipeline. Failed to read the uploaded file: http: no such file');
    if (part.data.length > 32 << 20) return fail(400, 'File size too large. Maximum supported size: 33554432');
    const fileName = part.filename ?? '';
    const text = part.data.toString('utf8');
    if (!/\.(ya?ml|json)$/i.test(fileName) && !text.startsWith('PK')) {
      return fail(400, 'Failed to create a pipeline. Unexpected pipeline file format. Support .zip, .tar.gz, .json or YAML.');
    }
    let spec: Record<string, unknown>;
    try { spec = specStruct(text); } catch (e) { return fail(400, `Failed to create a pipeline. Invalid pipeline spec: ${(e as Error).message}`); }
    const inner = (spec.pipeline_spec ?? spec) as Record<string, unknown>;
    const isArgo = inner.kind === 'Workflow' && String(inner.apiVersion ?? '').startsWith('argoproj.io');
    if (!isArgo) {
      if (!inner.pipelineInfo || !(inner.pipelineInfo as { name?: string }).name) return fail(400, 'Failed to create a pipeline. Invalid pipeline spec: pipelineInfo.name is empty');
      if (!inner.root) return fail(400, 'Failed to create a pipeline. Invalid pipeline spec: root is empty');
      const known = new Set(['pipelineInfo', 'root', 'components', 'deploymentSpec', 'schemaVersion', 'sdkVersion', 'defaultPipelineRoot']);
      const unknown = Object.keys(inner).filter((k) => !known.has(k));
      if (unknown.length) return fail(400, `Failed to create a pipeline. Invalid pipeline spec: unknown field "${unknown[0]}"`);
    }
    const name = q.get('name') || q.get('display_name') || fileName;
    const now = this.clock.now();
    if (pipelineId === undefined) {
      const ns = q.get('namespace') ?? '';
      if (this.pipelines.some((p) => p.name === name && (p.namespace ?? '') === ns)) {
        return fail(409, 'Failed to create a pipeline and a pipeline version. The pipeline already exists.', `Failed to create a pipeline and a pipeline version: AlreadyExistsError: Pipeline with name ${name} already exists`);
      }
      let tags: Record<string, string> | undefined;
      if (q.get('tags')) { try { tags = JSON.parse(q.get('tags')!) as Record<string, string>; } catch { return fail(400, 'Failed to create a pipeline. Invalid tags: not a JSON object'); } }
      const p: m.PipelineRec = { id: this.id(), name, displayName: q.get('display_name') || name, description: q.get('description') ?? undefined, createdAt: now, namespace: ns || undefined, tags };
      this.pipelines.push(p);
      this.versions.push({ id: this.id(), pipelineId: p.id, name, displayName: p.displayName, createdAt: now, spec, codeSourceUrl: q.get('code_source_url') ?? undefined });
      return { status: 200, body: m.pipelineJson(p) };
    }
    const p = this.pipelines.find((x) => x.id === pipelineId);
    if (!p) return fail(pipelineId ? 404 : 400, pipelineId ? `Failed to create a pipeline version. ResourceNotFoundError: Pipeline ${pipelineId} not found` : 'Failed to create a pipeline version. Pipeline ID is empty: pipelineid is required');
    if (this.versions.some((v) => v.pipelineId === p.id && v.name === name)) {
      return fail(409, 'Failed to create a pipeline version. The pipeline version already exists.', `AlreadyExistsError: PipelineVersion with name ${name} already exists`);
    }
    const v: m.VersionRec = { id: this.id(), pipelineId: p.id, name, displayName: q.get('display_name') || name, description: q.get('description') ?? undefined, createdAt: now, spec, codeSourceUrl: q.get('code_source_url') ?? undefined };
    this.versions.push(v);
    return { status: 200, body: m.versionJson(v, true) };
  }

  // ---- v1beta1 (enough for the KFP 1.x fallback) ------------------------

  private v1(method: string, p: string, q: URLSearchParams, raw: Buffer, req: http.IncomingMessage): Reply {
    const now = this.clock.now();
    const ok = (body: unknown = {}): Reply => ({ status: 200, body });
    let mt: RegExpMatchArray | null;
    const refType = q.get('resource_reference_key.type');
    const refId = q.get('resource_reference_key.id');
    if (method === 'GET' && p === '/healthz') return ok({ multi_user: Boolean(this.options.multiUser) });
    if (method === 'POST' && (p === '/pipelines/upload' || p === '/pipelines/upload_version')) {
      const r = this.upload(q, raw, req, p === '/pipelines/upload' ? undefined : q.get('pipelineid') ?? '');
      if (r.status !== 200 || !r.body) return r;
      const b = r.body as Record<string, string>;
      if (p === '/pipelines/upload') {
        const pl = this.pipelines.find((x) => x.id === b.pipeline_id)!;
        return ok(m.v1PipelineJson(pl, this.versions.find((v) => v.pipelineId === pl.id)));
      }
      return ok(m.v1VersionJson(this.versions.find((v) => v.id === b.pipeline_version_id)!));
    }
    if (method === 'POST' && p === '/runs') {
      const b = JSON.parse(raw.toString('utf8') || '{}') as { name?: string; description?: string; pipeline_spec?: { parameters?: Array<{ name: string; value?: string }> }; resource_references?: Array<{ key?: { type?: string; id?: string } }> };
      const ref = (t: string) => b.resource_references?.find((x) => x.key?.type === t)?.key?.id;
      const run = this.createRun({
        display_name: b.name, description: b.description, experiment_id: ref('EXPERIMENT'),
        pipeline_version_id: ref('PIPELINE_VERSION'),
        runtime_config: { parameters: Object.fromEntries((b.pipeline_spec?.parameters ?? []).map((x) => [x.name, x.value ?? ''])) },
      }, now);
      return ok({ run: m.v1RunJson(run, now), pipeline_runtime: { workflow_manifest: '{}' } });
    }
    if (method === 'GET' && p === '/pipelines') {
      const { page, next, total } = this.list(this.pipelines, q, this.pipelineFields, true);
      return ok(m.prune({ pipelines: page.map((x) => m.v1PipelineJson(x, this.versions.find((v) => v.pipelineId === x.id))), total_size: total, next_page_token: next }));
    }
    if (method === 'GET' && (mt = p.match(/^\/pipelines\/([^/]+)$/))) {
      const pl = this.pipelines.find((x) => x.id === mt![1]);
      if (!pl) throw notFound(`Pipeline ${mt[1]} not found`);
      return ok(m.v1PipelineJson(pl, this.versions.find((v) => v.pipelineId === pl.id)));
    }
    if (method === 'GET' && p === '/pipeline_versions') {
      const pid = q.get('resource_key.id') ?? '';
      const { page, next, total } = this.list(this.versions.filter((v) => v.pipelineId === pid), q, this.versionFields, true);
      return ok(m.prune({ versions: page.map(m.v1VersionJson), total_size: total, next_page_token: next }));
    }
    if (method === 'GET' && (mt = p.match(/^\/pipeline_versions\/([^/]+)$/))) {
      const v = this.versions.find((x) => x.id === mt![1]);
      if (!v) throw notFound(`PipelineVersion ${mt[1]} not found`);
      return ok(m.v1VersionJson(v));
    }
    if (method === 'GET' && p === '/experiments') {
      this.requireNamespace(q, 'ListExperiments');
      const { page, next, total } = this.list(this.inNamespace(this.experiments, q), q, this.experimentFields, true);
      return ok(m.prune({ experiments: page.map(m.v1ExperimentJson), total_size: total, next_page_token: next }));
    }
    if (method === 'GET' && (mt = p.match(/^\/experiments\/([^/]+)$/))) {
      const e = this.experiments.find((x) => x.id === mt![1]);
      if (!e) throw notFound(`Experiment ${mt[1]} not found`);
      return ok(m.v1ExperimentJson(e));
    }
    if (method === 'GET' && p === '/runs') {
      this.requireNamespace(q, 'ListRuns');
      let items = refType === 'EXPERIMENT' ? this.runs.filter((r) => r.experimentId === refId) : this.inNamespace(this.runs, q);
      items = items.filter(Boolean);
      const { page, next, total } = this.list(items, q, this.runFields(), true);
      return ok(m.prune({ runs: page.map((r) => m.v1RunJson(r, now)), total_size: total, next_page_token: next }));
    }
    if (method === 'GET' && (mt = p.match(/^\/runs\/([^/]+)$/))) {
      const r = this.runs.find((x) => x.id === mt![1]);
      if (!r) throw notFound(`Run ${mt[1]} not found`);
      // toApiRunDetailV1: the stored workflow with its status, as a JSON string ('' before the run has one).
      const view = this.workflowOf(r, now);
      return ok({ run: m.v1RunJson(r, now), pipeline_runtime: { workflow_manifest: view ? JSON.stringify(this.workflowJson(r, view)) : '' } });
    }
    if (method === 'GET' && p === '/jobs') {
      const items = refType === 'EXPERIMENT' ? this.recurring.filter((r) => r.experimentId === refId) : this.inNamespace(this.recurring, q);
      const { page, next, total } = this.list(items, q, this.recurringFields, true);
      return ok(m.prune({ jobs: page.map(m.v1JobJson), total_size: total, next_page_token: next }));
    }
    if (method === 'POST' && p === '/jobs') {
      // CreateJob (job_server.go, api_converter.go toModelJob, v1 branch; the no-pipeline message from api_util.go): a name; the PIPELINE_VERSION reference,
      // else pipeline_spec.pipeline_id pinned to its latest version *now*; parameters as [{name, value}];
      // mode ENABLED enables (UNKNOWN_MODE and DISABLED do not, toModelJobEnabled).
      const b = (raw.length ? JSON.parse(raw.toString('utf8')) : {}) as { name?: string; description?: string; pipeline_spec?: { pipeline_id?: string; parameters?: Array<{ name: string; value: string }>; workflow_manifest?: string }; resource_references?: Array<{ key?: { type?: string; id?: string } }>; max_concurrency?: string; trigger?: unknown; mode?: string; no_catchup?: boolean; service_account?: string };
      if (!b.name) throw bad('Invalid input error: Job name cannot be empty');
      const ref = (t: string) => b.resource_references?.find((x) => x.key?.type === t)?.key?.id;
      let versionId = ref('PIPELINE_VERSION');
      let pipelineId = versionId ? this.versions.find((v) => v.id === versionId)?.pipelineId : b.pipeline_spec?.pipeline_id;
      if (!versionId && pipelineId) versionId = this.latestVersionOf(pipelineId)?.id;
      if (!versionId && !b.pipeline_spec?.workflow_manifest) throw bad('Invalid input error: Please specify a pipeline by providing a (workflow manifest or pipeline manifest) or (pipeline id or/and pipeline version)');
      const params = Object.fromEntries((b.pipeline_spec?.parameters ?? []).map((x) => [x.name, x.value]));
      const r = this.createRecurring({
        display_name: b.name, description: b.description, experiment_id: ref('EXPERIMENT'), service_account: b.service_account,
        ...(versionId ? { pipeline_version_reference: { pipeline_id: pipelineId, pipeline_version_id: versionId } } : { pipeline_spec: JSON.parse(b.pipeline_spec!.workflow_manifest!) as Record<string, unknown> }),
        runtime_config: Object.keys(params).length ? { parameters: params } : undefined,
        max_concurrency: b.max_concurrency, trigger: b.trigger, mode: b.mode === 'ENABLED' ? 'ENABLE' : 'DISABLE', no_catchup: b.no_catchup,
      }, now);
      return ok(m.v1JobJson(r));
    }
    if ((mt = p.match(/^\/jobs\/([^/]+)(\/enable|\/disable)?$/))) {
      const r = this.recurring.find((x) => x.id === mt![1]);
      if (!r) throw notFound(`Job ${mt[1]} not found`);
      if (method === 'GET' && !mt[2]) return ok(m.v1JobJson(r));
      if (method === 'POST' && mt[2]) { r.enabled = mt[2] === '/enable'; r.updatedAt = now; return ok({}); }
      if (method === 'DELETE' && !mt[2]) { this.recurring = this.recurring.filter((x) => x !== r); return ok({}); }
    }
    throw notFound('Not Found');
  }
}

function compare(actual: string | number | undefined, op: string, value: unknown, list?: unknown[]): boolean {
  const a = actual ?? '';
  const v = typeof a === 'number' && typeof value === 'string' && /^\d{4}-/.test(value) ? Date.parse(value) : typeof a === 'number' ? Number(value) : String(value ?? '');
  switch (op) {
    case 'EQUALS': return a === v;
    case 'NOT_EQUALS': return a !== v;
    case 'GREATER_THAN': return a > v;
    case 'GREATER_THAN_EQUALS': return a >= v;
    case 'LESS_THAN': return a < v;
    case 'LESS_THAN_EQUALS': return a <= v;
    case 'IN': return (list ?? []).map(String).includes(String(a));
    case 'IS_SUBSTRING': return String(a).includes(String(value ?? ''));
  }
  throw bad(`Invalid input error: unknown filter operation "${op}"`);
}

function parseMultipart(raw: Buffer, boundary: string): Array<{ name?: string; filename?: string; data: Buffer }> {
  const out: Array<{ name?: string; filename?: string; data: Buffer }> = [];
  const delim = Buffer.from(`--${boundary}`);
  let pos = raw.indexOf(delim);
  while (pos !== -1) {
    const start = pos + delim.length;
    if (raw.slice(start, start + 2).toString() === '--') break;
    const headEnd = raw.indexOf('\r\n\r\n', start);
    if (headEnd === -1) break;
    const head = raw.slice(start, headEnd).toString('utf8');
    const next = raw.indexOf(delim, headEnd);
    if (next === -1) break;
    const data = raw.slice(headEnd + 4, next - 2);
    out.push({ name: /name="([^"]*)"/.exec(head)?.[1], filename: /filename="([^"]*)"/.exec(head)?.[1], data });
    pos = next;
  }
  return out;
}

/** A reply over a slow link (a fault for tests of streamed reads): the same answer, in timed pieces. */
function sendSlowly(res: http.ServerResponse, r: Reply, bytesPerSecond: number): void {
  const text = Buffer.from(r.text ?? (r.body === undefined ? '' : JSON.stringify(r.body)));
  res.writeHead(r.status, { 'content-type': r.text !== undefined ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': String(text.length), ...(r.headers ?? {}) });
  const piece = 64 * 1024;
  let at = 0;
  const next = () => {
    if (res.destroyed) return;
    res.write(text.subarray(at, at + piece));
    at += piece;
    if (at >= text.length) res.end();
    else setTimeout(next, Math.max(1, (piece / bytesPerSecond) * 1000));
  };
  next();
}

function send(res: http.ServerResponse, r: Reply): void {
  const text = r.text ?? (r.body === undefined ? '' : JSON.stringify(r.body));
  const ct = r.text !== undefined && !text.startsWith('{') ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(r.status, { 'content-type': ct, ...(r.headers ?? {}) });
  res.end(text);
}
