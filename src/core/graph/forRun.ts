// The graph of a run and its state: from the run's own spec, the spec of the
// pipeline version it refers to, or (KFP 1.x) its Argo workflow.
import type { KfpClient } from '../kfp/client';
import type { JsonObject, Run } from '../kfp/types';
import { buildGraph, isIrSpec, PipelineGraph } from './model';
import { graphFromWorkflow, mergeTaskDetails, RunGraphState } from './runState';

export async function specOfRun(client: KfpClient, run: Run): Promise<JsonObject | undefined> {
  if (isIrSpec(run.pipeline_spec)) return run.pipeline_spec;
  const ref = run.pipeline_version_reference;
  if (ref?.pipeline_version_id) return (await client.getPipelineVersion(ref.pipeline_id ?? '', ref.pipeline_version_id)).pipeline_spec;
  return undefined;
}

export function workflowOf(run: Run): Parameters<typeof graphFromWorkflow>[0] | undefined {
  return (run.pipeline_spec as JsonObject | undefined)?.workflow_manifest as Parameters<typeof graphFromWorkflow>[0] | undefined;
}

/** The run's graph and state; `graph` may be passed to reuse one already built. */
export async function runGraph(client: KfpClient, run: Run, graph?: PipelineGraph): Promise<{ graph: PipelineGraph; state: RunGraphState }> {
  const wf = workflowOf(run);
  if (wf) return graphFromWorkflow(wf);
  if (!graph) {
    const spec = await specOfRun(client, run);
    if (!spec || !isIrSpec(spec)) throw new Error('The server sent no pipeline spec for this run, so there is no graph to draw.');
    graph = buildGraph(spec);
  }
  return { graph, state: mergeTaskDetails(graph, run.run_details?.task_details ?? []) };
}
