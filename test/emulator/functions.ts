// Cloud Functions (2nd gen), v2 API, served beside the emulated Storage and Cloud
// Build (gcp.ts), and the Eventarc delivery of Storage `object.finalized` events to
// deployed functions. Shapes are typed with @google-cloud/functions' generated
// types (google/cloud/functions/v2/functions.proto), so a wrong field name fails to
// compile. Behaviours imitated, with where they come from (../shared/cd-reference.md):
// - functions:generateUploadUrl → {uploadUrl, storageSource{bucket, object}}; the PUT to the URL carries
//   `content-type: application/zip` and no credentials (proto GenerateUploadUrlResponse; gcloud
//   source_util.UploadToGeneratedUrl); another content type is refused as a signed URL refuses it (403);
// - create (POST …/functions?functionId=) and patch (PATCH …?updateMask=) return a long-running Operation
//   (projects/P/locations/L/operations/operation-…) whose OperationMetadata stages ARTIFACT_REGISTRY, BUILD,
//   SERVICE, TRIGGER go NOT_STARTED → IN_PROGRESS → COMPLETE; BUILD carries resource and resourceUri of the
//   Cloud Build build (firebase-tools #7369 logs); done with `response` the Function, or `error`;
// - functionId: lower-case letters, digits and dashes, 4–63 (proto CreateFunctionRequest); a taken name is an
//   ALREADY_EXISTS operation error; GET of a missing function is 404 NOT_FOUND;
// - the build fails without the runtime's files (package.json; main.py with requirements.txt), as gcloud checks
//   them before zipping (ValidateDirectoryHasRequiredRuntimeFiles); the trigger's bucket must exist: else the
//   operation fails with Eventarc's "Bucket … could not be validated. Please verify that the bucket exists and
//   that the Eventarc service account has permission." (google-github-actions/deploy-cloud-functions #461);
// - events: binary-mode CloudEvents (ce-specversion, ce-type google.cloud.storage.object.v1.finalized,
//   ce-source //storage.googleapis.com/projects/_/buckets/B, ce-subject objects/NAME, ce-id, ce-time) with a
//   StorageObjectData body whose int64 fields are strings (functions-framework-conformance
//   storage-cloudevent-output.json); delivered at least once: a failed delivery is retried when the trigger's
//   retryPolicy is RETRY_POLICY_RETRY (bestpractices/retries), and tests may deliver an event again.
// What cannot run here is a Google build: a deployed Node.js function *is* run, from its uploaded zip, with
// the real @google-cloud/functions-framework of this project's node_modules; Python functions run only where
// `functions_framework` is importable.
import type { protos } from '@google-cloud/functions';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { readZip } from '../../src/core/retrain/zip';

type V2 = typeof protos.google.cloud.functions.v2;
type Fn = Omit<protos.google.cloud.functions.v2.IFunction, 'updateTime' | 'createTime' | 'state' | 'environment'> & { updateTime?: string; createTime?: string; state?: keyof V2['Function']['State']; environment?: string };
type Stage = Omit<protos.google.cloud.functions.v2.IStage, 'name' | 'state'> & { name?: keyof V2['Stage']['Name']; state?: keyof V2['Stage']['State'] };
type OperationMetadata = Omit<protos.google.cloud.functions.v2.IOperationMetadata, 'createTime' | 'endTime' | 'stages' | 'operationType'> & { '@type': string; createTime?: string; endTime?: string; stages?: Stage[]; operationType?: string };

const ROOT = path.resolve(__dirname, '../../..');
const STAGES: Array<NonNullable<Stage['name']>> = ['ARTIFACT_REGISTRY', 'BUILD', 'SERVICE', 'TRIGGER'];

interface OpRec { name: string; project: string; region: string; started: number; kind: 'CREATE_FUNCTION' | 'UPDATE_FUNCTION' | 'DELETE_FUNCTION'; target: string; fn?: Fn; failure?: { stage: number; code: number; message: string } }
interface Running { proc: ChildProcess; url: string; dir: string }
export interface Delivery { fn: string; id: string; object: string; status: number | string; attempt: number }

