// PipelineJobs as the extension's runs, their task details placed on the IR
// graph, and the create body as Google's SDK builds it (python-aiplatform
// pipeline_jobs.py and utils/pipeline_utils.py, ../shared/vertex-reference.md 2-3).
//
// How Vertex reports control flow in jobDetail.taskDetails is only partly
// documented (pipeline_job.proto): entries nest by parentTaskId, `taskName` is the
// task key of the spec, untriggered condition groups are NOT_TRIGGERED, a cache
// hit is SKIPPED (and/or execution.state CACHED), Google's own code expects an
// entry named after the job for the root DAG. How ParallelFor iterations appear is
// UNCONFIRMED, so both readings are placed: (a) iteration entries under the loop's
// entry (named like the loop, or `…iteration-N`), holding the steps; (b) several
// entries of one step key directly under the loop's entry, one per iteration.
import type { JsonObject, Run, RuntimeState } from '../kfp/types';
import type { GraphNode, PipelineGraph } from '../graph/model';
import type { Attempt, NodeState, RunGraphState } from '../graph/runState';
import { PIPELINE_STATE_BY_NUMBER, PipelineJob, PipelineState, PipelineTaskDetail, TASK_STATE_BY_NUMBER, TaskState } from './types';

export interface VertexRun extends Run { vertex: PipelineJob }

const RUN_STATE: Record<PipelineState, RuntimeState> = {
  PIPELINE_STATE_UNSPECIFIED: 'RUNTIME_STATE_UNSPECIFIED', PIPELINE_STATE_QUEUED: 'PENDING', PIPELINE_STATE_PENDING: 'PENDING',
  PIPELINE_STATE_RUNNING: 'RUNNING', PIPELINE_STATE_SUCCEEDED: 'SUCCEEDED', PIPELINE_STATE_FAILED: 'FAILED',
  PIPELINE_STATE_CANCELLING: 'CANCELING', PIPELINE_STATE_CANCELLED: 'CANCELED', PIPELINE_STATE_PAUSED: 'PAUSED',
};

const TASK_STATE: Record<TaskState, RuntimeState> = {
  STATE_UNSPECIFIED: 'RUNTIME_STATE_UNSPECIFIED', PENDING: 'PENDING', RUNNING: 'RUNNING', SUCCEEDED: 'SUCCEEDED',
  CANCEL_PENDING: 'CANCELING', CANCELLING: 'CANCELING', CANCELLED: 'CANCELED', FAILED: 'FAILED',
  // "skipped due to cache hit": the step succeeded from the cache.
  SKIPPED: 'SUCCEEDED',
  // "trigger policy is not satisfied": KFP's word for a branch not taken.
  NOT_TRIGGERED: 'SKIPPED',
};

export function pipelineState(s: PipelineJob['state']): PipelineState {
  return typeof s === 'number' ? PIPELINE_STATE_BY_NUMBER[s] ?? 'PIPELINE_STATE_UNSPECIFIED' : s ?? 'PIPELINE_STATE_UNSPECIFIED';
}
export function taskState(s: PipelineTaskDetail['state']): TaskState {
  return typeof s === 'number' ? TASK_STATE_BY_NUMBER[s] ?? 'STATE_UNSPECIFIED' : s ?? 'STATE_UNSPECIFIED';
}

/** The job's ID: the last segment of projects/P/locations/L/pipelineJobs/ID. */
export function jobIdOf(job: PipelineJob): string { return (job.name ?? '').split('/').pop() ?? ''; }

/** A PipelineJob as a run of the explorer, the poller and the run view (the job itself rides along). */
export function runOfJob(job: PipelineJob): VertexRun {
  const params = job.runtimeConfig?.parameterValues ?? Object.fromEntries(Object.entries(job.runtimeConfig?.parameters ?? {}).map(([k, v]) => [k, v.stringValue ?? v.doubleValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined)]));
  return {
    run_id: jobIdOf(job), display_name: job.displayName || jobIdOf(job), state: RUN_STATE[pipelineState(job.state)],
    created_at: job.createTime, scheduled_at: job.startTime, finished_at: job.endTime,
    error: job.error?.message ? { code: job.error.code, message: job.error.message } : undefined,
    pipeline_spec: job.pipelineSpec as JsonObject | undefined,
    runtime_config: { parameters: params as Record<string, never>, pipeline_root: job.runtimeConfig?.gcsOutputDirectory },
    service_account: job.serviceAccount, recurring_run_id: job.scheduleName?.split('/').pop(),
    vertex: job,
  };
}

export function isVertexRun(r: Run): r is VertexRun { return Boolean((r as VertexRun).vertex); }

