// What the run view, its log and the log documents need of a Vertex AI run: its
// graph (the job carries its IR spec), its state from the task details, and the
// CustomJob whose Cloud Logging entries are a step's log.
import { buildGraph, isIrSpec, PipelineGraph } from '../core/graph/model';
import type { RunGraphState } from '../core/graph/runState';
import { isFinished } from '../core/kfp/types';
import type { StepOutputsView } from '../core/runView/protocol';
import { VertexRun, vertexGraphState } from '../core/vertex/runs';

export function vertexRunGraph(run: VertexRun, graph?: PipelineGraph): { graph: PipelineGraph; state: RunGraphState } {
  if (!graph) {
    if (!run.pipeline_spec || !isIrSpec(run.pipeline_spec)) throw new Error('Vertex AI sent no KFP pipeline spec for this run, so there is no graph to draw.');
    graph = buildGraph(run.pipeline_spec);
  }
  return { graph, state: vertexGraphState(graph, run.vertex) };
}

/** The CustomJob of a step (or of one attempt), or why it has no log. */
export function vertexLogTarget(run: VertexRun, st: RunGraphState, nodeId: string, attempt?: number): { job: string; running: boolean } | { message: string } {
  const s = st.nodes.get(nodeId);
  if (!s) return { message: 'This step has not started: it has no log yet.' };
  if (s.cached) return { message: 'This step\'s output was taken from the cache: no job ran, so there is no log.' };
  const a = attempt !== undefined ? s.attempts?.[attempt] : undefined;
  if (attempt !== undefined && !a) return { message: `This step has no attempt ${attempt}.` };
  const job = a ? a.job : s.job;
  if (!job) return { message: s.note ?? (s.state === 'SKIPPED' ? 'This step did not run.' : 'Vertex AI reports no CustomJob for this step (a group, an importer, or not started yet).') };
  const state = a ? a.state : s.state;
  return { job, running: !isFinished(state) && !isFinished(run.state) };
}

/** The step's outputs as its task detail reports them: `output:` values of its execution, its artifacts' URIs. */
export function vertexStepOutputs(run: VertexRun, st: RunGraphState, nodeId: string): StepOutputsView | undefined {
  const s = st.nodes.get(nodeId);
  const d = s?.taskId ? run.vertex.jobDetail?.taskDetails?.find((x) => x.taskId === s.taskId) : undefined;
  if (!d) return undefined;
  const meta = d.execution?.metadata ?? {};
  return {
    executionState: d.execution?.state,
    values: Object.entries(meta).filter(([k]) => k.startsWith('output:')).map(([k, v]) => [k.slice(7), JSON.stringify(v)]),
    artifacts: [
      ...Object.entries(d.inputs ?? {}).flatMap(([name, l]) => (l.artifacts ?? []).map((a) => ({ name, uri: a.uri, type: a.schemaTitle, direction: 'input' as const }))),
      ...Object.entries(d.outputs ?? {}).flatMap(([name, l]) => (l.artifacts ?? []).map((a) => ({ name, uri: a.uri, type: a.schemaTitle, direction: 'output' as const }))),
    ],
  };
}
