// A run's live state, placed on its graph. Where it comes from, best first
// (../shared/kfp-reference.md 1.8):
// 1. the run's Argo Workflow (from GET /apis/v1beta1/runs/{id}, or through the
//    Kubernetes API): every step, loop iteration, retry attempt and pod name
//    (./argoState.ts);
// 2. run_details.task_details, as the real API server fills them
//    (backend/src/apiserver/server/api_converter.go toModelTasks and
//    toApiPipelineTaskDetail): one entry per Argo node, `task_id` a random UUID,
//    `display_name` the Argo display name, `child_tasks[].pod_name` Argo node IDs
//    that match no task_id, pod_name never set. No tree can be rebuilt from them,
//    so a step gets the state of the entries named after it and nothing more: no
//    pod name, no loop iterations, no cached flag. The view says so.
import type { PipelineTaskDetail, Run, RuntimeState } from '../kfp/types';
import { ArgoNode, ArgoWorkflow, argoPodName, argoTime, mainLogsKey, PHASE_STATE, podNameFormat, workflowNodeStatus } from '../argo/workflow';
import { GraphNode, PipelineGraph } from './model';

export interface Attempt { podName?: string; /** Vertex: the CustomJob of this attempt. */ job?: string; state: RuntimeState; startTime?: string; endTime?: string; error?: string; archiveKey?: string }

export interface NodeState {
  state: RuntimeState;
  startTime?: string;
  endTime?: string;
  /** The executor pod (container main) of the last attempt, when there is one. */
  podName?: string;
  /** Vertex AI: the task detail's ID (for its outputs). */
  taskId?: string;
  /** Vertex AI: the task's CustomJob (projects/…/customJobs/ID), whose log is in Cloud Logging. */
  job?: string;
  /** Argo node id of the executor pod (or of the task's node). */
  nodeId?: string;
  cached?: boolean;
  error?: string;
  /** State of the driver pod, which decides caching and resolves inputs. */
  driverState?: RuntimeState;
  /** MLMD artifact IDs from task_details inputs/outputs ("in:name#id", "out:name#id"). */
  artifacts?: string[];
  /** Every attempt of a step with a retry policy, in order (the last is the one shown). */
  attempts?: Attempt[];
  /** Key of the archived main log in the artifact store, from the workflow (output artifact main-logs). */
  archiveKey?: string;
  /** What the source says, or cannot say, about this step. */
  note?: string;
}

export interface IterationState { index: number; state: RuntimeState }

export type StateSource = 'workflow-v1beta1' | 'workflow-kubernetes' | 'workflow-v1-run' | 'task-details' | 'vertex' | 'none';

export const SOURCE_LABEL: Record<StateSource, string> = {
  'workflow-v1beta1': 'the run\'s Argo Workflow, from the API server (v1beta1 run details)',
  'workflow-kubernetes': 'the run\'s Argo Workflow, through the Kubernetes API',
  'workflow-v1-run': 'the run\'s Argo Workflow (KFP v1 pipeline)',
  'task-details': 'the API server\'s task_details only',
  vertex: 'the Vertex AI pipeline job\'s task details',
  none: 'nothing yet',
};

export interface RunGraphState {
  workflowName?: string;
  /** By graph node id; nodes inside loop iterations are `<loop id>[<i>]/<key>…`. */
  nodes: Map<string, NodeState>;
  /** Loop node id → its iterations. */
  iterations: Map<string, IterationState[]>;
  source?: StateSource;
  /** What the source could not tell (shown in the view). */
  limits?: string;
  /** A KFP v1 pipeline run on a KFP 2 server (drawn from its workflow, said in the view). */
  v1OnV2?: boolean;
}

export const TASK_DETAILS_LIMITS = 'Only the API server\'s task_details could be read. They carry no pod names, no loop iterations and no cache decisions, so step logs, iterations and cached steps are not shown. Reading the run\'s Argo Workflow (GET /apis/v1beta1/runs/{id}, or the Kubernetes API with a kubeconfig) gives them.';

/**
 * State from task_details alone, by display name. A name that several entries
 * carry (a step in a loop, or the same task key in two sub-DAGs) gets their
 * combined state and a note that which is which cannot be told.
 */