export const VERTEX_LIMITS = 'Vertex AI reports loop iterations in task details in a way Google does not document; they are placed by the two plausible readings (iteration entries under the loop, or one entry per iteration of each step).';

function nodeState(d: PipelineTaskDetail): NodeState {
  const ts = taskState(d.state);
  const s: NodeState = { state: TASK_STATE[ts] };
  if (ts === 'SKIPPED' || d.execution?.state === 'CACHED') { s.cached = true; if (s.state === 'RUNNING' || s.state === 'PENDING') s.state = 'SUCCEEDED'; }
  if (d.startTime) s.startTime = d.startTime;
  if (d.endTime) s.endTime = d.endTime;
  if (d.error?.message) s.error = d.error.message;
  const c = d.executorDetail?.containerDetail;
  const cj = d.executorDetail?.customJobDetail;
  const main = c?.mainJob ?? cj?.job;
  const failed = c?.failedMainJobs ?? cj?.failedJobs ?? [];
  if (main) s.job = main;
  if (d.taskId) s.taskId = d.taskId;
  if (failed.length) {
    const attempts: Attempt[] = failed.map((j) => ({ job: j, state: 'FAILED' as RuntimeState }));
    if (main && !failed.includes(main)) attempts.push({ job: main, state: s.state });
    s.attempts = attempts;
  }
  const arts = [
    ...Object.entries(d.inputs ?? {}).flatMap(([k, v]) => (v.artifacts ?? []).map((a) => `in ${k} ${a.uri ?? a.name ?? ''}`)),
    ...Object.entries(d.outputs ?? {}).flatMap(([k, v]) => (v.artifacts ?? []).map((a) => `out ${k} ${a.uri ?? a.name ?? ''}`)),
  ];
  if (arts.length) s.artifacts = arts;
  const retried = (d.pipelineTaskStatus ?? []).filter((p) => p.error?.message && !['FAILED', 'CANCELLED'].includes(taskState(p.state)));
  if (retried.length) s.note = `Vertex retried a system error: ${retried[retried.length - 1].error!.message}`;
  return s;
}

const ITERATION = /(?:^|[-.])iteration-(\d+)$/;

