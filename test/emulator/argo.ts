// The Argo Workflow behind a v2 run, made the way the real system makes it, in
// two steps, each written from the real source (cited at each rule):
// 1. compile: the KFP IR spec to Argo templates and DAG tasks, as the KFP backend
//    does (kubeflow/pipelines backend/src/v2/compiler/argocompiler/dag.go,
//    container.go, importer.go, common.go), in three generations: 2.3 (tag 2.3.0),
//    2.5 (tag 2.5.0) and 2.17 (HEAD, with the workflow controller's
//    templateDefaults.retryStrategy of manifests/kustomize/third-party/argo/base/
//    workflow-controller-configmap-patch.yaml);
// 2. run: those templates by Argo's rules (argoproj/argo-workflows
//    workflow/controller/operator.go executeTemplate, initializeNode, getOutboundNodes,
//    addChildNode, processItem/generateNodeName; dag.go executeDAG, executeDAGTask,
//    connectDependencies, assessDAGPhase; exit_handler.go runOnExitNode;
//    workflow/util/pod_name.go GeneratePodName; pkg/apis/workflow/v1alpha1/
//    workflow_types.go NodeID), on an emulated clock, with the outcomes of the
//    drivers and pods decided by a fixed oracle (which steps come from the cache,
//    which condition holds, how many iterations, which step fails).
// This is deliberately a separate implementation from the extension's
// (src/core/argo, src/core/graph/argoState.ts): the tests compare the two, and
// test/unit/argoEmulator.test.ts checks this one against workflows recorded from
// real clusters and compiled by the real backend.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export type KfpShape = '2.3' | '2.5' | '2.17';
export const KFP_SHAPES: KfpShape[] = ['2.3', '2.5', '2.17'];

// ---- Argo's names ------------------------------------------------------------

/** Go's hash/fnv New32a over the UTF-8 bytes. */
export function fnv1a32(text: string): number {
  const bytes = new TextEncoder().encode(text);
  let hash = 2166136261;
  for (let i = 0; i < bytes.length; i++) {
    hash = (hash ^ bytes[i]) >>> 0;
    hash = Number((BigInt(hash) * 16777619n) & 0xffffffffn);
  }
  return hash;
}

/** workflow_types.go (*Workflow).NodeID. */
export function nodeIdOf(wf: string, nodeName: string): string {
  return nodeName === wf ? wf : `${wf}-${fnv1a32(nodeName)}`;
}

/** pod_name.go GeneratePodName (maxK8sResourceNameLength 253 - k8sNamingHashLength 10, prefix cut to 242). */
export function podNameOf(wf: string, nodeName: string, templateName: string, format: 'v1' | 'v2'): string {
  if (format === 'v1') return nodeIdOf(wf, nodeName);
  if (wf === nodeName) return wf;
  let prefix = templateName ? `${wf}-${templateName}` : wf;
  if (prefix.length > 242) prefix = prefix.slice(0, 242);
  return `${prefix}-${fnv1a32(nodeName)}`;
}

/** operator.go initializeNode: the name without the boundary node's name, then stepsOrDagSeparator `^(\[\d+\])?\.` removed. */
export function displayNameOf(nodeName: string, boundaryName?: string): string {
  if (boundaryName === undefined) return nodeName;
  const rest = nodeName.startsWith(boundaryName) ? nodeName.slice(boundaryName.length) : nodeName;
  return rest.replace(/^(\[\d+\])?\./, '');
}

// ---- 1. compile (KFP argocompiler) ----------------------------------------------

type IrTask = {
  taskInfo?: { name?: string }; componentRef?: { name?: string }; dependentTasks?: string[];
  triggerPolicy?: { condition?: string; strategy?: string };
  parameterIterator?: { items?: { raw?: string; inputParameter?: string } }; artifactIterator?: unknown;
  iteratorPolicy?: { parallelismLimit?: number };
  cachingOptions?: { enableCache?: boolean };
  retryPolicy?: { maxRetryCount?: number };
};
type IrComp = { dag?: { tasks?: Record<string, IrTask> }; executorLabel?: string };
export type IrSpec = { pipelineInfo?: { name?: string }; root?: IrComp; components?: Record<string, IrComp>; deploymentSpec?: { executors?: Record<string, { container?: unknown; importer?: unknown }> } };

type Role = 'root-driver' | 'root' | 'dag-driver' | 'dag' | 'container-driver' | 'executor-dag' | 'executor' | 'importer' | 'loop' | 'iter-driver' | 'iterations' | 'iteration-body' | 'v1-step' | 'v1-dag';

export interface ArgoTask {
  name: string;
  template: string;
  /** Enhanced depends: every dependency `.Succeeded`, or (2.3 exit tasks) any outcome. */
  depends?: { tasks: string[]; anyOutcome?: boolean };
  /** `when`: the executor's `cached-decision != true`, or a DAG's `condition != false` from its driver. */
  when?: 'not-cached' | 'condition';
  /** withSequence count from the loop's driver (iteration-count). */
  sequence?: boolean;
  /** hooks.exit.template (KFP 2.4+, common.go addExitTask). */
  exitHook?: string;
  meta: { role: Role; key?: string; task?: IrTask; conditionIndex?: number; loopPathFromParent?: boolean };
}

