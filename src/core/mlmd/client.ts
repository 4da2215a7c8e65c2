// A run's step outputs from ML Metadata, read as the KFP web UI reads them
// (kubeflow/pipelines frontend/src/mlmd/MlmdUtils.ts, frontend/src/lib/v2/DynamicFlow.ts):
// gRPC-web calls through the UI server's `/ml_metadata.MetadataStoreService/*`
// proxy: the run's context (type `system.PipelineRun`, named by the run ID), its
// executions, artifacts, and the events that link them. Executions carry the KFP
// driver's custom properties (backend/src/v2/metadata/client.go): `task_name`,
// `parent_dag_id`, `iteration_index`/`iteration_count`, `pod_name`, `namespace`,
// `cached_execution_id`, and `inputs`/`outputs` (parameter values as a Struct).
import type { KfpClient } from '../kfp/client';
import { KfpError } from '../kfp/errors';
import { loadProtobuf } from '../util/lazy';
import type { GraphNode, PipelineGraph } from '../graph/model';
import { MLMD_DESCRIPTOR, MlmdArtifact, MlmdContext, MlmdEvent, MlmdExecution, mlmdToJson } from './schema';

type PbType = { encode(m: unknown): { finish(): Uint8Array }; decode(b: Uint8Array): unknown; fromObject(o: unknown): unknown; toObject(m: unknown, o: Record<string, unknown>): unknown };
let root: { lookupType(name: string): PbType } | undefined;
export function mlmdTypes(): { lookupType(name: string): PbType } {
  if (!root) root = loadProtobuf().Root.fromJSON(MLMD_DESCRIPTOR) as unknown as { lookupType(name: string): PbType };
  return root;
}

/** A gRPC-web message frame: flag 0, big-endian length, message. */
export function grpcWebFrame(message: Uint8Array, flag = 0): Buffer {
  const b = Buffer.alloc(5 + message.length);
  b[0] = flag;
  b.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(b, 5);
  return b;
}

/** The message and trailers of a gRPC-web response body (data frames, then a trailer frame with flag 0x80). */
export function grpcWebParse(body: Buffer, maxMessage = 64 * 1024 * 1024): { message?: Buffer; trailers: Record<string, string> } {
  let off = 0;
  let message: Buffer | undefined;
  const trailers: Record<string, string> = {};
  while (off + 5 <= body.length) {
    const flag = body[off];
    const len = body.readUInt32BE(off + 1);
    if (len > maxMessage || off + 5 + len > body.length) throw new KfpError('ML Metadata: the gRPC-web answer is cut short or too large', 'malformed');
    const chunk = body.subarray(off + 5, off + 5 + len);
    if (flag & 0x80) {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i > 0) trailers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
    } else message = message ? Buffer.concat([message, chunk]) : chunk;
    off += 5 + len;
  }
  return { message, trailers };
}

const GRPC_CODES: Record<string, string> = { 3: 'invalid argument', 5: 'not found', 7: 'permission denied', 12: 'not implemented', 13: 'internal error', 14: 'unavailable', 16: 'unauthenticated' };

export class MlmdClient {
  constructor(private readonly kfp: KfpClient) {}

  async call<T>(method: string, request: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const types = mlmdTypes();
    const req = types.lookupType(`ml_metadata.${method}Request`);
    const res = types.lookupType(`ml_metadata.${method}Response`);
    const frame = grpcWebFrame(req.encode(req.fromObject(request)).finish());
    const http = await this.kfp.grpcWeb(`ml_metadata.MetadataStoreService/${method}`, frame, signal, `ML Metadata ${method}`);
    const ct = String(http.headers['content-type'] ?? '');
    if (!ct.startsWith('application/grpc-web')) throw new KfpError(`ML Metadata ${method}: the answer is not gRPC-web (${ct || 'no content type'}); is this endpoint a KFP UI server?`, 'malformed');
    const parsed = grpcWebParse(http.body);
    // A trailers-only answer carries grpc-status in the HTTP headers.
    const status = parsed.trailers['grpc-status'] ?? String(http.headers['grpc-status'] ?? '0');
    if (status !== '0') {
      const msg = decodeURIComponent(parsed.trailers['grpc-message'] ?? String(http.headers['grpc-message'] ?? ''));
      throw new KfpError(`ML Metadata ${method}: ${GRPC_CODES[status] ?? `gRPC status ${status}`}${msg ? `: ${msg}` : ''}`, 'http', status === '5' ? 404 : status === '7' ? 403 : status === '16' ? 401 : 502);
    }
    return res.toObject(res.decode(parsed.message ?? new Uint8Array()), { longs: Number, enums: String, defaults: false }) as T;
  }

  /** Everything MLMD holds about a run (context `system.PipelineRun` named by the run ID). */
  async runData(runId: string, signal?: AbortSignal): Promise<RunMlmd> {
    const ctx = await this.call<{ context?: MlmdContext }>('GetContextByTypeAndName', { type_name: 'system.PipelineRun', context_name: runId }, signal);
    if (!ctx.context?.id) throw new KfpError(`ML Metadata has no context for run ${runId} (the run has not started, or MLMD is not in use)`, 'http', 404);
    const [ex, ar] = await Promise.all([
      this.call<{ executions?: MlmdExecution[] }>('GetExecutionsByContext', { context_id: ctx.context.id }, signal),
      this.call<{ artifacts?: MlmdArtifact[] }>('GetArtifactsByContext', { context_id: ctx.context.id }, signal),
    ]);
    const executions = ex.executions ?? [];
    const ids = executions.map((e) => e.id).filter((x): x is number => typeof x === 'number');
    const ev = ids.length ? await this.call<{ events?: MlmdEvent[] }>('GetEventsByExecutionIDs', { execution_ids: ids }, signal) : { events: [] };
    return { executions, artifacts: ar.artifacts ?? [], events: ev.events ?? [] };
  }
}

