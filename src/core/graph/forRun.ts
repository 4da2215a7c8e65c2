// The graph of a run and its state: from the run's own spec, the spec of the
// pipeline version it refers to, or (KFP 1.x) its Argo workflow. The state is
// read from the best source the endpoint offers (../shared/kfp-reference.md 1.8):
// the run's Argo Workflow from the API server, then through the Kubernetes API,
// then task_details; the result says which one it used and what it could not tell.
import type { KfpClient } from '../kfp/client';
import { KfpError } from '../kfp/errors';
import type { JsonObject, Run } from '../kfp/types';
import { ArgoWorkflow, TooLargeError, workflowNodeStatus } from '../argo/workflow';
import { stateFromWorkflow } from './argoState';
import { buildGraph, isIrSpec, PipelineGraph } from './model';
import { graphFromWorkflow, mergeTaskDetails, RunGraphState, TASK_DETAILS_LIMITS } from './runState';

export async function specOfRun(client: KfpClient, run: Run, anyKind = false): Promise<JsonObject | undefined> {
  if (isIrSpec(run.pipeline_spec) || (anyKind && isArgoWorkflowSpec(run.pipeline_spec))) return run.pipeline_spec;
  const ref = run.pipeline_version_reference;
  if (ref?.pipeline_version_id) return (await client.getPipelineVersion(ref.pipeline_id ?? '', ref.pipeline_version_id)).pipeline_spec;
  return undefined;
}

/** The workflow of a KFP v1 pipeline run (its spec is the workflow). */
export function workflowOf(run: Run): ArgoWorkflow | undefined {
  return (run.pipeline_spec as JsonObject | undefined)?.workflow_manifest as ArgoWorkflow | undefined;
}

export interface StateSources {
  client: KfpClient;
  /** The run's Workflow through the Kubernetes API (label pipeline/runid), when the user's kubeconfig allows and the workspace is trusted. */
  kubernetesWorkflow?: (runId: string, signal?: AbortSignal) => Promise<ArgoWorkflow | undefined>;
  /** Remembered between polls of one run: sources that cannot answer are not asked again. */
  memo?: { noV1beta1?: string; noKubernetes?: string };
  signal?: AbortSignal;
}

/** The run's graph and state; `graph` may be passed to reuse one already built. */
export async function runGraph(src: StateSources | KfpClient, run: Run, graph?: PipelineGraph): Promise<{ graph: PipelineGraph; state: RunGraphState }> {
  const sources: StateSources = 'getRun' in src ? { client: src } : src;
  const wf = workflowOf(run);
  if (wf) return graphFromWorkflow(wf);
  const spec = graph ? undefined : await specOfRun(sources.client, run, true);
  // A KFP v1 pipeline (an Argo Workflow) run on a KFP 2 server: drawn from its live workflow, as the KFP UI draws v1 runs.
  if (spec && isArgoWorkflowSpec(spec)) return v1RunOnV2(sources, run, spec as ArgoWorkflow);
  if (!graph) {
    if (!spec || !isIrSpec(spec)) throw new Error('The server sent no pipeline spec for this run, so there is no graph to draw.');
    graph = buildGraph(spec);
  }
  return { graph, state: await runState(sources, run, graph) };
}

/** An Argo Workflow (what the KFP v1 SDK compiles), as a KFP 2 server returns a v1 pipeline version's spec. */
export function isArgoWorkflowSpec(spec: unknown): boolean {
  const s = spec as { kind?: unknown; spec?: { templates?: unknown } } | undefined;
  return Boolean(s && s.kind === 'Workflow' && Array.isArray(s.spec?.templates));
}

/** The v1 run's workflow from the API server (v1beta1 workflow_manifest), else Kubernetes; before it runs, said so. */
async function v1RunOnV2(src: StateSources, run: Run, spec: ArgoWorkflow): Promise<{ graph: PipelineGraph; state: RunGraphState }> {
  const id = run.run_id ?? '';
  const tried: string[] = [];
  let live: ArgoWorkflow | undefined;
  try { live = await src.client.getRunWorkflow(id, src.signal); if (!live) tried.push('API server (v1beta1): no workflow yet'); } catch (e) { if (e instanceof TooLargeError) throw e; tried.push(`API server (v1beta1): ${(e as Error).message}`); }
  if (!live && src.kubernetesWorkflow) {
    try { live = await src.kubernetesWorkflow(id, src.signal); } catch (e) { tried.push(`Kubernetes API: ${(e as Error).message}`); }
  }
  const drawn = graphFromWorkflow(live ?? { ...spec, status: {} });
  drawn.state.v1OnV2 = true;
  if (!live) drawn.state.limits = `This is a KFP v1 pipeline (an Argo Workflow): its steps appear once its workflow runs. ${tried.join('; ')}`;
  return drawn;
}

/** A v2 run's state from the first source that has its nodes. */
export async function runState(src: StateSources, run: Run, graph: PipelineGraph): Promise<RunGraphState> {
  const tried: string[] = [];
  const memo = src.memo ?? {};
  const id = run.run_id ?? '';
  const fromWorkflow = (w: ArgoWorkflow | undefined, source: RunGraphState['source'], where: string): RunGraphState | undefined => {
    if (!w) { tried.push(`${where}: no workflow yet`); return undefined; }
    let res: ReturnType<typeof workflowNodeStatus>;
    try { res = workflowNodeStatus(w); } catch (e) { tried.push(`${where}: ${(e as Error).message}`); if (e instanceof TooLargeError) throw e; return undefined; }
    if (!res.nodes) {
      const failed = (w.status?.phase === 'Error' || w.status?.phase === 'Failed') && w.status.message;
      tried.push(`${where}: ${res.offloaded ? 'Argo offloaded the node status (status.offloadNodeStatusVersion)' : failed ? `the workflow failed before any step ran: ${w.status!.message}` : 'the workflow has no nodes yet'}`);
      return undefined;
    }
    const st = stateFromWorkflow(graph, w, res.nodes);
    st.source = source;
    return st;
  };
  if (src.client.apiVersion === 'v2beta1' && !memo.noV1beta1) {
    try {
      const st = fromWorkflow(await src.client.getRunWorkflow(id, src.signal), 'workflow-v1beta1', 'API server (v1beta1)');
      if (st) return st;
    } catch (e) {
      if (e instanceof TooLargeError) throw e;
      const msg = (e as Error).message;
      tried.push(`API server (v1beta1): ${msg}`);
      // A server (or gateway) that does not serve v1beta1 will not start to; other failures may pass.
      if (e instanceof KfpError && (e.status === 404 || e.status === 501)) memo.noV1beta1 = msg;
    }
  }
  if (src.kubernetesWorkflow && !memo.noKubernetes) {
    try {
      const st = fromWorkflow(await src.kubernetesWorkflow(id, src.signal), 'workflow-kubernetes', 'Kubernetes API');
      if (st) return st;
    } catch (e) {
      if (e instanceof TooLargeError) throw e;
      tried.push(`Kubernetes API: ${(e as Error).message}`);
      if (e instanceof KfpError && (e.status === 401 || e.status === 403 || e.kind === 'network')) memo.noKubernetes = (e as Error).message;
    }
  }
  const details = run.run_details?.task_details ?? [];
  const st = mergeTaskDetails(graph, Array.isArray(details) ? details : []);
  if (!details.length) {
    st.source = 'none';
    st.limits = `No step has started yet${tried.length ? ` (${tried.join('; ')})` : ''}.`;
  } else {
    st.limits = `${TASK_DETAILS_LIMITS}${tried.length ? ` Tried: ${tried.join('; ')}.` : ''}`;
  }
  return st;
}