export interface ArgoTemplate { name: string; kind: 'dag' | 'pod'; tasks?: ArgoTask[]; retryLimit?: number; parallelism?: number }

/** The workflow the backend made is one Argo refuses (e.g. KFP 2.0–2.3 depending on a ParallelFor: the loop has no task of its own name). */
export class ArgoValidationError extends Error {}

export function compileToArgo(specIn: Record<string, unknown>, shape: KfpShape): Map<string, ArgoTemplate> {
  const spec = ((specIn.pipeline_spec ?? specIn) as IrSpec);
  const comps = spec.components ?? {};
  const executors = spec.deploymentSpec?.executors ?? {};
  const templates = new Map<string, ArgoTemplate>();
  const hooks = shape !== '2.3';
  const add = (t: ArgoTemplate) => { if (!templates.has(t.name)) templates.set(t.name, t); };
  for (const n of ['system-container-driver', 'system-dag-driver', 'system-container-impl', 'system-importer']) add({ name: n, kind: 'pod' });

  // dag.go task(): the Argo tasks of one IR task.
  const task = (name: string, key: string, t: IrTask, o: { iteration?: boolean; exitTemplate?: string; conditionIndex?: number }): ArgoTask[] => {
    const ref = t.componentRef?.name ?? '';
    const comp = comps[ref] ?? {};
    const isExit = t.triggerPolicy?.strategy === 'ALL_UPSTREAM_TASKS_COMPLETED';
    const deps = t.dependentTasks ?? [];
    if (!o.iteration && (t.parameterIterator || t.artifactIterator)) return iteratorTask(name, key, t);
    if (comp.dag) {
      dag(ref, comp);
      const driver: ArgoTask = { name: `${name}-driver`, template: 'system-dag-driver', meta: { role: 'dag-driver', key, task: t } };
      // "iterations belong to a sub-DAG, no need to add dependent tasks"; 2.4+ also skips exit hooks' dependencies.
      if (!o.iteration && deps.length && !(hooks && isExit)) driver.depends = { tasks: deps };
      const d: ArgoTask = { name, template: ref, depends: { tasks: [driver.name] }, meta: { role: o.iteration ? 'iteration-body' : 'dag', key, task: t, conditionIndex: o.conditionIndex } };
      if (t.triggerPolicy?.condition) d.when = 'condition';
      if (o.exitTemplate) d.exitHook = o.exitTemplate;
      return [driver, d];
    }
    const exec = executors[comp.executorLabel ?? ''] ?? {};
    if (exec.importer) {
      // importer.go importerTask: one pod, no driver (and no depends set).
      return [{ name, template: 'system-importer', meta: { role: 'importer', key, task: t } }];
    }
    const driver: ArgoTask = { name: `${name}-driver`, template: 'system-container-driver', meta: { role: 'container-driver', key, task: t } };
    if (!o.iteration && deps.length) {
      if (isExit && !hooks) driver.depends = { tasks: deps, anyOutcome: true }; // 2.3 depends_exit_handler
      else if (!isExit) driver.depends = { tasks: deps };
    }
    const ex: ArgoTask = { name, template: executorTemplate(name, t), depends: { tasks: [driver.name] }, meta: { role: 'executor-dag', key, task: t } };
    if (o.exitTemplate) ex.exitHook = o.exitTemplate;
    return [driver, ex];
  };

  // container.go addContainerExecutorTemplate: a DAG holding `executor` (skipped when cached-decision is true).
  const executorTemplate = (name: string, t: IrTask): string => {
    let exName = 'system-container-executor';
    let implName = 'system-container-impl';
    let retryLimit: number | undefined;
    if (t.retryPolicy && shape !== '2.3') {
      retryLimit = t.retryPolicy.maxRetryCount ?? 0;
      if (shape === '2.5') { exName = `${name}-system-container-executor`; implName = `${name}-system-container-impl`; } // tag 2.5.0
      else { exName = 'retry-system-container-executor'; implName = 'retry-system-container-impl'; } // HEAD
    }
    add({ name: implName, kind: 'pod', retryLimit });
    add({ name: exName, kind: 'dag', tasks: [{ name: 'executor', template: implName, when: 'not-cached', meta: { role: 'executor', task: t } }] });
    return exName;
  };

  const iteratorTask = (name: string, key: string, t: IrTask): ArgoTask[] => {
    const ref = t.componentRef?.name ?? '';
    dag(ref, comps[ref] ?? {});
    const cond = t.triggerPolicy?.condition ? 'condition' as const : undefined;
    if (shape === '2.3') {
      // tag 2.3.0 iteratorTask: `K-driver` and `K-iterations` (withSequence) beside it; each iteration runs `iteration-driver` + `iteration`.
      const iterTmpl = `${ref}-${name}`;
      add({ name: iterTmpl, kind: 'dag', tasks: task('iteration', key, t, { iteration: true }) });
      const driver: ArgoTask = { name: `${name}-driver`, template: 'system-dag-driver', meta: { role: 'iter-driver', key, task: t } };
      if (t.dependentTasks?.length) driver.depends = { tasks: t.dependentTasks };
      return [driver, { name: `${name}-iterations`, template: iterTmpl, depends: { tasks: [driver.name] }, when: cond, sequence: true, meta: { role: 'iterations', key, task: t, loopPathFromParent: true } }];
    }
    // HEAD iteratorTask / iterationItemTask: `K` (template `{comp}-{K}-iterator`) → `iteration-driver` + `iteration-iterations` → `iteration-item-driver` + `iteration-item`.
    const itemTmpl = `${ref}-iteration`;
    add({ name: itemTmpl, kind: 'dag', tasks: task('iteration-item', key, t, { iteration: true }) });
    const loopTmpl = `${ref}-${name}-iterator`;
    add({
      name: loopTmpl, kind: 'dag', parallelism: t.iteratorPolicy?.parallelismLimit || undefined, tasks: [
        { name: 'iteration-driver', template: 'system-dag-driver', meta: { role: 'iter-driver', key, task: t } },
        { name: 'iteration-iterations', template: itemTmpl, depends: { tasks: ['iteration-driver'] }, when: cond, sequence: true, meta: { role: 'iterations', key, task: t } },
      ],
    });
    const outer: ArgoTask = { name, template: loopTmpl, meta: { role: 'loop', key, task: t } };
    if (t.dependentTasks?.length) outer.depends = { tasks: t.dependentTasks };
    return [outer];
  };

  // dag.go DAG(): exit tasks become exit-hook templates (2.4+), the rest tasks of the component's template.
  const dag = (name: string, comp: IrComp) => {
    if (templates.has(name)) return;
    const t: ArgoTemplate = { name, kind: 'dag', tasks: [] };
    templates.set(name, t);
    const entries = Object.entries(comp.dag?.tasks ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const exitOf = new Map<string, string>();
    const condIndex = new Map<string, number>();
    let ci = 0;
    for (const [k, x] of entries) if (x.triggerPolicy?.condition) condIndex.set(k, ci++);
    if (hooks) {
      for (const [k, x] of entries) {
        if (x.triggerPolicy?.strategy !== 'ALL_UPSTREAM_TASKS_COMPLETED') continue;
        const hookName = `exit-hook-${name}-${k}`;
        add({ name: hookName, kind: 'dag', tasks: task(k, k, x, {}) });
        for (const d of x.dependentTasks ?? []) exitOf.set(d, hookName);
      }
    }
    for (const [k, x] of entries) {
      if (hooks && x.triggerPolicy?.strategy === 'ALL_UPSTREAM_TASKS_COMPLETED') continue;
      t.tasks!.push(...task(k, k, x, { exitTemplate: exitOf.get(k), conditionIndex: condIndex.get(k) }));
    }
  };
  dag('root', spec.root ?? {});
  // workflow/validate/validate.go validateDAGTaskDependencies: a dependency must name a task of the same template.
  for (const t of templates.values()) {
    const names = new Set((t.tasks ?? []).map((x) => x.name));
    for (const x of t.tasks ?? []) for (const d of x.depends?.tasks ?? []) {
      if (!names.has(d)) throw new ArgoValidationError(`invalid spec: templates.${t.name}.tasks.${x.name} dependency '${d}' not defined`);
    }
  }
  add({
    name: 'entrypoint', kind: 'dag', tasks: [
      { name: 'root-driver', template: 'system-dag-driver', meta: { role: 'root-driver' } },
      { name: 'root', template: 'root', depends: { tasks: ['root-driver'] }, meta: { role: 'root', key: 'root' } },
    ],
  });
  return templates;
}

// ---- 2. run (Argo's controller) -------------------------------------------------

export interface SimNode {
  id: string; name: string; displayName: string; type: 'Pod' | 'DAG' | 'Retry' | 'TaskGroup' | 'Skipped';
  templateName: string; boundaryID?: string; phase: 'Succeeded' | 'Failed' | 'Skipped' | 'Omitted';
  start: number; end: number; children: Array<{ id: string; at: number }>; outboundNodes?: string[];
  message?: string; pod?: { irPath: string; role: Role; podName: string };
}

export interface Oracle {
  /** Whether the driver found the step in the cache. */
  cached(irPath: string, t: IrTask): boolean;
  /** Whether a condition group's condition holds. */
  condition(irPath: string, conditionIndex: number): boolean;
  iterations(t: IrTask): number;
  /** Whether attempt `attempt` of the pod of this step fails. */
  fails(irPath: string, t: IrTask | undefined, attempt: number): boolean;
}

export interface RunOptions {
  shape: KfpShape;
  podNames: 'v1' | 'v2';
  /** The workflow's creation time, for archived log keys. */
  createdAt: Date;
  namespace: string;
}

// Drivers are short pods; a step's executor does the work.
const DURATION: Partial<Record<Role, number>> = { 'root-driver': 0.25, 'dag-driver': 0.25, 'iter-driver': 0.25, 'container-driver': 0.25, executor: 4, importer: 2, 'v1-step': 4 };

/** What the emulator did to each IR step, kept as it runs: the truth the tests compare the extension's reading with. */
export interface StepRecord { phase: SimNode['phase']; podName?: string; cached?: boolean; attempts: number; podNames: string[]; start: number; end: number }

export class ArgoRun {
  readonly nodes = new Map<string, SimNode>();
  /** By IR instance path (`root/for-loop-2[1]/print-text`). */
  readonly steps = new Map<string, StepRecord>();
  /** Loop IR path → iterations run. */
  readonly loops = new Map<string, number>();
  /** IR path of every sub-DAG and loop that was reached → its node (a Skipped one when it did not run). */
  readonly groups = new Map<string, SimNode>();
  private readonly retryDefault?: number;
  end = 0;

  constructor(readonly wf: string, private readonly templates: Map<string, ArgoTemplate>, private readonly oracle: Oracle, readonly opts: RunOptions) {
    // KFP 2.17's workflow-controller config: templateDefaults.retryStrategy {limit: 2, retryPolicy: OnError} for every template.
    if (opts.shape === '2.17') this.retryDefault = 2;
    const top = this.execTemplate(wf, 'entrypoint', undefined, 0, { irPath: '' }, undefined);
    this.end = top.end;
  }

  private newNode(name: string, type: SimNode['type'], templateName: string, boundary: SimNode | undefined, start: number): SimNode {
    const n: SimNode = {
      id: nodeIdOf(this.wf, name), name, displayName: displayNameOf(name, boundary?.name), type, templateName, boundaryID: boundary?.id,
      phase: 'Succeeded', start, end: start, children: [],
    };
    this.nodes.set(n.id, n);
    return n;
  }

  /** operator.go addChildNode. */
  private addChild(parent: SimNode, child: SimNode, at: number): void {
    if (!parent.children.some((c) => c.id === child.id)) parent.children.push({ id: child.id, at });
  }

  /** operator.go executeTemplate: with a retry strategy (the template's, else the templateDefaults'), a Retry node whose children `N(i)` are the attempts. */
  private execTemplate(name: string, tmplName: string, boundary: SimNode | undefined, t: number, ctx: { irPath: string }, task: ArgoTask | undefined): SimNode {
    const tmpl = this.templates.get(tmplName);
    if (!tmpl) throw new Error(`no template ${tmplName}`);
    const limit = tmpl.retryLimit ?? this.retryDefault;
    if (limit === undefined) return this.execBody(name, tmpl, boundary, t, ctx, task, 0);
    const onErrorOnly = tmpl.retryLimit === undefined; // templateDefaults: retryPolicy OnError (a failed pod is not retried)
    const retry = this.newNode(name, 'Retry', tmplName, boundary, t);
    let at = t;
    let last: SimNode | undefined;
    for (let i = 0; i <= limit; i++) {
      last = this.execBody(`${name}(${i})`, tmpl, boundary, at, ctx, task, i);
      this.addChild(retry, last, at);
      if (last.phase !== 'Failed' || onErrorOnly) break;
      at = last.end + 1; // backoff
    }
    retry.phase = last!.phase;
    retry.end = last!.end;
    return retry;
  }

  private execBody(name: string, tmpl: ArgoTemplate, boundary: SimNode | undefined, t: number, ctx: { irPath: string }, task: ArgoTask | undefined, attempt: number): SimNode {
    if (tmpl.kind === 'pod') {
      const n = this.newNode(name, 'Pod', tmpl.name, boundary, t);
      const role = task?.meta.role ?? 'executor';
      n.end = t + (DURATION[role] ?? 1);
      if ((role === 'executor' || role === 'importer' || role === 'v1-step') && this.oracle.fails(ctx.irPath, task?.meta.task, attempt)) {
        n.phase = 'Failed';
        n.message = 'Error (exit code 1)';
      }
      n.pod = { irPath: ctx.irPath, role, podName: podNameOf(this.wf, name, tmpl.name, this.opts.podNames) };
      return n;
    }
    const n = this.newNode(name, 'DAG', tmpl.name, boundary, t);
    this.execDag(n, tmpl, t, ctx);
    return n;
  }

  private record(task: ArgoTask, ctx: { irPath: string }, node: SimNode): void {
    const role = task.meta.role;
    if (role === 'dag' || role === 'loop' || role === 'iterations') { if (!this.groups.has(ctx.irPath)) this.groups.set(ctx.irPath, node); return; }
    if (role === 'executor-dag' || role === 'importer') {
      const prev = this.steps.get(ctx.irPath);
      const r: StepRecord = prev ?? { phase: node.phase, attempts: 0, podNames: [], start: node.start, end: node.end };
      r.phase = node.phase;
      r.start = node.start;
      r.end = node.end;
      if (role === 'importer' && node.type !== 'Skipped') this.recordPod(r, node);
      this.steps.set(ctx.irPath, r);
    } else if (role === 'v1-step') {
      // A KFP v1 step is its pod (no drivers): recorded under its task path.
      const r: StepRecord = { phase: node.phase, attempts: 0, podNames: [], start: node.start, end: node.end };
      if (node.type !== 'Skipped') this.recordPod(r, node);
      this.steps.set(ctx.irPath, r);
    } else if (role === 'executor') {
      const r = this.steps.get(ctx.irPath);
      if (!r) return;
      if (node.type === 'Skipped') r.cached = node.phase === 'Skipped';
      else this.recordPod(r, node);
    }
  }

  private recordPod(r: StepRecord, node: SimNode): void {
    const pods = node.type === 'Retry' ? node.children.map((c) => this.nodes.get(c.id)!) : [node];
    r.podNames = pods.map((p) => p.pod!.podName);
    r.attempts = pods.length;
    r.podName = r.podNames[r.podNames.length - 1];
  }

  /** dag.go executeDAG / executeDAGTask, every task in dependency order. */
  private execDag(dagNode: SimNode, tmpl: ArgoTemplate, t0: number, ctx: { irPath: string }): void {
    const tasks = tmpl.tasks ?? [];
    const done = new Map<string, { node: SimNode; until: number }>();
    const dependedOn = new Set(tasks.flatMap((x) => x.depends?.tasks ?? []));
    const pending = [...tasks];
    let guard = 0;
    while (pending.length && guard++ < 10_000) {
      const i = pending.findIndex((x) => (x.depends?.tasks ?? []).every((d) => done.has(d)));
      if (i < 0) throw new Error(`dependency cycle in ${tmpl.name}`);
      const task = pending.splice(i, 1)[0];
      const deps = (task.depends?.tasks ?? []).map((d) => done.get(d)!);
      const ready = Math.max(t0, ...deps.map((d) => d.until));
      const nodeName = `${dagNode.name}.${task.name}`;
      const childCtx = this.childCtx(ctx, task);
      // connectDependencies: a root task is a child of the DAG node; others of their dependencies' outbound nodes.
      const connect = (child: SimNode) => {
        if (!deps.length) this.addChild(dagNode, child, ready);
        else for (const d of deps) for (const o of this.outbound(d.node)) this.addChild(this.nodes.get(o)!, child, ready);
      };
      // evaluateDependsLogic: `X.Succeeded && …`, or any outcome for 2.3 exit tasks; unmet → Omitted.
      if (deps.length) {
        const ok = task.depends!.anyOutcome ? true : deps.every((d) => d.node.phase === 'Succeeded');
        if (!ok) {
          const s = this.newNode(nodeName, 'Skipped', task.template, dagNode, ready);
          s.phase = 'Omitted';
          s.message = 'omitted: depends condition not met';
          connect(s);
          this.record(task, childCtx, s);
          done.set(task.name, { node: s, until: ready });
          continue;
        }
      }
      if (task.sequence) {
        const ex = this.expand(dagNode, task, nodeName, ready, childCtx, connect, tmpl.parallelism);
        this.record(task, childCtx, ex.node);
        done.set(task.name, ex);
        continue;
      }
      if (task.when && !this.whenHolds(task, childCtx)) {
        const s = this.newNode(nodeName, 'Skipped', task.template, dagNode, ready);
        s.phase = 'Skipped';
        s.message = task.when === 'not-cached' ? 'when \'true != true\' evaluated false' : 'when \'false != false\' evaluated false';
        connect(s);
        this.record(task, childCtx, s);
        done.set(task.name, { node: s, until: ready });
        continue;
      }
      // The step's record exists before its executor runs inside it.
      if (task.meta.role === 'executor-dag') this.steps.set(childCtx.irPath, { phase: 'Succeeded', attempts: 0, podNames: [], start: ready, end: ready });
      const node = this.execTemplate(nodeName, task.template, dagNode, ready, childCtx, task);
      connect(node);
      this.record(task, childCtx, node);
      let until = node.end;
      // exit_handler.go runOnExitNode: `{node}.onExit`, in the same boundary, a child of the task's node, after it completes.
      if (task.exitHook) {
        const hook = this.execTemplate(`${node.name}.onExit`, task.exitHook, dagNode, node.end, ctx, undefined);
        this.addChild(node, hook, node.end);
        until = Math.max(until, hook.end);
      }
      done.set(task.name, { node, until });
    }
    // assessDAGPhase: failed when a task failed; the outbound nodes are those of the target (leaf) tasks.
    const results = [...done.values()];
    dagNode.phase = results.some((r) => r.node.phase === 'Failed') ? 'Failed' : 'Succeeded';
    dagNode.end = Math.max(t0, ...results.map((r) => r.until));
    dagNode.outboundNodes = tasks.filter((x) => !dependedOn.has(x.name)).flatMap((x) => this.outbound(done.get(x.name)!.node));
  }

  /** dag.go: a withSequence task is a TaskGroup node, and each item `name(i:i)` runs in the same boundary as a child of the group. */
  private expand(dagNode: SimNode, task: ArgoTask, nodeName: string, ready: number, ctx: { irPath: string }, connect: (n: SimNode) => void, parallelism?: number): { node: SimNode; until: number } {
    const count = task.when && !this.whenHolds(task, ctx) ? -1 : this.oracle.iterations(task.meta.task ?? {});
    this.loops.set(ctx.irPath, Math.max(0, count));
    if (count <= 0) {
      const s = this.newNode(nodeName, 'Skipped', task.template, dagNode, ready);
      s.phase = 'Skipped';
      s.message = count < 0 ? 'when \'false != false\' evaluated false' : 'Skipped, empty params';
      connect(s);
      return { node: s, until: ready };
    }
    const group = this.newNode(nodeName, 'TaskGroup', task.template, dagNode, ready);
    connect(group);
    const ends: number[] = [];
    for (let i = 0; i < count; i++) {
      // Template parallelism: at most `parallelism` iterations at once.
      const start = parallelism && i >= parallelism ? Math.max(ready, ends.slice().sort((a, b) => a - b)[i - parallelism]) : ready;
      const itCtx = { irPath: `${ctx.irPath}[${i}]` };
      const n = this.execTemplate(`${nodeName}(${i}:${i})`, task.template, dagNode, start, itCtx, task);
      this.addChild(group, n, start);
      ends.push(n.end);
    }
    group.phase = group.children.some((c) => this.nodes.get(c.id)!.phase === 'Failed') ? 'Failed' : 'Succeeded';
    group.end = Math.max(ready, ...ends);
    return { node: group, until: group.end };
  }

  private whenHolds(task: ArgoTask, ctx: { irPath: string }): boolean {
    if (task.when === 'not-cached') return !this.oracle.cached(ctx.irPath, task.meta.task ?? {});
    return this.oracle.condition(ctx.irPath, task.meta.conditionIndex ?? 0);
  }

  /** The IR path a task's nodes stand for: `root/a/for-loop-2[1]/b`. */
  private childCtx(ctx: { irPath: string }, task: ArgoTask): { irPath: string } {
    const m = task.meta;
    switch (m.role) {
      case 'root': return { irPath: 'root' };
      case 'dag': case 'executor-dag': case 'importer': case 'loop': return { irPath: `${ctx.irPath}/${m.key}` };
      case 'iterations': return { irPath: m.loopPathFromParent ? `${ctx.irPath}/${m.key}` : ctx.irPath };
      case 'container-driver': case 'dag-driver': return { irPath: `${ctx.irPath}/${m.key}` };
      case 'v1-step': case 'v1-dag': return { irPath: `${ctx.irPath}/${m.key}` };
      default: return ctx;
    }
  }

  /** operator.go getOutboundNodes. */
  outbound(n: SimNode, depth = 0): string[] {
    if (depth > 200) return [n.id];
    switch (n.type) {
      case 'Skipped': case 'Pod': return [n.id];
      case 'TaskGroup': return n.children.length ? n.children.flatMap((c) => this.outbound(this.nodes.get(c.id)!, depth + 1)) : [n.id];
      case 'Retry': return n.children.length ? [n.children[n.children.length - 1].id] : [];
      default: return (n.outboundNodes ?? []).flatMap((o) => this.outbound(this.nodes.get(o)!, depth + 1));
    }
  }

  /** The pods, with their step's IR path and when they run. */
  pods(): Array<{ podName: string; node: SimNode }> {
    return [...this.podIndex().entries()].map(([podName, node]) => ({ podName, node }));
  }

  /** The node of a pod (log routes ask this every 100 ms while following: indexed once). */
  pod(podName: string): SimNode | undefined { return this.podIndex().get(podName); }

  private podsByName?: Map<string, SimNode>;
  private podIndex(): Map<string, SimNode> {
    if (!this.podsByName) {
      this.podsByName = new Map();
      for (const n of this.nodes.values()) if (n.pod) this.podsByName.set(n.pod.podName, n);
    }
    return this.podsByName;
  }

  /** Key of a pod's archived main log: the artifact repository's keyFormat (KFP manifests: private-artifacts/{namespace}/{workflow}/{Y}/{m}/{d}/{pod}) plus /main.log. */
  archiveKey(podName: string): string {
    const d = this.opts.createdAt;
    const p = (x: number) => String(x).padStart(2, '0');
    return `private-artifacts/${this.opts.namespace}/${this.wf}/${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${podName}/main.log`;
  }

  /**
   * status.nodes as Argo has written them by time `u` (in the run's units): nodes
   * created by then, Running until they end, children and outbound nodes as
   * added so far. `cancelAt`: the run was terminated then; what ran is Failed with
   * exec_control.go's message, what had not started never starts.
   */
  statusAt(u: number, toIso: (u: number) => string, cancelAt?: number): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    const cut = cancelAt !== undefined ? Math.min(u, cancelAt) : u;
    for (const n of this.nodes.values()) {
      if (n.start > cut) continue;
      const finished = n.end <= cut;
      const canceled = !finished && cancelAt !== undefined && u >= cancelAt;
      const phase = finished ? n.phase : canceled ? 'Failed' : n.type === 'Pod' && u - n.start < 0.25 ? 'Pending' : 'Running';
      const node: Record<string, unknown> = {
        id: n.id, name: n.name, displayName: n.displayName, type: n.type, templateName: n.templateName, templateScope: 'local/',
        phase, startedAt: toIso(n.start), finishedAt: finished || canceled ? toIso(finished ? n.end : cancelAt!) : null,
      };
      if (n.boundaryID) node.boundaryID = n.boundaryID;
      const kids = n.children.filter((c) => c.at <= cut && (this.nodes.get(c.id)?.start ?? Infinity) <= cut).map((c) => c.id);
      if (kids.length) node.children = kids;
      if (finished && n.outboundNodes?.length) node.outboundNodes = n.outboundNodes;
      if (finished && n.message) node.message = n.message;
      if (canceled) node.message = 'workflow shutdown with strategy:  Terminate';
      if (n.type === 'Pod') node.hostNodeName = 'kfp-emulator-node';
      if (n.type === 'Pod' && (finished || canceled)) {
        node.outputs = {
          artifacts: [{ name: 'main-logs', s3: { key: this.archiveKey(n.pod!.podName) } }],
          exitCode: n.phase === 'Failed' || canceled ? '1' : '0',
        };
      }
      out[n.id] = node;
    }
    return out;
  }
}