/** Task details placed on the graph (node ids as for KFP runs: loops' steps under `<loop id>[<i>]/…`). */
export function vertexGraphState(graph: PipelineGraph, job: PipelineJob): RunGraphState {
  const out: RunGraphState = { nodes: new Map(), iterations: new Map(), source: 'vertex', limits: VERTEX_LIMITS };
  const details = (job.jobDetail?.taskDetails ?? []).filter((d) => d && typeof d === 'object');
  const byParent = new Map<string, PipelineTaskDetail[]>();
  const ids = new Set(details.map((d) => d.taskId ?? ''));
  for (const d of details) {
    const p = d.parentTaskId && ids.has(d.parentTaskId) ? d.parentTaskId : '';
    const list = byParent.get(p);
    if (list) list.push(d); else byParent.set(p, [d]);
  }
  const order = (a: PipelineTaskDetail, b: PipelineTaskDetail) => Number(a.taskId ?? 0) - Number(b.taskId ?? 0);
  const childrenOf = (id: string) => (byParent.get(id) ?? []).sort(order);
  // The root DAG: an entry named after the job (Google's evaluation code expects one), or none.
  const top = childrenOf('');
  const rootKeys = new Set((graph.root.children ?? []).map((c) => c.key));
  const rootEntry = top.find((d) => d.taskName === jobIdOf(job)) ?? (top.length === 1 && !rootKeys.has(top[0].taskName ?? '') ? top[0] : undefined);
  if (rootEntry) out.nodes.set('root', nodeState(rootEntry));
  const topLevel = rootEntry ? [...top.filter((d) => d !== rootEntry), ...childrenOf(rootEntry.taskId ?? '')] : top;

  const place = (group: GraphNode, groupId: string, entries: PipelineTaskDetail[]) => {
    for (const c of group.children ?? []) {
      const cid = `${groupId}/${c.key}`;
      const mine = entries.filter((d) => d.taskName === c.key);
      if (!mine.length) continue;
      if (c.kind === 'loop') { placeLoop(c, cid, mine); continue; }
      const d = mine[mine.length - 1];
      out.nodes.set(cid, nodeState(d));
      if (c.children?.length) place(c, cid, childrenOf(d.taskId ?? ''));
    }
  };
  const placeLoop = (loop: GraphNode, id: string, entries: PipelineTaskDetail[]) => {
    const loopEntry = entries[0];
    out.nodes.set(id, nodeState(loopEntry));
    const inner = childrenOf(loopEntry.taskId ?? '');
    // Entries for iterations (reading a): those named like the loop or …iteration-N, holding the steps.
    const childKeys = new Set((loop.children ?? []).map((c) => c.key));
    const iterEntries = [...entries.slice(1), ...inner.filter((d) => !childKeys.has(d.taskName ?? '') && (d.taskName === loop.key || ITERATION.test(d.taskName ?? '')))];
    const its: Array<{ index: number; state: RuntimeState }> = [];
    if (iterEntries.length) {
      iterEntries.forEach((it, i) => {
        const m = ITERATION.exec(it.taskName ?? '') ?? ITERATION.exec(it.taskUniqueName ?? '');
        const index = m ? Number(m[1]) : i;
        const s = nodeState(it);
        its.push({ index, state: s.state });
        place(loop, `${id}[${index}]`, childrenOf(it.taskId ?? ''));
      });
    } else {
      // Reading (b): each step of the body has one entry per iteration, in order.
      const perKey = new Map<string, PipelineTaskDetail[]>();
      for (const d of inner) { if (!childKeys.has(d.taskName ?? '')) continue; const l = perKey.get(d.taskName!); if (l) l.push(d); else perKey.set(d.taskName!, [d]); }
      const n = Math.max(0, ...[...perKey.values()].map((l) => l.length));
      for (let i = 0; i < n; i++) {
        const slice = [...perKey.values()].map((l) => l[i]).filter(Boolean);
        place(loop, `${id}[${i}]`, slice);
        const states = slice.map((d) => nodeState(d).state);
        its.push({ index: i, state: states.includes('FAILED') ? 'FAILED' : states.includes('RUNNING') ? 'RUNNING' : states.every((s) => s === 'SUCCEEDED') ? 'SUCCEEDED' : states[0] ?? 'PENDING' });
      }
    }
    if (its.length) out.iterations.set(id, its.sort((a, b) => a.index - b.index));
  };
  place(graph.root, 'root', topLevel);
  // Inside a group that was not triggered nothing runs: said, not left pending.
  const skipInside = (n: GraphNode, id: string) => {
    for (const c of n.children ?? []) {
      const cid = `${id}/${c.key}`;
      if (!out.nodes.has(cid)) out.nodes.set(cid, { state: 'SKIPPED', note: 'Not run: its group\'s condition was not met.' });
      skipInside(c, cid);
    }
  };
  for (const [id, s] of [...out.nodes]) {
    if (s.state !== 'SKIPPED') continue;
    const n = graph.byId.get(id);
    if (n?.children?.length) skipInside(n, id);
  }
  if (!details.length) { out.source = 'none'; out.limits = pipelineState(job.state) === 'PIPELINE_STATE_FAILED' ? undefined : 'No task has started yet.'; }
  return out;
}

// ---- Creating a run ---------------------------------------------------------

export interface JobInput {
  spec: JsonObject;
  displayName?: string;
  parameters?: Record<string, unknown>;
  pipelineRoot?: string;
  serviceAccount?: string;
  network?: string;
  labels?: Record<string, string>;
  /** Overrides every task's caching (the SDK's enable_caching). */
  enableCaching?: boolean;
  templateUri?: string;
  failFast?: boolean;
}

export class JobInputError extends Error {}

/** The job ID the SDK makes: the pipeline name lowercased with runs of other characters as "-", then -YYYYMMDDHHMMSS. */
export function jobIdFor(pipelineName: string, now = new Date()): string {
  const base = pipelineName.toLowerCase().replace(/[^-0-9a-z]+/g, '-').replace(/^-+|-+$/g, '') || 'pipeline';
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  let id = `${base}-${stamp}`;
  if (!/^[a-z]/.test(id)) id = `p-${id}`;
  return id.slice(0, 128);
}

/** Labels as Vertex takes them: keys and values ≤ 63 characters of lowercase letters, digits, "_" and "-" (keys start with a letter). */
export function labelProblem(labels: Record<string, string>): string | undefined {
  for (const [k, v] of Object.entries(labels)) {
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k)) return `label key "${k}" must start with a lowercase letter and hold at most 63 lowercase letters, digits, "_" or "-"`;
    if (!/^[a-z0-9_-]{0,63}$/.test(v)) return `label "${k}" has the value "${v}": values hold at most 63 lowercase letters, digits, "_" or "-"`;
    if (k === 'vertex-ai-pipelines-run-billing-id') return `label "${k}" is reserved by Vertex AI`;
  }
  return undefined;
}

/**
 * The PipelineJob body, as pipeline_utils.PipelineRuntimeConfigBuilder builds its runtimeConfig: parameterValues
 * (raw JSON values) for specs of schemaVersion above 2.0.0, else `parameters` typed intValue/doubleValue/stringValue;
 * unknown parameters refused; the pipeline root from the argument, else the spec's defaultPipelineRoot.
 */
