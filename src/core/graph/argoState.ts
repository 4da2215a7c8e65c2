// A v2 run's state from its Argo Workflow: each IR task found among the Argo
// nodes by containment (boundaryID) and name, as the KFP backend compiles it and
// Argo runs it (../shared/kfp-reference.md 1.8):
// - kubeflow/pipelines backend/src/v2/compiler/argocompiler/dag.go, container.go,
//   importer.go: a container task K is a `K-driver` pod and a `K` DAG holding an
//   `executor` pod (skipped when cached); an importer is one pod `K`; a DAG task
//   (nested pipeline, condition, exit handler) is `K-driver` and a `K` DAG;
//   ParallelFor, 2.4 and later: `K` → `iteration-iterations(i:…)` → `iteration-item`;
//   2.0–2.3: `K-iterations(i:…)` → `iteration`; exit tasks, 2.4 and later, run in
//   the `….onExit` hook node of the task they follow;
// - argoproj/argo-workflows workflow/controller/operator.go: a template with a
//   retryStrategy (a task's retry policy, or 2.17's templateDefaults) becomes a
//   Retry node whose children `X(0)`, `X(1)`… are the attempts; dag.go: expanded
//   tasks `X(i:item)` sit beside their TaskGroup in the same boundary; a false
//   `when` or unmet `depends` gives a node of type Skipped (phase Skipped or Omitted).
import type { RuntimeState } from '../kfp/types';
import { ArgoNode, ArgoWorkflow, argoPodName, argoTime, mainLogsKey, PHASE_STATE, podNameFormat, PodNameFormat } from '../argo/workflow';
import type { GraphNode, PipelineGraph } from './model';
import type { Attempt, NodeState, RunGraphState } from './runState';

interface Ctx {
  wf: string;
  fmt: PodNameFormat;
  byId: Map<string, ArgoNode>;
  /** boundaryID → (display name → node). */
  inBoundary: Map<string, Map<string, ArgoNode>>;
  out: RunGraphState;
  used: Set<string>;
}

const phaseState = (n: ArgoNode | undefined): RuntimeState => (n ? PHASE_STATE[n.phase ?? ''] ?? 'PENDING' : 'PENDING');

export function stateFromWorkflow(graph: PipelineGraph, wf: ArgoWorkflow, nodes: Record<string, ArgoNode>): RunGraphState {
  const name = wf.metadata?.name ?? '';
  const out: RunGraphState = { workflowName: name, nodes: new Map(), iterations: new Map() };
  const byId = new Map<string, ArgoNode>();
  const inBoundary = new Map<string, Map<string, ArgoNode>>();
  for (const [id, n] of Object.entries(nodes)) {
    if (!n || typeof n !== 'object') continue;
    const node = { ...n, id: n.id ?? id };
    byId.set(node.id, node);
    const b = node.boundaryID ?? '';
    let m = inBoundary.get(b);
    if (!m) inBoundary.set(b, (m = new Map()));
    m.set(node.displayName ?? node.name ?? node.id, node);
  }
  const ctx: Ctx = { wf: name, fmt: podNameFormat(wf), byId, inBoundary, out, used: new Set() };
  // The workflow node runs the entrypoint DAG: `root-driver` and `root` (kfp dag.go, RootComponentName).
  const wfNode = current(ctx, byId.get(name) ?? [...byId.values()].find((n) => n.name === name));
  const root = wfNode ? current(ctx, child(ctx, wfNode.id, 'root')) : undefined;
  if (!root) {
    out.nodes.set('root', { state: wfNode ? phaseState(wfNode) : 'PENDING', error: wfNode?.message });
    return out;
  }
  out.nodes.set('root', { state: phaseState(root), startTime: argoTime(root.startedAt), endTime: argoTime(root.finishedAt), nodeId: root.id, error: failedMessage(root) });
  walk(ctx, graph.root, root, 'root');
  return out;
}

/** The node of a task in a boundary, by its display name. */
function child(ctx: Ctx, boundaryId: string, display: string): ArgoNode | undefined {
  return ctx.inBoundary.get(boundaryId)?.get(display);
}

/** The attempts of a Retry node, in order; [node] for any other. */
function attempts(ctx: Ctx, n: ArgoNode): ArgoNode[] {
  if (n.type !== 'Retry') return [n];
  // A Retry node's children are its attempts `{name}(i)`, and also any hook it ran (`{name}.onExit`), which is not an attempt.
  const base = n.name ?? '';
  const idx = (x: ArgoNode) => {
    const name = x.name ?? '';
    if (!name.startsWith(base)) return -1;
    const m = /^\((\d+)\)$/.exec(name.slice(base.length));
    return m ? Number(m[1]) : -1;
  };
  const kids = (n.children ?? []).map((c) => ctx.byId.get(c)).filter((x): x is ArgoNode => Boolean(x) && idx(x!) >= 0);
  return kids.sort((a, b) => idx(a) - idx(b));
}