// ---- the oracle the emulator uses ------------------------------------------------

/** Deterministic per pipeline and step: about one cachable step in seven comes from the cache; the first condition of a DAG holds; a retried step fails its first attempt. */
export function defaultOracle(pipelineName: string, loopIterations: number | undefined, failPath: string | undefined, retries = true): Oracle {
  const h = (s: string) => parseInt(createHash('sha1').update(s).digest('hex').slice(0, 2), 16);
  return {
    cached: (p, t) => t.cachingOptions?.enableCache === true && p !== failPath && h(`${pipelineName}:${p}`) % 7 === 0,
    condition: (_p, i) => i === 0,
    iterations: (t) => {
      if (loopIterations) return loopIterations;
      const raw = t.parameterIterator?.items?.raw;
      if (raw) { try { const v = JSON.parse(raw) as unknown; if (Array.isArray(v)) return v.length; } catch { /* fall through */ } }
      return 3;
    },
    fails: (p, t, attempt) => p === failPath || (retries && Boolean(t?.retryPolicy?.maxRetryCount) && attempt === 0),
  };
}

export interface WorkflowOptions { shape: KfpShape; podNames: 'v1' | 'v2'; loopIterations?: number; fail: boolean; createdAt: Date; namespace: string; oracle?: Partial<Oracle> }

