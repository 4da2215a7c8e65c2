// Step outputs from ML Metadata for the run view and the kfp.run.stepOutputs
// command: read once per run and kept briefly (every step of a run comes from the
// same four calls), placed on the run's graph.
import type { PipelineGraph } from '../core/graph/model';
import type { KfpClient } from '../core/kfp/client';
import { MlmdClient, placeExecutions, StepMlmd } from '../core/mlmd/client';

const cache = new Map<string, { at: number; key: string; steps: Promise<Map<string, StepMlmd>> }>();
const TTL_MS = 5_000;

/** The run's steps as MLMD records them; `stateKey` (the run's state) invalidates the cache early. */
export function runOutputs(client: KfpClient, runId: string, graph: PipelineGraph, stateKey: string, signal?: AbortSignal): Promise<Map<string, StepMlmd>> {
  const hit = cache.get(runId);
  if (hit && hit.key === stateKey && Date.now() - hit.at < TTL_MS) return hit.steps;
  const steps = new MlmdClient(client).runData(runId, signal).then((d) => placeExecutions(graph, d));
  cache.set(runId, { at: Date.now(), key: stateKey, steps });
  steps.catch(() => cache.delete(runId));
  if (cache.size > 20) cache.delete(cache.keys().next().value!);
  return steps;
}