export function mergeTaskDetails(graph: PipelineGraph, details: PipelineTaskDetail[]): RunGraphState {
  const out: RunGraphState = { nodes: new Map(), iterations: new Map(), source: 'task-details', limits: TASK_DETAILS_LIMITS };
  const byName = new Map<string, PipelineTaskDetail[]>();
  for (const d of details) {
    if (!d || typeof d !== 'object' || typeof d.display_name !== 'string') continue;
    const list = byName.get(d.display_name);
    if (list) list.push(d); else byName.set(d.display_name, [d]);
  }
  const keyCount = new Map<string, number>();
  const countKeys = (n: GraphNode) => { for (const c of n.children ?? []) { keyCount.set(c.key, (keyCount.get(c.key) ?? 0) + 1); countKeys(c); } };
  countKeys(graph.root);
  const root = byName.get('root');
  if (root?.length === 1) out.nodes.set('root', stateOf(root[0]));
  const visit = (n: GraphNode, id: string, inLoop: boolean) => {
    for (const c of n.children ?? []) {
      const cid = `${id}/${c.key}`;
      const entries = byName.get(c.key) ?? [];
      const drivers = byName.get(`${c.key}-driver`) ?? [];
      if (entries.length || drivers.length) {
        const s = entries.length ? combine(entries) : { state: combine(drivers).state === 'FAILED' ? 'FAILED' as RuntimeState : 'PENDING' as RuntimeState };
        const shared = inLoop || (keyCount.get(c.key) ?? 0) > 1 || entries.length > 1;
        s.note = shared
          ? `${entries.length} task_details entries are named "${c.key}" (a loop or a repeated name): the state shown combines them; which iteration is which cannot be told from task_details.`
          : 'From task_details: no pod name (so no log) and no cache decision can be read from them.';
        out.nodes.set(cid, s);
      }
      if (c.children?.length) visit(c, cid, inLoop || c.kind === 'loop');
    }
  };
  visit(graph.root, 'root', false);
  return out;
}

function combine(entries: PipelineTaskDetail[]): NodeState {
  if (entries.length === 1) return stateOf(entries[0]);
  const states = entries.map((e) => e.state ?? 'RUNTIME_STATE_UNSPECIFIED');
  const pick: RuntimeState = states.includes('FAILED') ? 'FAILED' : states.includes('RUNNING') ? 'RUNNING' : states.includes('PENDING') ? 'PENDING'
    : states.every((s) => s === 'SKIPPED') ? 'SKIPPED' : states.includes('SUCCEEDED') ? 'SUCCEEDED' : states[0];
  const s: NodeState = { state: pick };
  const err = entries.find((e) => e.error?.message)?.error?.message;
  if (err) s.error = err;
  return s;
}

function stateOf(d: PipelineTaskDetail): NodeState {
  const s: NodeState = { state: d.state ?? 'RUNTIME_STATE_UNSPECIFIED' };
  const arts = [
    ...Object.entries(d.inputs ?? {}).flatMap(([k, v]) => (v.artifact_ids ?? []).map((id) => `in ${k} #${id}`)),
    ...Object.entries(d.outputs ?? {}).flatMap(([k, v]) => (v.artifact_ids ?? []).map((id) => `out ${k} #${id}`)),
  ];
  if (arts.length) s.artifacts = arts;
  if (d.start_time && !d.start_time.startsWith('1970')) s.startTime = d.start_time;
  if (d.end_time && !d.end_time.startsWith('1970')) s.endTime = d.end_time;
  if (d.error?.message) s.error = d.error.message;
  return s;
}

/** Counts of leaf states under a node, over every iteration of every loop inside it. */
export function countStates(node: GraphNode, state: RunGraphState, prefix = node.id): Partial<Record<RuntimeState, number>> {
  const counts: Partial<Record<RuntimeState, number>> = {};
  const add = (s: RuntimeState) => { counts[s] = (counts[s] ?? 0) + 1; };
  const visit = (n: GraphNode, id: string) => {
    if (n.kind === 'task' || n.kind === 'importer') { add(state.nodes.get(id)?.state ?? 'PENDING'); return; }
    if (n.kind === 'loop') {
      const iters = state.iterations.get(id);
      if (iters?.length) { for (const it of iters) for (const c of n.children ?? []) visit(c, `${id}[${it.index}]/${c.key}`); return; }
    }
    for (const c of n.children ?? []) visit(c, `${id}/${c.key}`);
  };
  visit(node, prefix);
  return counts;
}

// ---- KFP v1 runs: the workflow's own graph ----------------------------------

/**
 * A v1 run's graph as the KFP UI draws it (kubeflow/pipelines
 * frontend/src/lib/WorkflowParser.ts createRuntimeGraph): every node of the
 * workflow but the workflow's own node (when there are others) and the virtual
 * ones (StepGroup, DAG, TaskGroup, Retry with a boundaryID), so Pods, Skipped
 * nodes, Steps nodes and the `<workflow>.onExit` node are drawn; edges follow
 * `children`, then `boundaryID` for nodes left without an inbound edge, and pass
 * through the removed virtual nodes; the onExit node follows the workflow's
 * outbound nodes.
 */
