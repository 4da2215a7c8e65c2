// How the emulator fakes the Argo workflow behind a v2 run, shaped as the real
// KFP API server reports it in run_details.task_details (../shared/kfp-reference.md
// 1.8): one entry per Argo node (the workflow, root-driver, root, <task>-driver,
// the task's DAG node, its `executor` pod, `iteration-N` nodes of loops), no
// pod_name, node IDs in child_tasks, empty parent_task_id. Nodes that have not
// started are absent, as in Argo. Leaves progress in order over the run's
// running time; a failing run fails at its middle step.
import { createHash } from 'node:crypto';
import type { PipelineTaskDetail, RuntimeState } from '../../src/core/kfp/types';

type Task = { taskInfo?: { name?: string }; componentRef?: { name?: string }; cachingOptions?: { enableCache?: boolean }; parameterIterator?: { items?: { raw?: string } }; artifactIterator?: unknown };
type Comp = { dag?: { tasks?: Record<string, Task> }; executorLabel?: string };
type Spec = { pipelineInfo?: { name?: string }; root?: Comp; components?: Record<string, Comp> };

export interface ArgoNodeOut { id: string; display: string; state: RuntimeState; start?: number; end?: number; children: string[]; error?: string; pod?: boolean; template?: string }

export interface WorkflowView { name: string; nodes: ArgoNodeOut[]; /** executor pods: pod name → the leaf's log plan */ pods: Map<string, { task: string; start: number; end?: number; state: RuntimeState }> }

const ITER_DEFAULT = 3;

function nodeId(wf: string, path: string): string {
  const n = parseInt(createHash('sha1').update(path).digest('hex').slice(0, 8), 16);
  return `${wf}-${n}`;
}

export function workflowName(pipelineName: string, runId: string): string {
  return `${pipelineName.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${runId.replace(/-/g, '').slice(0, 5)}`;
}

/**
 * @param progress 0..1 of the run's running time elapsed; >= 1 when finished.
 * @param fail whether the run fails (at its middle leaf).
 */