export interface FunctionsHost {
  url: string;
  projectNumber: string;
  stepMs: number;
  objectBytes(bucket: string, name: string): Buffer | undefined;
  storeObject(bucket: string, name: string, data: Buffer, contentType: string): void;
  hasBucket(bucket: string): boolean;
  disabled(project: string, api: string): boolean;
}

export class CloudFunctionsEmulator {
  readonly functions = new Map<string, Fn>();
  readonly ops = new Map<string, OpRec>();
  readonly deliveries: Delivery[] = [];
  readonly uploads = new Map<string, { bucket: string; object: string; putHeaders?: http.IncomingHttpHeaders }>();
  private readonly running = new Map<string, Running>();

  constructor(private readonly host: FunctionsHost) {}

  async stop(): Promise<void> {
    for (const r of this.running.values()) { r.proc.kill('SIGTERM'); fs.rmSync(r.dir, { recursive: true, force: true }); }
    this.running.clear();
  }

  /** The reply for a Cloud Functions route (or the signed upload URL), or undefined. */
  handle(method: string, u: URL, body: Buffer, headers: http.IncomingHttpHeaders): { status: number; body?: unknown; raw?: boolean } | undefined {
    let m: RegExpExecArray | null;
    if ((m = /^\/_signed\/([0-9a-f]+)$/.exec(u.pathname)) && method === 'PUT') {
      const up = this.uploads.get(m[1]);
      if (!up) return { status: 404, body: { error: 'no such upload URL' } };
      if (headers['content-type'] !== 'application/zip') return { status: 403, body: '<Error><Code>SignatureDoesNotMatch</Code></Error>', raw: true };
      up.putHeaders = headers;
      this.host.storeObject(up.bucket, up.object, body, 'application/zip');
      return { status: 200, body: '', raw: true };
    }
    if (!(m = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/(functions|operations)(?:\/([^/:]+))?(:generateUploadUrl)?$/.exec(u.pathname))) return undefined;
    const [, project, region, kind, id, verb] = m;
    if (this.host.disabled(project, 'cloudfunctions')) {
      const url = `https://console.developers.google.com/apis/api/cloudfunctions.googleapis.com/overview?project=${project}`;
      return err(403, 'PERMISSION_DENIED', `Cloud Functions API has not been used in project ${project} before or it is disabled. Enable it by visiting ${url} then retry.`, [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service: 'cloudfunctions.googleapis.com', activationUrl: url } }]);
    }
    if (kind === 'operations') {
      const op = this.ops.get(`projects/${project}/locations/${region}/operations/${id}`);
      return op ? { status: 200, body: this.operationJson(op) } : err(404, 'NOT_FOUND', `operation ${id} not found`);
    }
    const parent = `projects/${project}/locations/${region}`;
    if (verb && method === 'POST') {
      const token = randomUUID().replace(/-/g, '');
      const source = { bucket: `gcf-v2-uploads-${this.host.projectNumber}-${region}`, object: `${randomUUID()}.zip` };
      this.uploads.set(token, source);
      const out: protos.google.cloud.functions.v2.IGenerateUploadUrlResponse = { uploadUrl: `${this.host.url}/_signed/${token}`, storageSource: source };
      return { status: 200, body: out };
    }
    if (!id && method === 'GET') {
      const size = Number(u.searchParams.get('pageSize') || 100);
      const start = Number(u.searchParams.get('pageToken') || 0);
      const all = [...this.functions.values()].filter((f) => f.name!.startsWith(`${parent}/`)).map((f) => f);
      return { status: 200, body: { functions: all.slice(start, start + size), ...(start + size < all.length ? { nextPageToken: String(start + size) } : {}) } };
    }
    if (!id && method === 'POST') {
      const fid = u.searchParams.get('functionId') ?? '';
      if (!/^[a-z][a-z0-9-]{2,61}[a-z0-9]$/.test(fid)) return err(400, 'INVALID_ARGUMENT', `Invalid function ID "${fid}": 4 to 63 lower-case letters, digits and dashes, starting with a letter.`);
      const fn = JSON.parse(body.toString('utf8') || '{}') as Fn;
      return { status: 200, body: this.operationJson(this.startOp(project, region, 'CREATE_FUNCTION', `${parent}/functions/${fid}`, { ...fn, name: `${parent}/functions/${fid}` })) };
    }
    const name = `${parent}/functions/${id}`;
    const existing = this.functions.get(name);
    if (method === 'GET') return existing ? { status: 200, body: existing } : err(404, 'NOT_FOUND', `Resource '${name}' was not found`);
    if (!existing) return err(404, 'NOT_FOUND', `Resource '${name}' was not found`);
    if (method === 'PATCH') {
      const fn = JSON.parse(body.toString('utf8') || '{}') as Fn;
      return { status: 200, body: this.operationJson(this.startOp(project, region, 'UPDATE_FUNCTION', name, { ...existing, ...fn, name })) };
    }
    if (method === 'DELETE') return { status: 200, body: this.operationJson(this.startOp(project, region, 'DELETE_FUNCTION', name)) };
    return err(405, 'UNIMPLEMENTED', `${method} is not served here`);
  }

  private startOp(project: string, region: string, kind: OpRec['kind'], target: string, fn?: Fn): OpRec {
    const op: OpRec = { name: `projects/${project}/locations/${region}/operations/operation-${Date.now()}-${randomUUID().slice(0, 12)}`, project, region, started: Date.now(), kind, target, fn };
    if (kind === 'CREATE_FUNCTION' && this.functions.has(target)) op.failure = { stage: 0, code: 6, message: `Function ${target.split('/').pop()} in region ${region} in project ${project} already exists` };
    else if (fn) {
      const src = fn.buildConfig?.source?.storageSource;
      const zip = src?.bucket && src.object ? this.host.objectBytes(src.bucket, src.object) : undefined;
      let names: string[] = [];
      try { names = zip ? readZip(zip).map((e) => e.name) : []; } catch { /* not a zip */ }
      const runtime = fn.buildConfig?.runtime ?? '';
      const need = runtime.startsWith('nodejs') ? ['package.json'] : runtime.startsWith('python') ? ['main.py', 'requirements.txt'] : [];
      const missing = need.filter((n) => !names.includes(n));
      const bucket = fn.eventTrigger?.eventFilters?.find((f) => f.attribute === 'bucket')?.value ?? '';
      if (!zip) op.failure = { stage: 1, code: 3, message: 'Build failed: the source archive was not found (upload it to the URL from generateUploadUrl first)' };
      else if (!runtime) op.failure = { stage: 1, code: 3, message: 'Build failed: buildConfig.runtime is required for a new function' };
      else if (missing.length) op.failure = { stage: 1, code: 3, message: `Build failed: the ${runtime} source has no ${missing.join(', ')} at its root` };
      else if (fn.eventTrigger && !this.host.hasBucket(bucket)) op.failure = { stage: 3, code: 9, message: `Validation failed for trigger ${op.target.replace('/functions/', '/triggers/')}-000: Permission "storage.buckets.get" denied on "Bucket ${bucket} could not be validated. Please verify that the bucket exists and that the Eventarc service account has permission."` };
    }
    this.ops.set(op.name, op);
    return op;
  }

  /** Where an operation is by now; the function changes when it completes. */
  private operationJson(op: OpRec): unknown {
    const step = this.host.stepMs;
    const elapsed = Date.now() - op.started;
    const names = op.kind === 'DELETE_FUNCTION' ? [] : STAGES;
    const at = Math.floor(elapsed / step);
    const failedAt = op.failure?.stage;
    const stages: Stage[] = names.map((n, i) => {
      const state = at > i || (failedAt !== undefined && i < failedAt && at >= i) ? 'COMPLETE' : at === i || (failedAt === i && at >= i) ? 'IN_PROGRESS' : 'NOT_STARTED';
      const buildId = `${op.name.slice(-12)}-build`;
      return { name: n, state, message: state === 'IN_PROGRESS' ? `${n.toLowerCase().replace('_', ' ')} in progress` : undefined, ...(n === 'BUILD' ? { resource: `projects/${this.host.projectNumber}/locations/${op.region}/builds/${buildId}`, resourceUri: `https://console.cloud.google.com/cloud-build/builds;region=${op.region}/${buildId}?project=${this.host.projectNumber}` } : {}) };
    });
    const doneAt = failedAt !== undefined ? failedAt + 1 : names.length;
    const done = at >= doneAt || op.kind === 'DELETE_FUNCTION' && elapsed >= step;
    const meta: OperationMetadata = { '@type': 'type.googleapis.com/google.cloud.functions.v2.OperationMetadata', createTime: new Date(op.started).toISOString(), target: op.target, verb: op.kind === 'CREATE_FUNCTION' ? 'create' : op.kind === 'UPDATE_FUNCTION' ? 'update' : 'delete', stages, operationType: op.kind, apiVersion: 'v2' };
    if (!done) {
      if (op.fn && op.kind !== 'DELETE_FUNCTION' && !op.failure) this.functions.set(op.target, { ...(this.functions.get(op.target) ?? op.fn), state: 'DEPLOYING' });
      return { name: op.name, metadata: meta, done: false };
    }
    if (op.failure) {
      if (op.kind === 'CREATE_FUNCTION' && op.failure.code !== 6 && !this.functions.has(op.target)) this.functions.set(op.target, { ...op.fn, state: 'FAILED', stateMessages: [{ severity: 'ERROR', type: 'BuildFailed', message: op.failure.message }] } as Fn);
      else if (op.kind === 'UPDATE_FUNCTION') { const f = this.functions.get(op.target); if (f) f.state = 'ACTIVE'; }
      return { name: op.name, metadata: { ...meta, endTime: new Date().toISOString() }, done: true, error: { code: op.failure.code, message: op.failure.message, details: [] } };
    }
    if (op.kind === 'DELETE_FUNCTION') {
      this.functions.delete(op.target);
      this.stopRunning(op.target);
      return { name: op.name, metadata: { ...meta, endTime: new Date().toISOString() }, done: true, response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } };
    }
    const fn: Fn = { ...op.fn!, state: 'ACTIVE', updateTime: new Date().toISOString(), environment: 'GEN_2', url: `https://${op.target.split('/').pop()}-${this.host.projectNumber}.${op.region}.run.app`,
      eventTrigger: op.fn!.eventTrigger ? { ...op.fn!.eventTrigger, trigger: `${op.target.replace('/functions/', '/triggers/')}-000`, triggerRegion: op.fn!.eventTrigger.triggerRegion ?? op.region } : undefined };
    const prev = this.functions.get(op.target);
    this.functions.set(op.target, fn);
    if (!prev || prev.updateTime !== fn.updateTime) { this.stopRunning(op.target); this.startRunning(op.target, fn); }
    return { name: op.name, metadata: { ...meta, endTime: new Date().toISOString() }, done: true, response: { '@type': 'type.googleapis.com/google.cloud.functions.v2.Function', ...fn } };
  }

  private stopRunning(name: string): void {
    const r = this.running.get(name);
    if (r) { r.proc.kill('SIGTERM'); fs.rmSync(r.dir, { recursive: true, force: true }); this.running.delete(name); }
  }

  /** Runs a deployed function from its zip with the real Functions Framework (Node.js), or Python's where importable. */
  private startRunning(name: string, fn: Fn): void {
    const src = fn.buildConfig?.source?.storageSource;
    const zip = src?.bucket && src.object ? this.host.objectBytes(src.bucket, src.object) : undefined;
    if (!zip) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-gcf-'));
    for (const e of readZip(zip)) {
      if (e.name.endsWith('/')) { fs.mkdirSync(path.join(dir, e.name), { recursive: true }); continue; }
      const to = path.join(dir, e.name);
      if (!to.startsWith(dir + path.sep)) continue;
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.writeFileSync(to, e.data);
    }
    const port = freePortSync();
    const env = { ...process.env, ...(fn.serviceConfig?.environmentVariables ?? {}), PORT: String(port), K_SERVICE: name.split('/').pop()!, FUNCTION_TARGET: fn.buildConfig?.entryPoint ?? 'function', FUNCTION_SIGNATURE_TYPE: 'cloudevent' };
    let proc: ChildProcess;
    if ((fn.buildConfig?.runtime ?? '').startsWith('nodejs')) {
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      const bin = path.join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
      proc = spawn(process.execPath, [bin, `--target=${env.FUNCTION_TARGET}`, '--signature-type=cloudevent', `--port=${port}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } else if (spawnSync('python3', ['-c', 'import functions_framework'], { stdio: 'ignore' }).status === 0) {
      proc = spawn('python3', ['-m', 'functions_framework', `--target=${env.FUNCTION_TARGET}`, `--port=${port}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    } else { fs.rmSync(dir, { recursive: true, force: true }); return; }
    const logs: string[] = [];
    proc.stdout?.on('data', (c: Buffer) => logs.push(c.toString()));
    proc.stderr?.on('data', (c: Buffer) => logs.push(c.toString()));
    this.running.set(name, { proc, url: `http://127.0.0.1:${port}/`, dir });
    this.logs.set(name, logs);
  }

  /** What the running functions printed (their "Cloud Logging"). */
  readonly logs = new Map<string, string[]>();

  /** Eventarc: an object was finalized; every ACTIVE function triggered on its bucket gets the event (retried on failure when asked). */
  objectFinalized(bucket: string, object: string, data: Buffer, contentType: string, id = String(Date.now()) + String(Math.floor(Math.random() * 1e6))): Promise<Delivery[]> {
    const targets = [...this.functions.entries()].filter(([, f]) => f.state === 'ACTIVE' && f.eventTrigger?.eventType === 'google.cloud.storage.object.v1.finalized' && f.eventTrigger.eventFilters?.some((x) => x.attribute === 'bucket' && x.value === bucket));
    return Promise.all(targets.map(([name, f]) => this.deliver(name, f, bucket, object, data, contentType, id)));
  }

  /** Delivers an event again (at-least-once delivery), with its original ID. */
  redeliver(d: Delivery, bucket: string): Promise<Delivery> {
    const f = this.functions.get(d.fn);
    if (!f) throw new Error(`no function ${d.fn}`);
    return this.deliver(d.fn, f, bucket, d.object, this.host.objectBytes(bucket, d.object) ?? Buffer.alloc(0), 'application/octet-stream', d.id);
  }

  private async deliver(name: string, f: Fn, bucket: string, object: string, data: Buffer, contentType: string, id: string): Promise<Delivery> {
    const retry = f.eventTrigger?.retryPolicy === 'RETRY_POLICY_RETRY';
    const now = new Date().toISOString();
    const body = JSON.stringify({ kind: 'storage#object', id: `${bucket}/${object}/${Date.now()}`, bucket, name: object, generation: String(Date.now() * 1000), metageneration: '1', contentType, size: String(data.length), timeCreated: now, updated: now, storageClass: 'STANDARD' });
    let last: Delivery = { fn: name, id, object, status: 'not running', attempt: 0 };
    for (let attempt = 1; attempt <= (retry ? 4 : 1); attempt++) {
      const r = this.running.get(name);
      let status: number | string = 'not running';
      if (r) {
        for (let wait = 0; wait < 50; wait++) {
          try {
            const res = await fetch(r.url, { method: 'POST', headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-type': 'google.cloud.storage.object.v1.finalized', 'ce-source': `//storage.googleapis.com/projects/_/buckets/${bucket}`, 'ce-subject': `objects/${object}`, 'ce-id': id, 'ce-time': now }, body });
            status = res.status;
            break;
          } catch { status = 'no answer'; await new Promise((res) => setTimeout(res, 100)); } // the framework is still starting
        }
      }
      last = { fn: name, id, object, status, attempt };
      this.deliveries.push(last);
      if (typeof status === 'number' && status >= 200 && status < 300) break;
      await new Promise((res) => setTimeout(res, 200 * attempt));
    }
    return last;
  }
}

function err(code: number, status: string, message: string, details: unknown[] = []): { status: number; body: unknown } {
  return { status: code, body: { error: { code, message, status, details } } };
}

function freePortSync(): number {
  // A port the OS hands out now; the framework binds it a moment later (good enough on loopback in tests).
  const r = spawnSync(process.execPath, ['-e', 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'], { encoding: 'utf8' });
  const port = Number(r.stdout.trim());
  if (!port) throw new Error('no free port');
  return port;
}