export function pipelineJobBody(i: JobInput): PipelineJob {
  const spec = (i.spec.pipeline_spec && typeof i.spec.pipeline_spec === 'object' ? i.spec.pipeline_spec : i.spec) as JsonObject;
  const root = i.pipelineRoot || (typeof spec.defaultPipelineRoot === 'string' ? spec.defaultPipelineRoot : '');
  if (!root) throw new JobInputError('Vertex AI needs a pipeline root (a gs:// folder for the run\'s outputs): set "pipelineRoot" on the endpoint, or compile with pipeline_root=….');
  if (!/^gs:\/\/[^/]+/.test(root)) throw new JobInputError(`The pipeline root "${root}" must be a gs:// URI (gs://BUCKET/PATH) in the endpoint's region.`);
  const defs = ((spec.root as JsonObject | undefined)?.inputDefinitions as JsonObject | undefined)?.parameters as Record<string, { parameterType?: string; type?: string }> | undefined ?? {};
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(i.parameters ?? {})) {
    if (!(k in defs)) throw new JobInputError(`The pipeline parameter ${k} is not found in the pipeline job input definitions.`);
    if (v !== null && v !== undefined) params[k] = v;
  }
  const newSchema = compareVersions(String(spec.schemaVersion ?? '2.1.0'), '2.0.0') > 0;
  const runtimeConfig: PipelineJob['runtimeConfig'] = { gcsOutputDirectory: root };
  if (newSchema) runtimeConfig.parameterValues = params;
  else {
    runtimeConfig.parameters = {};
    for (const [k, v] of Object.entries(params)) {
      const t = defs[k]?.type ?? defs[k]?.parameterType;
      runtimeConfig.parameters[k] = t === 'INT' || t === 'NUMBER_INTEGER' ? { intValue: String(v) } : t === 'DOUBLE' || t === 'NUMBER_DOUBLE' ? { doubleValue: Number(v) } : { stringValue: typeof v === 'string' ? v : JSON.stringify(v) };
    }
  }
  if (i.failFast) runtimeConfig.failurePolicy = 'PIPELINE_FAILURE_POLICY_FAIL_FAST';
  let pipelineSpec = spec;
  if (i.enableCaching !== undefined) pipelineSpec = withCaching(spec, i.enableCaching);
  const labels = i.labels && Object.keys(i.labels).length ? i.labels : undefined;
  if (labels) { const p = labelProblem(labels); if (p) throw new JobInputError(`Vertex AI refuses the ${p}.`); }
  const name = String((spec.pipelineInfo as JsonObject | undefined)?.name ?? 'pipeline');
  return {
    displayName: (i.displayName || name).slice(0, 128), pipelineSpec, runtimeConfig,
    ...(i.serviceAccount ? { serviceAccount: i.serviceAccount } : {}), ...(i.network ? { network: i.network } : {}),
    ...(labels ? { labels } : {}), ...(i.templateUri ? { templateUri: i.templateUri } : {}),
  };
}

/** The SDK's enable_caching: every DAG task's cachingOptions.enableCache set (a copy; the input is unchanged). */
export function withCaching(spec: JsonObject, enable: boolean): JsonObject {
  const copy = JSON.parse(JSON.stringify(spec)) as JsonObject;
  const dags = [copy.root, ...Object.values((copy.components ?? {}) as Record<string, unknown>)] as Array<{ dag?: { tasks?: Record<string, { cachingOptions?: { enableCache?: boolean } }> } } | undefined>;
  for (const c of dags) for (const t of Object.values(c?.dag?.tasks ?? {})) t.cachingOptions = { ...(t.cachingOptions ?? {}), enableCache: enable };
  return copy;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) { const d = (pa[i] || 0) - (pb[i] || 0); if (d) return d; }
  return 0;
}

/** Console pages, as python-aiplatform links them (pipeline_jobs.py _dashboard_uri, schedules.py). */
export function consoleRunUrl(project: string, region: string, jobId: string): string {
  return `https://console.cloud.google.com/vertex-ai/locations/${encodeURIComponent(region)}/pipelines/runs/${encodeURIComponent(jobId)}?project=${encodeURIComponent(project)}`;
}
export function consoleScheduleUrl(project: string, region: string, scheduleId: string): string {
  return `https://console.cloud.google.com/vertex-ai/locations/${encodeURIComponent(region)}/pipelines/schedules/${encodeURIComponent(scheduleId)}?project=${encodeURIComponent(project)}`;
}