/** Compiles and runs a spec; when the run fails, the step that fails is the executor in the middle of the successful run's timeline. */
export function simulate(spec: Record<string, unknown>, wfName: string, o: WorkflowOptions): ArgoRun {
  const inner = ((spec.pipeline_spec ?? spec) as IrSpec);
  const templates = compileToArgo(spec, o.shape);
  const name = inner.pipelineInfo?.name ?? 'pipeline';
  const opts: RunOptions = { shape: o.shape, podNames: o.podNames, createdAt: o.createdAt, namespace: o.namespace };
  let failPath: string | undefined;
  if (o.fail) {
    const dry = new ArgoRun(wfName, templates, { ...defaultOracle(name, o.loopIterations, undefined, o.shape !== '2.3'), ...o.oracle }, opts);
    const execs = [...dry.nodes.values()].filter((n) => n.pod && (n.pod.role === 'executor' || n.pod.role === 'importer') && !/\.onExit/.test(n.name)).sort((a, b) => a.start - b.start);
    failPath = execs[Math.floor(execs.length / 2)]?.pod?.irPath;
  }
  return new ArgoRun(wfName, templates, { ...defaultOracle(name, o.loopIterations, failPath, o.shape !== '2.3'), ...o.oracle }, opts);
}

/**
 * A KFP v1 pipeline (the Argo Workflow the v1 SDK compiles) run by the same Argo rules: its DAG templates'
 * tasks with their `dependencies` (or `depends` of plain task names), container/script/resource templates
 * as pods. v1 `when` conditions are not evaluated (every task runs): a rule of this emulator.
 */
