// Merges a run's live state into the graph. What the KFP API server returns is
// not what its field names promise (../shared/kfp-reference.md 1.8):
// run_details.task_details holds one entry per Argo workflow node (the workflow,
// `root`, DAG nodes named after the tasks, `<task>-driver` pods, `executor` pods,
// `iteration-N` nodes), `pod_name` is never set, `child_tasks[].pod_name` holds
// Argo node IDs and `parent_task_id` is empty. So entries are matched to the
// spec's tasks by display name while walking down the child links, and a step's
// pod name is derived from its executor node: {workflow}-system-container-impl-
// {last segment of the node ID} (or the node ID itself under the v1 pod name
// format). A step that succeeded without an executor pod came from the cache.
import { gunzipSync } from 'node:zlib';
import type { PipelineTaskDetail, Run, RuntimeState } from '../kfp/types';
import { GraphNode, PipelineGraph } from './model';

export interface NodeState {
  state: RuntimeState;
  startTime?: string;
  endTime?: string;
  /** The executor pod (container main), when there is one. */
  podName?: string;
  /** Argo node id of the executor (or of the task). */
  nodeId?: string;
  cached?: boolean;
  error?: string;
  /** State of the driver pod, which decides caching and resolves inputs. */
  driverState?: RuntimeState;
  /** MLMD artifact IDs from task_details inputs/outputs ("in:name#id", "out:name#id"). */
  artifacts?: string[];
}

export interface IterationState { index: number; state: RuntimeState }

export interface RunGraphState {
  workflowName?: string;
  /** By graph node id; nodes inside loop iterations are `<loop id>[<i>]/<key>…`. */
  nodes: Map<string, NodeState>;
  /** Loop node id → its iterations. */
  iterations: Map<string, IterationState[]>;
  /** Task details that could not be placed in the graph (shown in the table). */
  unmatched: PipelineTaskDetail[];
}

const lastSegment = (id: string) => id.slice(id.lastIndexOf('-') + 1);

export function podNameFor(workflowName: string | undefined, nodeId: string, v1PodNames = false): string {
  if (v1PodNames || !workflowName) return nodeId;
  return `${workflowName}-system-container-impl-${lastSegment(nodeId)}`;
}

