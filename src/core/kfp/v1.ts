// KFP 1.x servers have no v2beta1 API. These adapters read the v1beta1 shapes
// (apiPipeline, apiExperiment, apiRun, apiJob; `id` and `name` instead of
// `*_id` and `display_name`; `status` strings; resource references) into the
// v2beta1 shapes the rest of the extension uses.
import type { Experiment, JsonObject, Pipeline, PipelineVersion, RecurringRun, Run, RuntimeState, StorageState } from './types';

interface V1ResourceRef { key?: { type?: string; id?: string }; name?: string; relationship?: string }

export interface V1Pipeline { id?: string; name?: string; description?: string; created_at?: string; error?: string; resource_references?: V1ResourceRef[]; default_version?: { id?: string } }
export interface V1PipelineVersion { id?: string; name?: string; description?: string; created_at?: string; code_source_url?: string; package_url?: { pipeline_url?: string }; resource_references?: V1ResourceRef[] }
export interface V1Experiment { id?: string; name?: string; description?: string; created_at?: string; storage_state?: string; resource_references?: V1ResourceRef[] }
export interface V1Run {
  id?: string; name?: string; description?: string; storage_state?: string; status?: string; error?: string;
  created_at?: string; scheduled_at?: string; finished_at?: string; service_account?: string;
  pipeline_spec?: { pipeline_id?: string; pipeline_name?: string; workflow_manifest?: string; pipeline_manifest?: string; parameters?: Array<{ name?: string; value?: string }> };
  resource_references?: V1ResourceRef[];
}
export interface V1Job {
  id?: string; name?: string; description?: string; created_at?: string; updated_at?: string; status?: string; error?: string;
  enabled?: boolean; max_concurrency?: string; no_catchup?: boolean;
  trigger?: { cron_schedule?: { cron?: string; start_time?: string; end_time?: string }; periodic_schedule?: { interval_second?: string; start_time?: string; end_time?: string } };
  resource_references?: V1ResourceRef[];
}

function refId(refs: V1ResourceRef[] | undefined, type: string): string | undefined {
  return refs?.find((r) => r.key?.type === type)?.key?.id;
}

function storage(s: string | undefined): StorageState | undefined {
  if (!s) return undefined;
  if (s.endsWith('ARCHIVED')) return 'ARCHIVED';
  if (s.endsWith('AVAILABLE')) return 'AVAILABLE';
  return undefined;
}

const V1_STATUS: Record<string, RuntimeState> = {
  Pending: 'PENDING', Running: 'RUNNING', Succeeded: 'SUCCEEDED', Skipped: 'SKIPPED',
  Failed: 'FAILED', Error: 'FAILED', Terminating: 'CANCELING', Unknown: 'RUNTIME_STATE_UNSPECIFIED',
};

export function v1RunState(status: string | undefined): RuntimeState | undefined {
  if (!status) return 'PENDING';
  return V1_STATUS[status] ?? 'RUNTIME_STATE_UNSPECIFIED';
}

export function fromV1Pipeline(p: V1Pipeline): Pipeline {
  return {
    pipeline_id: p.id, display_name: p.name, description: p.description, created_at: p.created_at,
    namespace: refId(p.resource_references, 'NAMESPACE'),
    error: p.error ? { message: p.error } : undefined,
  };
}

export function fromV1Version(v: V1PipelineVersion): PipelineVersion {
  return {
    pipeline_version_id: v.id, display_name: v.name, description: v.description, created_at: v.created_at,
    code_source_url: v.code_source_url, package_url: v.package_url,
    pipeline_id: refId(v.resource_references, 'PIPELINE'),
  };
}

export function fromV1Experiment(e: V1Experiment): Experiment {
  return {
    experiment_id: e.id, display_name: e.name, description: e.description, created_at: e.created_at,
    storage_state: storage(e.storage_state), namespace: refId(e.resource_references, 'NAMESPACE'),
  };
}

export function fromV1Run(r: V1Run, workflowManifest?: string): Run {
  const params: Record<string, string> = {};
  for (const p of r.pipeline_spec?.parameters ?? []) if (p.name) params[p.name] = p.value ?? '';
  const run: Run = {
    run_id: r.id, display_name: r.name, description: r.description, storage_state: storage(r.storage_state),
    state: v1RunState(r.status), created_at: r.created_at, scheduled_at: r.scheduled_at, finished_at: r.finished_at,
    service_account: r.service_account, experiment_id: refId(r.resource_references, 'EXPERIMENT'),
    error: r.error ? { message: r.error } : undefined,
    runtime_config: Object.keys(params).length ? { parameters: params } : undefined,
  };
  const versionId = refId(r.resource_references, 'PIPELINE_VERSION');
  if (versionId || r.pipeline_spec?.pipeline_id) {
    run.pipeline_version_reference = { pipeline_id: r.pipeline_spec?.pipeline_id, pipeline_version_id: versionId };
  }
  if (workflowManifest) {
    try {
      run.pipeline_spec = { workflow_manifest: JSON.parse(workflowManifest) as JsonObject } as JsonObject;
    } catch {
      run.pipeline_spec = { workflow_manifest: workflowManifest };
    }
  }
  return run;
}

export function fromV1Job(j: V1Job): RecurringRun {
  return {
    recurring_run_id: j.id, display_name: j.name, description: j.description, created_at: j.created_at, updated_at: j.updated_at,
    status: j.enabled ? 'ENABLED' : 'DISABLED', mode: j.enabled ? 'ENABLE' : 'DISABLE',
    max_concurrency: j.max_concurrency, no_catchup: j.no_catchup, trigger: j.trigger,
    experiment_id: refId(j.resource_references, 'EXPERIMENT'), namespace: refId(j.resource_references, 'NAMESPACE'),
    error: j.error ? { message: j.error } : undefined,
  };
}