export interface RunMlmd { executions: MlmdExecution[]; artifacts: MlmdArtifact[]; events: MlmdEvent[] }

export interface StepArtifact { name: string; uri?: string; type?: string; id?: number; direction: 'input' | 'output' }
export interface StepMlmd {
  executionId?: number;
  /** MLMD Execution.State: NEW, RUNNING, COMPLETE, FAILED, CACHED, CANCELED. */
  state?: string;
  podName?: string;
  namespace?: string;
  cachedExecutionId?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  artifacts: StepArtifact[];
}

const prop = (e: MlmdExecution, k: string) => mlmdToJson(e.custom_properties?.[k]);

/**
 * Places executions on the graph as DynamicFlow.ts does: the root execution has
 * no task_name; a task's execution is the one named after its key whose
 * parent_dag_id is its DAG's execution; a ParallelFor's iterations are executions
 * named after the loop whose parent is the loop's execution, told apart by
 * iteration_index. Keys are graph ids (`root/for-loop-2[1]/train`).
 */
export function placeExecutions(graph: PipelineGraph, data: RunMlmd): Map<string, StepMlmd> {
  const out = new Map<string, StepMlmd>();
  const byParent = new Map<number, MlmdExecution[]>();
  let rootExec: MlmdExecution | undefined;
  for (const e of data.executions) {
    const parent = prop(e, 'parent_dag_id');
    if (typeof parent === 'number' && parent > 0) {
      const l = byParent.get(parent);
      if (l) l.push(e); else byParent.set(parent, [e]);
    } else if (!prop(e, 'task_name') && !rootExec) rootExec = e;
  }
  const arts = new Map<number, MlmdArtifact>();
  for (const a of data.artifacts) if (typeof a.id === 'number') arts.set(a.id, a);
  const eventsOf = new Map<number, MlmdEvent[]>();
  for (const ev of data.events) {
    if (typeof ev.execution_id !== 'number') continue;
    const l = eventsOf.get(ev.execution_id);
    if (l) l.push(ev); else eventsOf.set(ev.execution_id, [ev]);
  }
  const describe = (e: MlmdExecution): StepMlmd => {
    const s: StepMlmd = { executionId: e.id, state: e.last_known_state, artifacts: [] };
    const pod = prop(e, 'pod_name'); if (typeof pod === 'string' && pod) s.podName = pod;
    const ns = prop(e, 'namespace'); if (typeof ns === 'string' && ns) s.namespace = ns;
    const cached = prop(e, 'cached_execution_id'); if (cached !== undefined && cached !== '') s.cachedExecutionId = String(cached);
    const ins = prop(e, 'inputs'); if (ins && typeof ins === 'object') s.inputs = ins as Record<string, unknown>;
    const outs = prop(e, 'outputs'); if (outs && typeof outs === 'object') s.outputs = outs as Record<string, unknown>;
    for (const ev of eventsOf.get(e.id ?? -1) ?? []) {
      const a = arts.get(ev.artifact_id ?? -1);
      const direction = ev.type === 'OUTPUT' || ev.type === 'DECLARED_OUTPUT' ? 'output' : ev.type === 'INPUT' || ev.type === 'DECLARED_INPUT' ? 'input' : undefined;
      if (!direction) continue;
      const name = ev.path?.steps?.[0]?.key ?? (typeof prop(a ?? {}, 'display_name') === 'string' ? String(prop(a ?? {}, 'display_name')) : a?.name ?? `artifact ${ev.artifact_id}`);
      s.artifacts.push({ name, uri: a?.uri, type: a?.type, id: a?.id, direction });
    }
    return s;
  };
  const kids = (e: MlmdExecution) => byParent.get(e.id ?? -1) ?? [];
  const walk = (group: GraphNode, exec: MlmdExecution, prefix: string, depth: number) => {
    if (depth > 64) return;
    const children = kids(exec);
    for (const g of group.children ?? []) {
      const id = `${prefix}/${g.key}`;
      const mine = children.filter((c) => prop(c, 'task_name') === g.key);
      if (g.kind === 'loop') {
        const loopExec = mine.find((c) => prop(c, 'iteration_index') === undefined) ?? mine[0];
        if (!loopExec) continue;
        out.set(id, describe(loopExec));
        for (const it of kids(loopExec)) {
          const idx = prop(it, 'iteration_index');
          if (typeof idx !== 'number') continue;
          out.set(`${id}[${idx}]`, describe(it));
          walk(g, it, `${id}[${idx}]`, depth + 1);
        }
        continue;
      }
      const e = mine[0];
      if (!e) continue;
      out.set(id, describe(e));
      if (g.children?.length) walk(g, e, id, depth + 1);
    }
  };
  if (rootExec) {
    out.set('root', describe(rootExec));
    walk(graph.root, rootExec, 'root', 0);
  }
  return out;
}

/** bucket and key of an artifact URI the UI server's /artifacts/get reads (frontend/src/lib/WorkflowParser.ts parseStoragePath). */
export function storagePath(uri: string): { source: 'minio' | 's3' | 'gcs' | 'http' | 'https' | 'volume'; bucket: string; key: string } | undefined {
  const m = /^(minio|s3|gs|http|https|volume):\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) return undefined;
  const source = m[1] === 'gs' ? 'gcs' : (m[1] as 'minio' | 's3' | 'http' | 'https' | 'volume');
  return { source, bucket: m[2], key: m[3] };
}