/** What a node stands for now: the last attempt of a Retry node (recursively), else itself. */
function current(ctx: Ctx, n: ArgoNode | undefined): ArgoNode | undefined {
  let cur = n;
  for (let i = 0; cur?.type === 'Retry' && i < 8; i++) {
    const a = attempts(ctx, cur);
    if (!a.length) return cur;
    cur = a[a.length - 1];
  }
  return cur;
}

const failedMessage = (n: ArgoNode | undefined) => (n && (n.phase === 'Failed' || n.phase === 'Error') && n.message ? n.message : undefined);

function skippedNote(n: ArgoNode): string {
  if (n.phase === 'Omitted') return 'Not run: an upstream step did not succeed (Argo: omitted, depends condition not met).';
  if (/when .* evaluated false/.test(n.message ?? '')) return 'Not run: its condition was false.';
  return n.message ? `Not run: ${n.message}` : 'Not run (skipped).';
}

/** Finds a task's nodes in a DAG, or, for exit tasks, in the DAG's onExit hook nodes (KFP 2.4+). */
function taskBoundaries(ctx: Ctx, g: GraphNode, dag: ArgoNode): string[] {
  const ids = [dag.id];
  if (g.triggerStrategy === 'ALL_UPSTREAM_TASKS_COMPLETED') {
    for (const [display, n] of ctx.inBoundary.get(dag.id) ?? []) {
      if (!display.endsWith('.onExit')) continue;
      const hook = current(ctx, n);
      if (hook) { ctx.used.add(n.id); ids.push(hook.id); }
    }
  }
  return ids;
}

function find(ctx: Ctx, boundaries: string[], display: string): ArgoNode | undefined {
  for (const b of boundaries) { const n = child(ctx, b, display); if (n) return n; }
  return undefined;
}

function walk(ctx: Ctx, group: GraphNode, dag: ArgoNode, prefix: string): void {
  for (const g of group.children ?? []) {
    const id = `${prefix}/${g.key}`;
    const where = taskBoundaries(ctx, g, dag);
    if (g.kind === 'loop') { loop(ctx, g, id, where); continue; }
    const driver = current(ctx, find(ctx, where, `${g.key}-driver`));
    const taskNode = find(ctx, where, g.key);
    const node = current(ctx, taskNode);
    if (!node) {
      // Only the driver ran so far (or failed): the step is pending on it.
      if (driver) ctx.out.nodes.set(id, { state: driver.phase === 'Failed' || driver.phase === 'Error' ? 'FAILED' : 'PENDING', driverState: phaseState(driver), error: failedMessage(driver), startTime: argoTime(driver.startedAt) });
      continue;
    }
    const s: NodeState = { state: phaseState(node), startTime: argoTime((driver ?? node).startedAt), endTime: argoTime(node.finishedAt), nodeId: node.id };
    if (driver) s.driverState = phaseState(driver);
    if (node.type === 'Skipped') {
      s.state = 'SKIPPED';
      s.note = skippedNote(node);
      ctx.out.nodes.set(id, s);
      markSkipped(ctx, g, id, s.note);
      continue;
    }
    if (g.kind === 'importer') {
      // One pod (system-importer): no driver, no executor.
      if (node.type === 'Pod') setPod(ctx, s, taskNode!, node);
      s.error = failedMessage(node);
      ctx.out.nodes.set(id, s);
      continue;
    }
    if (g.kind === 'task') {
      const execNode = child(ctx, node.id, 'executor');
      if (execNode) {
        const exec = current(ctx, execNode)!;
        if (exec.type === 'Skipped') {
          // The driver found the step in the cache: the executor's `when` (cached-decision != true) was false.
          if (s.state === 'SUCCEEDED' || s.state === 'RUNNING') { s.cached = true; s.state = 'SUCCEEDED'; }
          else s.note = skippedNote(exec);
        } else {
          setPod(ctx, s, execNode, exec);
          if (exec.phase === 'Failed' || exec.phase === 'Error') s.state = 'FAILED';
          else if (exec.phase === 'Running' || exec.phase === 'Pending') s.state = 'RUNNING';
          s.error = failedMessage(exec) ?? failedMessage(node);
        }
      } else {
        s.error = failedMessage(node) ?? failedMessage(driver);
        if (s.state === 'RUNNING' && driver?.phase !== 'Succeeded') s.state = 'PENDING';
      }
      ctx.out.nodes.set(id, s);
      continue;
    }
    // A sub-DAG: nested pipeline, condition, condition branches, exit handler.
    s.error = failedMessage(node) ?? failedMessage(driver);
    ctx.out.nodes.set(id, s);
    if (node.type === 'DAG') walk(ctx, g, node, id);
  }
}

/** Everything inside a group that did not run did not run either (loops have no iterations, so their body is shown once). */
function markSkipped(ctx: Ctx, g: GraphNode, id: string, note: string): void {
  for (const c of g.children ?? []) {
    const cid = `${id}/${c.key}`;
    if (!ctx.out.nodes.has(cid)) ctx.out.nodes.set(cid, { state: 'SKIPPED', note });
    markSkipped(ctx, c, cid, note);
  }
}

