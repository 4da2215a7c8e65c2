// The graph of a pipeline, built from its IR PipelineSpec: one node per task of
// each DAG (root.dag.tasks), sub-DAGs (nested pipelines, conditions, exit
// handlers, ParallelFor loops) as group nodes holding their own tasks, and edges
// from dependentTasks and from the tasks whose outputs a task consumes. No
// vscode, no DOM: the run view and the benchmarks use the same model.
import type { JsonObject } from '../kfp/types';

export type NodeKind = 'task' | 'importer' | 'dag' | 'loop' | 'condition' | 'conditionBranches' | 'exitHandler';

export interface GraphNode {
  /** Path of task keys from the root, joined with '/': unique in the run. */
  id: string;
  /** The task key in its DAG. */
  key: string;
  /** taskInfo.name (what the user named it). */
  name: string;
  kind: NodeKind;
  componentRef: string;
  parentId?: string;
  /** Tasks of a group node. */
  children?: GraphNode[];
  /** Edges between the children of this group: [from key, to key]. */
  edges?: Array<[string, string]>;
  /** triggerPolicy.condition, shown on conditional tasks. */
  condition?: string;
  /** ALL_UPSTREAM_TASKS_COMPLETED for exit tasks. */
  triggerStrategy?: string;
  /** For loops: what it iterates over. */
  iterator?: { itemInput?: string; items?: string; parallelism?: number };
  /** The image of a container task, when the spec has one. */
  image?: string;
  cachingEnabled?: boolean;
  /** Where each input comes from: a pipeline parameter, another task's output, a constant. */
  inputs?: Array<{ name: string; from: string; parameter?: string }>;
  /** The component contains itself: it is drawn once, not expanded again. */
  recursive?: boolean;
  /** Output parameters and artifacts of the component, with their types. */
  outputs?: Array<{ name: string; type: string }>;
}

export interface PipelineGraph {
  name?: string;
  root: GraphNode;
  /** Every node by id. */
  byId: Map<string, GraphNode>;
  taskCount: number;
}

type Task = {
  taskInfo?: { name?: string }; componentRef?: { name?: string }; dependentTasks?: string[];
  inputs?: {
    parameters?: Record<string, { taskOutputParameter?: { producerTask?: string; outputParameterKey?: string }; taskFinalStatus?: { producerTask?: string }; componentInputParameter?: string; runtimeValue?: { constant?: unknown } }>;
    artifacts?: Record<string, { taskOutputArtifact?: { producerTask?: string; outputArtifactKey?: string }; componentInputArtifact?: string }>;
  };
  triggerPolicy?: { condition?: string; strategy?: string };
  parameterIterator?: { itemInput?: string; items?: { raw?: string; inputParameter?: string } };
  artifactIterator?: { itemInput?: string; items?: { inputArtifact?: string } };
  iteratorPolicy?: { parallelismLimit?: number };
  cachingOptions?: { enableCache?: boolean };
};
type Component = {
  executorLabel?: string; dag?: { tasks?: Record<string, Task> };
  outputDefinitions?: { parameters?: Record<string, { parameterType?: string }>; artifacts?: Record<string, { artifactType?: { schemaTitle?: string } }> };
};

/** The IR spec inside a stored pipeline_spec, which may be wrapped as {pipeline_spec, platform_spec}. */
export function unwrapSpec(spec: JsonObject | undefined): JsonObject | undefined {
  if (!spec) return undefined;
  if (spec.pipeline_spec && typeof spec.pipeline_spec === 'object' && !Array.isArray(spec.pipeline_spec)) return spec.pipeline_spec as JsonObject;
  return spec;
}

export function isIrSpec(spec: JsonObject | undefined): boolean {
  const s = unwrapSpec(spec);
  return Boolean(s && typeof s.root === 'object' && s.root !== null);
}

/** The most nodes a graph is built with: past it (a hostile or broken spec) building stops with a message. */
export const MAX_GRAPH_NODES = 200_000;

export class GraphTooLargeError extends Error {}