export function v1Templates(workflow: Record<string, unknown>): Map<string, ArgoTemplate> {
  type V1Tmpl = { name: string; dag?: { tasks?: Array<{ name: string; template: string; dependencies?: string[]; depends?: string }> }; steps?: unknown; container?: unknown; script?: unknown; resource?: unknown; retryStrategy?: { limit?: number | string } };
  const spec = (workflow.spec ?? {}) as { entrypoint?: string; templates?: V1Tmpl[] };
  const byName = new Map((spec.templates ?? []).map((t) => [t.name, t]));
  const out = new Map<string, ArgoTemplate>();
  for (const t of spec.templates ?? []) {
    const retryLimit = t.retryStrategy?.limit !== undefined ? Number(t.retryStrategy.limit) : undefined;
    if (t.dag) {
      out.set(t.name, { name: t.name, kind: 'dag', retryLimit, tasks: (t.dag.tasks ?? []).map((x) => {
        const deps = x.dependencies ?? (x.depends ? x.depends.split(/&&|\|\|/).map((d) => d.trim().replace(/\.(Succeeded|Failed|Errored|Skipped|Omitted|Daemoned|AnySucceeded|AllFailed)$/, '')).filter(Boolean) : []);
        const target = byName.get(x.template);
        return { name: x.name, template: x.template, ...(deps.length ? { depends: { tasks: deps } } : {}), meta: { role: target?.dag ? 'v1-dag' as const : 'v1-step' as const, key: x.name } };
      }) });
    } else out.set(t.name, { name: t.name, kind: 'pod', retryLimit });
  }
  const entry = out.get(spec.entrypoint ?? '');
  if (!entry) throw new ArgoValidationError(`spec.entrypoint ${spec.entrypoint} names no template`);
  out.set('entrypoint', entry);
  return out;
}