/** Pod name, archive key and attempts of a step's executor (a Pod, or a Retry node of Pods). */
function setPod(ctx: Ctx, s: NodeState, outer: ArgoNode, last: ArgoNode): void {
  s.podName = argoPodName(ctx.wf, last, ctx.fmt);
  s.nodeId = last.id;
  const key = mainLogsKey(last);
  if (key) s.archiveKey = key;
  if (outer.type === 'Retry' && attempts(ctx, outer).length > 1) {
    s.attempts = attempts(ctx, outer).map((a): Attempt => {
      const at: Attempt = { podName: argoPodName(ctx.wf, a, ctx.fmt), state: phaseState(a), startTime: argoTime(a.startedAt), endTime: argoTime(a.finishedAt) };
      const m = failedMessage(a);
      if (m) at.error = m;
      const k = mainLogsKey(a);
      if (k) at.archiveKey = k;
      return at;
    });
  }
}

const ITER = /\((\d+):[^()]*\)$/;

function loop(ctx: Ctx, g: GraphNode, id: string, where: string[]): void {
  // 2.4+: a `K` DAG holding `iteration-driver`, the `iteration-iterations` TaskGroup and the expanded `iteration-iterations(i:i)` DAGs.
  const outer = current(ctx, find(ctx, where, g.key));
  let group: ArgoNode | undefined;
  let expandedPrefix: string;
  let inner: string;
  let boundary: string | undefined;
  if (outer) {
    if (outer.type === 'Skipped') { ctx.out.nodes.set(id, { state: 'SKIPPED', note: skippedNote(outer), nodeId: outer.id }); markSkipped(ctx, g, id, skippedNote(outer)); return; }
    boundary = outer.id;
    group = child(ctx, outer.id, 'iteration-iterations');
    expandedPrefix = 'iteration-iterations(';
    inner = 'iteration-item';
  } else {
    // 2.0–2.3: `K-driver` and the `K-iterations` TaskGroup beside it, expanded as `K-iterations(i:i)` DAGs holding `iteration`.
    group = find(ctx, where, `${g.key}-iterations`);
    boundary = group?.boundaryID ?? where.find((b) => [...(ctx.inBoundary.get(b)?.keys() ?? [])].some((d) => d.startsWith(`${g.key}-iterations(`)));
    expandedPrefix = `${g.key}-iterations(`;
    inner = 'iteration';
  }
  const driver = current(ctx, outer ? child(ctx, outer.id, 'iteration-driver') : find(ctx, where, `${g.key}-driver`));
  const its: Array<{ index: number; node: ArgoNode }> = [];
  for (const [display, n] of ctx.inBoundary.get(boundary ?? '') ?? []) {
    if (!display.startsWith(expandedPrefix)) continue;
    const m = ITER.exec(display);
    if (!m || display.length !== expandedPrefix.length - 1 + m[0].length) continue;
    its.push({ index: Number(m[1]), node: n });
  }
  const stateNode = outer ?? group;
  if (!stateNode && !its.length) {
    if (driver) ctx.out.nodes.set(id, { state: driver.phase === 'Failed' || driver.phase === 'Error' ? 'FAILED' : 'PENDING', error: failedMessage(driver) });
    return;
  }
  const iterStates = its.map((i) => phaseState(current(ctx, i.node)));
  const s: NodeState = stateNode
    ? { state: phaseState(stateNode), startTime: argoTime((driver ?? stateNode).startedAt), endTime: argoTime(stateNode.finishedAt), nodeId: stateNode.id, error: failedMessage(stateNode) ?? failedMessage(driver) }
    : { state: iterStates.includes('FAILED') ? 'FAILED' : iterStates.every((x) => x === 'SUCCEEDED' || x === 'SKIPPED') ? 'SUCCEEDED' : 'RUNNING' };
  if (group?.type === 'Skipped') {
    s.state = 'SKIPPED';
    s.note = group.phase === 'Omitted' || /evaluated false/.test(group.message ?? '') ? skippedNote(group) : 'Not run: the loop had no items.';
    markSkipped(ctx, g, id, s.note);
  }
  ctx.out.nodes.set(id, s);
  its.sort((a, b) => a.index - b.index);
  ctx.out.iterations.set(id, its.map((i) => ({ index: i.index, state: phaseState(current(ctx, i.node)) })));
  for (const it of its) {
    const iterDag = current(ctx, it.node);
    const iid = `${id}[${it.index}]`;
    if (!iterDag) continue;
    const body = current(ctx, child(ctx, iterDag.id, inner));
    const is: NodeState = { state: phaseState(iterDag), startTime: argoTime(iterDag.startedAt), endTime: argoTime(iterDag.finishedAt), nodeId: iterDag.id, error: failedMessage(iterDag) };
    if (iterDag.type === 'Skipped') is.note = skippedNote(iterDag);
    ctx.out.nodes.set(iid, is);
    if (body && body.type === 'DAG') walk(ctx, g, body, iid);
  }
}