export function buildGraph(specIn: JsonObject, maxNodes = MAX_GRAPH_NODES): PipelineGraph {
  const spec = unwrapSpec(specIn) ?? {};
  const components = (spec.components ?? {}) as Record<string, Component>;
  const executors = ((spec.deploymentSpec as JsonObject | undefined)?.executors ?? {}) as Record<string, { container?: { image?: string }; importer?: unknown }>;
  const byId = new Map<string, GraphNode>();
  let taskCount = 0;
  const rootComp = (spec.root ?? {}) as Component;
  const root: GraphNode = { id: 'root', key: 'root', name: String((spec.pipelineInfo as JsonObject | undefined)?.name ?? 'pipeline'), kind: 'dag', componentRef: 'root' };
  byId.set(root.id, root);

  // Components being expanded on the way here: a component inside itself is not expanded again.
  const expanding = new Set<string>(['root']);
  const fill = (group: GraphNode, comp: Component, depth: number) => {
    const tasks = comp.dag?.tasks ?? {};
    group.children = [];
    group.edges = [];
    const seen = new Set<string>();
    for (const [key, t] of Object.entries(tasks)) {
      const ref = t.componentRef?.name ?? '';
      const c = components[ref] ?? {};
      const exec = c.executorLabel ? executors[c.executorLabel] : undefined;
      const kind: NodeKind = c.dag
        ? t.parameterIterator || t.artifactIterator ? 'loop'
          : ref.startsWith('comp-condition-branches-') ? 'conditionBranches'
            : ref.startsWith('comp-condition-') ? 'condition'
              : ref.startsWith('comp-exit-handler-') ? 'exitHandler' : 'dag'
        : exec?.importer ? 'importer' : 'task';
      const node: GraphNode = {
        id: `${group.id}/${key}`, key, name: t.taskInfo?.name ?? key, kind, componentRef: ref, parentId: group.id,
        condition: t.triggerPolicy?.condition, triggerStrategy: t.triggerPolicy?.strategy,
        image: exec?.container?.image, cachingEnabled: t.cachingOptions?.enableCache,
      };
      const ins: NonNullable<GraphNode['inputs']> = [];
      for (const [name, p] of Object.entries(t.inputs?.parameters ?? {})) {
        if (p.componentInputParameter) ins.push({ name, from: group.id === 'root' ? `pipeline parameter ${p.componentInputParameter}` : `input ${p.componentInputParameter} of ${group.name}`, parameter: group.id === 'root' ? p.componentInputParameter : undefined });
        else if (p.taskOutputParameter) ins.push({ name, from: `output ${p.taskOutputParameter.outputParameterKey ?? ''} of ${p.taskOutputParameter.producerTask ?? ''}` });
        else if (p.taskFinalStatus) ins.push({ name, from: `final status of ${p.taskFinalStatus.producerTask ?? ''}` });
        else if (p.runtimeValue) ins.push({ name, from: `constant ${JSON.stringify(p.runtimeValue.constant)}` });
      }
      for (const [name, a] of Object.entries(t.inputs?.artifacts ?? {})) {
        if (a.taskOutputArtifact) ins.push({ name, from: `artifact ${a.taskOutputArtifact.outputArtifactKey ?? ''} of ${a.taskOutputArtifact.producerTask ?? ''}` });
        else if (a.componentInputArtifact) ins.push({ name, from: `input artifact ${a.componentInputArtifact}` });
      }
      if (ins.length) node.inputs = ins;
      const outs = [
        ...Object.entries(c.outputDefinitions?.parameters ?? {}).map(([name, d]) => ({ name, type: d.parameterType ?? 'parameter' })),
        ...Object.entries(c.outputDefinitions?.artifacts ?? {}).map(([name, d]) => ({ name, type: d.artifactType?.schemaTitle ?? 'artifact' })),
      ];
      if (outs.length) node.outputs = outs;
      if (kind === 'loop') {
        const it = t.parameterIterator ?? t.artifactIterator;
        node.iterator = {
          itemInput: it?.itemInput,
          items: t.parameterIterator?.items?.raw ?? t.parameterIterator?.items?.inputParameter ?? t.artifactIterator?.items?.inputArtifact,
          parallelism: t.iteratorPolicy?.parallelismLimit,
        };
      }
      group.children.push(node);
      byId.set(node.id, node);
      if (++taskCount > maxNodes) throw new GraphTooLargeError(`The pipeline expands to more than ${maxNodes.toLocaleString('en-US')} steps; the graph is not drawn.`);
      // Edges: explicit dependencies and data dependencies, de-duplicated.
      const producers = new Set<string>(t.dependentTasks ?? []);
      for (const p of Object.values(t.inputs?.parameters ?? {})) { const x = p.taskOutputParameter?.producerTask ?? p.taskFinalStatus?.producerTask; if (x) producers.add(x); }
      for (const a of Object.values(t.inputs?.artifacts ?? {})) { const x = a.taskOutputArtifact?.producerTask; if (x) producers.add(x); }
      for (const from of producers) {
        if (!(from in tasks)) continue; // a producer outside this DAG arrives through the group's inputs
        const k = `${from}->${key}`;
        if (!seen.has(k)) { seen.add(k); group.edges.push([from, key]); }
      }
      if (c.dag && depth < 50) {
        if (expanding.has(ref)) { node.recursive = true; continue; }
        expanding.add(ref);
        try { fill(node, c, depth + 1); } finally { expanding.delete(ref); }
      }
    }
  };
  fill(root, rootComp, 0);
  return { name: root.name, root, byId, taskCount };
}

/** The leaves (container and importer tasks) under a node. */
export function leaves(node: GraphNode): GraphNode[] {
  if (!node.children?.length) return node.kind === 'task' || node.kind === 'importer' ? [node] : [];
  return node.children.flatMap(leaves);
}