export function graphFromWorkflow(workflow: ArgoWorkflow, maxNodes = 20000): { graph: PipelineGraph; state: RunGraphState } {
  const res = workflowNodeStatus(workflow);
  const all = res.nodes ?? {};
  const wf = workflow.metadata?.name ?? '';
  const fmt = podNameFormat(workflow);
  const root: GraphNode = { id: 'root', key: 'root', name: wf || 'workflow', kind: 'dag', componentRef: 'root', children: [], edges: [] };
  const byId = new Map<string, GraphNode>([['root', root]]);
  const state: RunGraphState = { workflowName: wf, nodes: new Map(), iterations: new Map(), source: 'workflow-v1-run' };
  if (!res.nodes) state.limits = res.offloaded ? 'Argo offloaded this workflow\'s node status to its database; the API server sent no nodes.' : 'The workflow has no node status yet.';
  const nodes = new Map<string, ArgoNode>();
  for (const [id, n] of Object.entries(all)) if (n && typeof n === 'object') nodes.set(n.id ?? id, { ...n, id: n.id ?? id });
  if (nodes.size > maxNodes) throw new Error(`This workflow has ${nodes.size} nodes; more than ${maxNodes} are not drawn.`);
  const isVirtual = (n: ArgoNode) => ['StepGroup', 'DAG', 'TaskGroup', 'Retry'].includes(n.type ?? '') && Boolean(n.boundaryID);
  const drawn = new Set<string>();
  for (const n of nodes.values()) if (!(nodes.size > 1 && n.name === wf) && !isVirtual(n)) drawn.add(n.id);
  const edges = new Set<string>();
  const inbound = new Set<string>();
  const edge = (a: string, b: string) => { edges.add(`${a}\u0000${b}`); inbound.add(b); };
  const onExit = [...nodes.values()].find((n) => n.name === `${wf}.onExit`);
  // Edges from children and boundaries, on the full node set (virtual nodes included).
  for (const n of nodes.values()) for (const c of n.children ?? []) if (nodes.has(c)) edge(n.id, c);
  for (const n of nodes.values()) {
    if (n.boundaryID && nodes.has(n.boundaryID) && !inbound.has(n.id) && n.boundaryID !== wf) edge(n.boundaryID, n.id);
  }
  if (onExit) for (const o of outboundOf(nodes, wf)) edge(o, onExit.id);
  // Pass edges through nodes that are not drawn: each drawn node's nearest drawn descendants.
  const succ = new Map<string, string[]>();
  for (const e of edges) { const [a, b] = e.split('\u0000'); const l = succ.get(a); if (l) l.push(b); else succ.set(a, [b]); }
  const finalEdges = new Set<string>();
  for (const a of drawn) {
    const seen = new Set<string>();
    const stack = [...(succ.get(a) ?? [])];
    while (stack.length) {
      const b = stack.pop()!;
      if (seen.has(b)) continue;
      seen.add(b);
      if (drawn.has(b)) { if (b !== a) finalEdges.add(`${a}\u0000${b}`); } else stack.push(...(succ.get(b) ?? []));
    }
  }
  for (const id of drawn) {
    const n = nodes.get(id)!;
    const g: GraphNode = { id: `root/${id}`, key: id, name: n.displayName ?? n.name ?? id, kind: 'task', componentRef: n.templateName ?? '', parentId: 'root' };
    root.children!.push(g);
    byId.set(g.id, g);
    const s: NodeState = { state: PHASE_STATE[n.phase ?? ''] ?? 'PENDING', startTime: argoTime(n.startedAt), endTime: argoTime(n.finishedAt), nodeId: n.id };
    if (n.phase === 'Failed' || n.phase === 'Error') s.error = n.message;
    if (n.type === 'Pod') {
      s.podName = argoPodName(wf, n, fmt);
      const key = mainLogsKey(n);
      if (key) s.archiveKey = key;
    } else if (n.type === 'Skipped') {
      s.note = n.phase === 'Omitted' ? 'Not run: an upstream step did not succeed.' : n.message ? `Not run: ${n.message}` : 'Not run (skipped).';
    } else {
      s.note = `An Argo ${n.type ?? 'node'} node: it has no pod of its own.`;
    }
    state.nodes.set(g.id, s);
  }
  for (const e of finalEdges) { const [a, b] = e.split('\u0000'); root.edges!.push([a, b]); }
  return { graph: { name: wf, root, byId, taskCount: drawn.size }, state };
}

/** WorkflowParser.getOutboundNodes: a Pod is its own outbound node; other nodes give their outboundNodes' (recursively). */
function outboundOf(nodes: Map<string, ArgoNode>, id: string, depth = 0): string[] {
  const n = nodes.get(id);
  if (!n || depth > 64) return [];
  if (n.type === 'Pod') return [n.id];
  return (n.outboundNodes ?? []).flatMap((o) => outboundOf(nodes, o, depth + 1));
}

/** Which graph to draw for a run: its IR spec (v2) or its workflow (v1). */
export function runSpecKind(run: Run): 'ir' | 'workflow' | 'none' {
  const spec = run.pipeline_spec as Record<string, unknown> | undefined;
  if (spec?.workflow_manifest) return 'workflow';
  if (spec && (spec.root || (spec.pipeline_spec as Record<string, unknown> | undefined)?.root)) return 'ir';
  return 'none';
}