export function buildWorkflow(specIn: Record<string, unknown>, runId: string, t0: number, t1: number, progress: number, fail: boolean, loopIterations?: number): WorkflowView {
  const spec = ((specIn.pipeline_spec ?? specIn) as Spec);
  const comps = spec.components ?? {};
  const wf = workflowName(spec.pipelineInfo?.name ?? 'pipeline', runId);
  // Leaves in order, with their loop-iteration paths.
  type Leaf = { path: string; cached: boolean };
  const leaves: Leaf[] = [];
  const collect = (comp: Comp, path: string) => {
    for (const [key, t] of Object.entries(comp.dag?.tasks ?? {})) {
      const c = comps[t.componentRef?.name ?? ''] ?? {};
      const p = `${path}/${key}`;
      if (c.dag) {
        if (t.parameterIterator || t.artifactIterator) {
          const n = iterations(t, loopIterations);
          for (let i = 0; i < n; i++) collect(c, `${p}[${i}]`);
        } else collect(c, p);
      } else {
        // Deterministic per pipeline and step, so tests can rely on it: about one cachable step in seven comes from the cache.
        const cached = t.cachingOptions?.enableCache === true && parseInt(createHash('sha1').update(`${spec.pipelineInfo?.name}:${p}`).digest('hex').slice(0, 2), 16) % 7 === 0;
        leaves.push({ path: p, cached });
      }
    }
  };
  collect(spec.root ?? {}, 'root');
  const n = Math.max(1, leaves.length);
  const failAt = fail ? Math.floor(n / 2) : -1;
  const span = Math.max(1, t1 - t0);
  const leafState = new Map<string, { state: RuntimeState; start?: number; end?: number }>();
  leaves.forEach((l, i) => {
    const a = i / n, b = (i + 1) / n;
    const start = t0 + a * span, end = t0 + b * span;
    if (failAt >= 0 && i > failAt) return; // never started
    if (failAt === i && progress >= b) { leafState.set(l.path, { state: 'FAILED', start, end }); return; }
    if (progress >= b || (progress >= 1 && failAt < 0)) leafState.set(l.path, { state: 'SUCCEEDED', start, end });
    else if (progress >= a) leafState.set(l.path, { state: failAt === i && progress >= 1 ? 'FAILED' : 'RUNNING', start });
  });

  const nodes: ArgoNodeOut[] = [];
  const pods: WorkflowView['pods'] = new Map();
  const combine = (states: Array<RuntimeState | undefined>): RuntimeState | undefined => {
    const s = states.filter(Boolean) as RuntimeState[];
    if (!s.length) return undefined;
    if (s.includes('FAILED')) return 'FAILED';
    if (s.includes('RUNNING') || s.length < states.length) return 'RUNNING';
    return 'SUCCEEDED';
  };
  // Returns the DAG node's id and state, or undefined when nothing in it started.
  const emitGroup = (comp: Comp, path: string, display: string): ArgoNodeOut | undefined => {
    const children: ArgoNodeOut[] = [];
    const states: Array<RuntimeState | undefined> = [];
    for (const [key, t] of Object.entries(comp.dag?.tasks ?? {})) {
      const c = comps[t.componentRef?.name ?? ''] ?? {};
      const p = `${path}/${key}`;
      let task: ArgoNodeOut | undefined;
      if (c.dag && (t.parameterIterator || t.artifactIterator)) {
        const iters: ArgoNodeOut[] = [];
        const itStates: Array<RuntimeState | undefined> = [];
        for (let i = 0; i < iterations(t, loopIterations); i++) {
          const it = emitGroup(c, `${p}[${i}]`, `iteration-${i}`);
          itStates.push(it?.state);
          if (it) iters.push(it);
        }
        const st = combine(itStates);
        if (st) { task = { id: nodeId(wf, p), display: key, state: st, children: iters.map((x) => x.id), template: 'comp-for-loop' }; nodes.push(task); }
      } else if (c.dag) {
        task = emitGroup(c, p, key);
      } else {
        const ls = leafState.get(p);
        if (ls) {
          const leaf = leaves.find((l) => l.path === p)!;
          const children: string[] = [];
          if (!leaf.cached) {
            const exec: ArgoNodeOut = { id: nodeId(wf, `${p}#executor`), display: 'executor', state: ls.state, start: ls.start, end: ls.end, children: [], pod: true, template: 'system-container-impl', error: ls.state === 'FAILED' ? 'Error (exit code 1)' : undefined };
            nodes.push(exec);
            children.push(exec.id);
            pods.set(`${wf}-system-container-impl-${exec.id.slice(exec.id.lastIndexOf('-') + 1)}`, { task: p, start: ls.start!, end: ls.end, state: ls.state });
          }
          task = { id: nodeId(wf, p), display: key, state: leaf.cached ? 'SUCCEEDED' : ls.state, start: ls.start, end: ls.end, children, template: 'system-container-executor' };
          nodes.push(task);
        }
      }
      states.push(task?.state);
      if (task) {
        const driver: ArgoNodeOut = { id: nodeId(wf, `${p}#driver`), display: `${key}-driver`, state: 'SUCCEEDED', start: task.start, end: task.start, children: [], pod: true, template: 'system-container-driver' };
        nodes.push(driver);
        children.push(driver, task);
      }
    }
    const st = combine(states);
    if (!st) return undefined;
    const group: ArgoNodeOut = { id: nodeId(wf, path), display, state: st, children: children.map((c) => c.id), template: 'system-dag-driver' };
    nodes.push(group);
    return group;
  };
  const root = emitGroup(spec.root ?? {}, 'root', 'root');
  const rootDriver: ArgoNodeOut = { id: nodeId(wf, 'root#driver'), display: 'root-driver', state: 'SUCCEEDED', start: t0, end: t0, children: [], pod: true };
  nodes.push(rootDriver);
  nodes.push({ id: wf, display: wf, state: root?.state ?? 'RUNNING', start: t0, children: [rootDriver.id, ...(root ? [root.id] : [])] });
  return { name: wf, nodes, pods };
}

function iterations(t: Task, override?: number): number {
  if (override) return override;
  const raw = t.parameterIterator?.items?.raw;
  if (raw) { try { const v = JSON.parse(raw) as unknown; if (Array.isArray(v)) return v.length; } catch { /* fall through */ } }
  return ITER_DEFAULT;
}

const iso = (ms?: number) => (ms === undefined ? undefined : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z'));

export function taskDetails(view: WorkflowView, runId: string): PipelineTaskDetail[] {
  return view.nodes.map((n) => {
    const d: PipelineTaskDetail = {
      run_id: runId, task_id: n.id, display_name: n.display, create_time: iso(n.start), start_time: iso(n.start),
      end_time: n.end !== undefined && n.state !== 'RUNNING' ? iso(n.end) : '1970-01-01T00:00:00Z', state: n.state,
    };
    if (n.error) d.error = { code: 2, message: n.error };
    if (n.children.length) d.child_tasks = n.children.map((c) => ({ pod_name: c }));
    return d;
  });
}
