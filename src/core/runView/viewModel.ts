// Turns the graph model and run state into the webview's messages.
import type { PipelineGraph, GraphNode } from '../graph/model';
import { RunGraphState, SOURCE_LABEL } from '../graph/runState';
import type { Run, RuntimeState } from '../kfp/types';
import type { RunSummary, ViewGraph, ViewNode, ViewNodeState } from './protocol';

export function viewGraph(g: PipelineGraph, parameters: Record<string, unknown> = {}): ViewGraph {
  const nodes: ViewNode[] = [];
  const visit = (n: GraphNode) => {
    const v: ViewNode = { id: n.id, name: n.name, kind: n.kind, parentId: n.parentId };
    if (n.children?.length) {
      v.childIds = n.children.map((c) => c.id);
      v.edges = (n.edges ?? []).map(([a, b]) => [`${n.id}/${a}`, `${n.id}/${b}`]);
    }
    if (n.condition) v.condition = n.condition;
    if (n.iterator) v.iterator = `${n.iterator.items ?? n.iterator.itemInput ?? ''}${n.iterator.parallelism ? ` (parallelism ${n.iterator.parallelism})` : ''}`;
    if (n.image) v.image = n.image;
    if (n.inputs) v.inputs = n.inputs.map((i) => `${i.name} ← ${i.from}${i.parameter && i.parameter in parameters ? ` = ${JSON.stringify(parameters[i.parameter])}` : ''}`);
    if (n.outputs) v.outputs = n.outputs.map((o) => `${o.name}: ${o.type}`);
    nodes.push(v);
    n.children?.forEach(visit);
  };
  visit(g.root);
  return { rootId: g.root.id, nodes, taskCount: g.taskCount };
}

export function viewStates(st: RunGraphState | undefined): { states: Record<string, ViewNodeState>; iterations: Record<string, Array<[number, RuntimeState]>> } {
  const states: Record<string, ViewNodeState> = {};
  const iterations: Record<string, Array<[number, RuntimeState]>> = {};
  if (!st) return { states, iterations };
  for (const [id, s] of st.nodes) {
    const v: ViewNodeState = { s: s.state };
    if (s.podName) v.pod = s.podName;
    else if (s.job) v.pod = s.job.split('/').pop();
    if (s.cached) v.cached = true;
    if (s.error) v.error = s.error;
    if (s.startTime) v.start = s.startTime;
    if (s.endTime) v.end = s.endTime;
    if (s.artifacts) v.artifacts = s.artifacts;
    if (s.note) v.note = s.note;
    if (s.attempts?.length) v.attempts = s.attempts.map((a) => (a.error ? { pod: a.podName ?? a.job?.split('/').pop(), s: a.state, error: a.error } : { pod: a.podName ?? a.job?.split('/').pop(), s: a.state }));
    states[id] = v;
  }
  for (const [id, its] of st.iterations) iterations[id] = its.map((i) => [i.index, i.state]);
  return { states, iterations };
}

export function runSummary(run: Run, apiVersion?: string, st?: RunGraphState): RunSummary {
  return {
    source: st?.source ? SOURCE_LABEL[st.source] : undefined, limits: st?.limits,
    runId: run.run_id, name: run.display_name ?? run.run_id ?? 'run', state: run.state, createdAt: run.created_at,
    finishedAt: run.finished_at && !run.finished_at.startsWith('1970') ? run.finished_at : undefined,
    error: run.error?.message, apiVersion,
    ...((run as { vertex?: unknown }).vertex ? { executorLabel: 'Custom job', actions: ['terminate', 'clone', 'openWeb', 'copyRunId', 'refresh'] } : {}),
  };
}

/** Only what changed since the last message (updates are small). */
export function diffStates(prev: Record<string, ViewNodeState>, next: Record<string, ViewNodeState>): Record<string, ViewNodeState> {
  const out: Record<string, ViewNodeState> = {};
  for (const [id, s] of Object.entries(next)) {
    const p = prev[id];
    if (!p || p.s !== s.s || p.pod !== s.pod || p.end !== s.end || p.error !== s.error || p.cached !== s.cached || p.note !== s.note || p.attempts?.length !== s.attempts?.length) out[id] = s;
  }
  return out;
}