export function mergeTaskDetails(graph: PipelineGraph, details: PipelineTaskDetail[], opts: { v1PodNames?: boolean } = {}): RunGraphState {
  const out: RunGraphState = { nodes: new Map(), iterations: new Map(), unmatched: [] };
  const byId = new Map<string, PipelineTaskDetail>();
  for (const d of details) if (d.task_id) byId.set(d.task_id, d);
  const used = new Set<string>();
  const kids = (d: PipelineTaskDetail): PipelineTaskDetail[] =>
    (d.child_tasks ?? []).map((c) => byId.get(c.pod_name ?? c.task_id ?? '')).filter((x): x is PipelineTaskDetail => Boolean(x));
  // The workflow's own node has its name as both id and display name.
  const wfNode = details.find((d) => d.task_id && d.task_id === d.display_name);
  const rootNode = details.find((d) => d.display_name === 'root');
  out.workflowName = wfNode?.task_id ?? rootNode?.task_id?.replace(/-\d+$/, '');
  if (wfNode) used.add(wfNode.task_id!);
  if (!rootNode) {
    out.unmatched = details.filter((d) => d !== wfNode);
    return out;
  }
  used.add(rootNode.task_id!);
  for (const d of details) if (d.display_name === 'root-driver') used.add(d.task_id!);
  out.nodes.set('root', stateOf(rootNode));

  const findDesc = (d: PipelineTaskDetail, pred: (x: PipelineTaskDetail) => boolean, depth = 3): PipelineTaskDetail[] => {
    const found: PipelineTaskDetail[] = [];
    let frontier = [d];
    for (let i = 0; i < depth && frontier.length; i++) {
      const next: PipelineTaskDetail[] = [];
      for (const f of frontier) for (const c of kids(f)) { if (pred(c)) found.push(c); else next.push(c); }
      frontier = next;
    }
    return found;
  };

  const walk = (group: GraphNode, argo: PipelineTaskDetail, prefix: string) => {
    const children = kids(argo);
    // Children may sit one level lower (a DAG wrapper); look two levels down for the tasks.
    const pool = children.concat(children.flatMap((c) => (group.children?.some((g) => g.key === c.display_name) ? [] : kids(c))));
    for (const node of group.children ?? []) {
      const id = `${prefix}/${node.key}`;
      const match = pool.find((c) => c.display_name === node.key || c.display_name === node.name);
      const driver = pool.find((c) => c.display_name === `${node.key}-driver` || c.display_name === `${node.name}-driver`);
      if (driver) used.add(driver.task_id!);
      if (!match) {
        if (driver) out.nodes.set(id, { ...stateOf(driver), driverState: driver.state, state: driver.state === 'FAILED' ? 'FAILED' : 'PENDING' });
        continue;
      }
      used.add(match.task_id!);
      const s = stateOf(match);
      if (driver) s.driverState = driver.state;
      if (node.kind === 'task' || node.kind === 'importer') {
        const exec = findDesc(match, (x) => x.display_name === 'executor')[0];
        if (exec) {
          used.add(exec.task_id!);
          s.nodeId = exec.task_id;
          s.podName = podNameFor(out.workflowName, exec.task_id!, opts.v1PodNames);
          if (exec.state === 'FAILED') s.state = 'FAILED';
          s.error ??= exec.error?.message;
        } else if (s.state === 'SUCCEEDED' || s.state === 'SKIPPED') {
          s.cached = true;
        }
        out.nodes.set(id, s);
      } else if (node.kind === 'loop') {
        out.nodes.set(id, s);
        const iters = findDesc(match, (x) => /(^|-)iteration-\d+$/.test(x.display_name ?? ''))
          .map((x) => ({ index: Number(/(\d+)$/.exec(x.display_name!)![1]), detail: x }))
          .sort((a, b) => a.index - b.index);
        out.iterations.set(id, iters.map((i) => ({ index: i.index, state: i.detail.state ?? 'RUNTIME_STATE_UNSPECIFIED' })));
        for (const it of iters) {
          used.add(it.detail.task_id!);
          out.nodes.set(`${id}[${it.index}]`, stateOf(it.detail));
          walk(node, it.detail, `${id}[${it.index}]`);
        }
      } else {
        out.nodes.set(id, s);
        walk(node, match, id);
      }
    }
  };
  walk(graph.root, rootNode, 'root');
  out.unmatched = details.filter((d) => !used.has(d.task_id ?? '') && !/-driver$|^executor$/.test(d.display_name ?? ''));
  return out;
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

// ---- KFP v1 runs: the Argo workflow status -----------------------------------

export interface ArgoNode { id: string; name?: string; displayName?: string; type?: string; phase?: string; children?: string[]; boundaryID?: string; templateName?: string; startedAt?: string; finishedAt?: string; message?: string }

/** status.nodes of a workflow, decoding status.compressedNodes (gzip + base64) when the server offloaded them. */
export function workflowNodes(workflow: { status?: { nodes?: Record<string, ArgoNode>; compressedNodes?: string } }): Record<string, ArgoNode> {
  if (workflow.status?.nodes) return workflow.status.nodes;
  if (workflow.status?.compressedNodes) return JSON.parse(gunzipSync(Buffer.from(workflow.status.compressedNodes, 'base64')).toString('utf8')) as Record<string, ArgoNode>;
  return {};
}

const PHASE: Record<string, RuntimeState> = { Pending: 'PENDING', Running: 'RUNNING', Succeeded: 'SUCCEEDED', Skipped: 'SKIPPED', Failed: 'FAILED', Error: 'FAILED', Omitted: 'SKIPPED' };

/** A v1 run's graph: the workflow's pods, with edges through the virtual DAG and step nodes between them. */
export function graphFromWorkflow(workflow: { metadata?: { name?: string; annotations?: Record<string, string> }; status?: { nodes?: Record<string, ArgoNode>; compressedNodes?: string } }): { graph: PipelineGraph; state: RunGraphState } {
  const nodes = workflowNodes(workflow);
  const wf = workflow.metadata?.name;
  const v1Names = workflow.metadata?.annotations?.['workflows.argoproj.io/pod-name-format'] === 'v1';
  const root: GraphNode = { id: 'root', key: 'root', name: wf ?? 'workflow', kind: 'dag', componentRef: 'root', children: [], edges: [] };
  const byId = new Map<string, GraphNode>([['root', root]]);
  const state: RunGraphState = { workflowName: wf, nodes: new Map(), iterations: new Map(), unmatched: [] };
  const pods = Object.values(nodes).filter((n) => n.type === 'Pod');
  for (const p of pods) {
    const g: GraphNode = { id: `root/${p.id}`, key: p.id, name: p.displayName ?? p.name ?? p.id, kind: 'task', componentRef: p.templateName ?? '', parentId: 'root' };
    root.children!.push(g);
    byId.set(g.id, g);
    state.nodes.set(g.id, {
      state: PHASE[p.phase ?? ''] ?? 'PENDING', startTime: p.startedAt ?? undefined, endTime: p.finishedAt ?? undefined, error: p.phase === 'Failed' || p.phase === 'Error' ? p.message : undefined,
      nodeId: p.id, podName: v1Names || !wf ? p.id : `${wf}-${p.templateName}-${lastSegment(p.id)}`,
    });
  }
  const podIds = new Set(pods.map((p) => p.id));
  for (const p of pods) {
    const seen = new Set<string>();
    const queue = [...(p.children ?? [])];
    while (queue.length) {
      const c = queue.shift()!;
      if (seen.has(c)) continue;
      seen.add(c);
      if (podIds.has(c)) root.edges!.push([p.id, c]);
      else queue.push(...(nodes[c]?.children ?? []));
    }
  }
  return { graph: { name: wf, root, byId, taskCount: pods.length }, state };
}

/** Which graph to draw for a run: its IR spec (v2) or its workflow (v1). */
export function runSpecKind(run: Run): 'ir' | 'workflow' | 'none' {
  const spec = run.pipeline_spec as Record<string, unknown> | undefined;
  if (spec?.workflow_manifest) return 'workflow';
  if (spec && (spec.root || (spec.pipeline_spec as Record<string, unknown> | undefined)?.root)) return 'ir';
  return 'none';
}

/**
 * task_details rebuilt from the run's Argo Workflow (status.nodes), read through
 * the Kubernetes API by its label pipeline/runid=<run id> when the user has
 * cluster access: the same node tree, with template names that give exact pod
 * names. Used when the API server's task_details are missing.
 */
export function taskDetailsFromWorkflow(workflow: { metadata?: { name?: string }; status?: { nodes?: Record<string, ArgoNode>; compressedNodes?: string } }, runId: string): PipelineTaskDetail[] {
  const nodes = workflowNodes(workflow);
  return Object.values(nodes).map((n) => {
    const d: PipelineTaskDetail = { run_id: runId, task_id: n.id, display_name: n.displayName ?? n.name ?? n.id, state: PHASE[n.phase ?? ''] ?? 'PENDING' };
    if (n.startedAt) d.start_time = n.startedAt;
    if (n.finishedAt) d.end_time = n.finishedAt;
    if (n.children?.length) d.child_tasks = n.children.map((c) => ({ pod_name: c }));
    if ((n.phase === 'Failed' || n.phase === 'Error') && n.message) d.error = { message: n.message };
    return d;
  });
}