/** Runs a v1 workflow; `failStep` (a task name) fails its pod. */
export function simulateV1(workflow: Record<string, unknown>, wfName: string, o: { podNames: 'v1' | 'v2'; createdAt: Date; namespace: string; fail?: boolean }): ArgoRun {
  const templates = v1Templates(workflow);
  const opts: RunOptions = { shape: '2.5', podNames: o.podNames, createdAt: o.createdAt, namespace: o.namespace };
  const never: Oracle = { cached: () => false, condition: () => true, iterations: () => 1, fails: () => false };
  let failPath: string | undefined;
  if (o.fail) {
    const dry = new ArgoRun(wfName, templates, never, opts);
    const pods = [...dry.nodes.values()].filter((n) => n.pod).sort((a, b) => a.start - b.start);
    failPath = pods[Math.floor(pods.length / 2)]?.pod?.irPath;
  }
  return new ArgoRun(wfName, templates, { ...never, fails: (p) => p === failPath }, opts);
}

/** The Workflow object as the Kubernetes API (and KFP's stored manifest) holds it at `u`. Node status over `compressAbove` bytes is packed as Argo's packer.go does (gzip + base64). */
export function workflowObject(run: ArgoRun, meta: { runId: string; namespace: string; createdAt: string; offload?: boolean; compressAbove?: number; v1Spec?: Record<string, unknown> }, u: number, toIso: (u: number) => string, cancelAt?: number): Record<string, unknown> {
  const nodes = run.statusAt(u, toIso, cancelAt);
  const wfNode = nodes[run.wf] as { phase?: string } | undefined;
  const status: Record<string, unknown> = { phase: wfNode?.phase ?? 'Pending', startedAt: meta.createdAt, finishedAt: wfNode && (wfNode as { finishedAt?: string }).finishedAt || null };
  if (meta.offload) status.offloadNodeStatusVersion = `fnv:${fnv1a32(JSON.stringify(Object.keys(nodes)))}`; // hydrator.go Dehydrate: nodes moved to the database
  else {
    const text = JSON.stringify(nodes);
    if (text.length > (meta.compressAbove ?? 1024 * 1024)) status.compressedNodes = gzipSync(Buffer.from(text)).toString('base64');
    else status.nodes = nodes;
  }
  if (meta.v1Spec) {
    // A v1 pipeline's workflow keeps the spec the v1 SDK compiled (its templates and annotations).
    const v1 = meta.v1Spec as { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: Record<string, unknown> };
    return {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
      metadata: { name: run.wf, namespace: meta.namespace, creationTimestamp: meta.createdAt, labels: { ...(v1.metadata?.labels ?? {}), 'pipeline/runid': meta.runId, 'workflows.argoproj.io/phase': status.phase as string }, annotations: { ...(v1.metadata?.annotations ?? {}), 'workflows.argoproj.io/pod-name-format': run.opts.podNames } },
      spec: v1.spec ?? {}, status,
    };
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
    metadata: {
      name: run.wf, namespace: meta.namespace, creationTimestamp: meta.createdAt,
      labels: { 'pipeline/runid': meta.runId, 'workflows.argoproj.io/phase': status.phase as string, 'pipelines.kubeflow.org/v2_component': 'true' },
      // operator.go: the controller records the pod-name format it used.
      annotations: { 'workflows.argoproj.io/pod-name-format': run.opts.podNames, 'pipelines.kubeflow.org/v2_pipeline': 'true' },
    },
    spec: { entrypoint: 'entrypoint', serviceAccountName: 'pipeline-runner' },
    status,
  };
}

/** The workflow of a spec `progress` (0..1) of the way through its run: for unit tests, webview checks and benchmarks. */
export function workflowAt(spec: Record<string, unknown>, progress: number, o: Partial<WorkflowOptions> & { wfName?: string } = {}): { workflow: Record<string, unknown>; run: ArgoRun } {
  const created = o.createdAt ?? new Date('2026-11-26T10:00:00Z');
  const run = simulate(spec, o.wfName ?? 'run-abcde', {
    shape: o.shape ?? '2.17', podNames: o.podNames ?? 'v2', loopIterations: o.loopIterations, fail: o.fail ?? false,
    createdAt: created, namespace: o.namespace ?? 'kubeflow', oracle: o.oracle,
  });
  const toIso = (u: number) => new Date(created.getTime() + Math.floor(u * 10) * 1000).toISOString().replace('.000Z', 'Z');
  const workflow = workflowObject(run, { runId: 'run-id', namespace: o.namespace ?? 'kubeflow', createdAt: created.toISOString().replace('.000Z', 'Z'), compressAbove: Infinity }, progress >= 1 ? run.end : progress * run.end, toIso);
  return { workflow, run };
}
