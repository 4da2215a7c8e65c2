// The emulator's in-memory records and how they are written out in the
// server's JSON conventions (snake_case, empty fields omitted, int64 strings,
// the epoch for unset times).
import type { RuntimeState } from '../../src/core/kfp/types';

export const EPOCH = '1970-01-01T00:00:00Z';

export interface PipelineRec { id: string; name: string; displayName: string; description?: string; createdAt: number; namespace?: string; tags?: Record<string, string> }
export interface VersionRec { id: string; pipelineId: string; name: string; displayName: string; description?: string; createdAt: number; spec: Record<string, unknown>; codeSourceUrl?: string; packageUrl?: string }
export interface ExperimentRec { id: string; displayName: string; description?: string; createdAt: number; namespace?: string; storage: 'AVAILABLE' | 'ARCHIVED'; lastRunCreatedAt?: number }
export interface PlanStep { state: RuntimeState; at: number; error?: string }
export interface RunRec {
  id: string; displayName: string; description?: string; experimentId: string; namespace?: string; createdAt: number;
  storage: 'AVAILABLE' | 'ARCHIVED'; versionRef?: { pipelineId: string; versionId: string }; spec?: Record<string, unknown>;
  parameters?: Record<string, unknown>; pipelineRoot?: string; plan: PlanStep[]; recurringRunId?: string; serviceAccount?: string;
}
export interface RecurringRec {
  id: string; displayName: string; description?: string; experimentId: string; namespace?: string; createdAt: number; updatedAt: number;
  enabled: boolean; versionRef?: { pipelineId: string; versionId: string }; spec?: Record<string, unknown>; parameters?: Record<string, unknown>;
  trigger: { cron?: string; intervalSecond?: number }; maxConcurrency: number; noCatchup?: boolean;
  /** trigger.*.start_time / end_time (ms). */
  startTime?: number; endTime?: number;
  /** "Always the latest version": a pipeline_version_reference with only pipeline_id (KFP 2.5+). */
  latestOf?: string;
  serviceAccount?: string;
  /** The ScheduledWorkflow's status as the controller keeps it (schedules.ts). */
  schedule?: { lastTriggered?: number; lastIndex: number; swfName: string; checkedUntil?: number };
}

export const TERMINAL: ReadonlySet<RuntimeState> = new Set(['SUCCEEDED', 'SKIPPED', 'FAILED', 'CANCELED']);

export function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Drops undefined, empty strings, empty arrays and empty objects, as protojson with EmitUnpopulated=false does. */
export function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as unknown as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || v === '' || v === false) continue;
      if (Array.isArray(v) && v.length === 0) continue;
      const p = prune(v);
      if (p && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 0 && !STRUCT_KEYS.has(k)) continue;
      out[k] = p;
    }
    return out as T;
  }
  return value;
}
// Struct-valued fields keep their inner shape untouched.
const STRUCT_KEYS = new Set<string>();

export function runStateAt(run: RunRec, now: number): { state: RuntimeState; history: PlanStep[]; finishedAt?: number; error?: string } {
  const history = run.plan.filter((s) => s.at <= now);
  const last = history[history.length - 1] ?? run.plan[0];
  const finished = TERMINAL.has(last.state);
  return { state: last.state, history, finishedAt: finished ? last.at : undefined, error: last.error };
}

export function runJson(run: RunRec, now: number): Record<string, unknown> {
  const s = runStateAt(run, now);
  const body: Record<string, unknown> = {
    experiment_id: run.experimentId,
    run_id: run.id,
    display_name: run.displayName,
    storage_state: run.storage,
    description: run.description,
    pipeline_version_reference: run.versionRef ? { pipeline_id: run.versionRef.pipelineId, pipeline_version_id: run.versionRef.versionId } : undefined,
    runtime_config: run.parameters || run.pipelineRoot ? { parameters: run.parameters, pipeline_root: run.pipelineRoot } : undefined,
    service_account: run.serviceAccount,
    created_at: iso(run.createdAt),
    scheduled_at: iso(run.createdAt),
    finished_at: s.finishedAt !== undefined ? iso(s.finishedAt) : EPOCH,
    state: s.state,
    error: s.error ? { code: 2, message: s.error } : undefined,
    recurring_run_id: run.recurringRunId,
    state_history: s.history.map((h) => ({ update_time: iso(h.at), state: h.state, error: h.error ? { code: 2, message: h.error } : undefined })),
  };
  const pruned = prune(body);
  // pipeline_spec is a Struct: sent as stored, never pruned.
  if (run.spec) (pruned as Record<string, unknown>).pipeline_spec = run.spec;
  return pruned;
}

export function pipelineJson(p: PipelineRec): Record<string, unknown> {
  return prune({ pipeline_id: p.id, display_name: p.displayName, name: p.name, description: p.description, created_at: iso(p.createdAt), namespace: p.namespace, tags: p.tags });
}

export function versionJson(v: VersionRec, withSpec: boolean): Record<string, unknown> {
  const out = prune({
    pipeline_id: v.pipelineId, pipeline_version_id: v.id, display_name: v.displayName, name: v.name, description: v.description,
    created_at: iso(v.createdAt), code_source_url: v.codeSourceUrl, package_url: v.packageUrl ? { pipeline_url: v.packageUrl } : undefined,
  }) as Record<string, unknown>;
  if (withSpec) out.pipeline_spec = v.spec;
  return out;
}

export function experimentJson(e: ExperimentRec): Record<string, unknown> {
  return prune({
    experiment_id: e.id, display_name: e.displayName, description: e.description, created_at: iso(e.createdAt),
    namespace: e.namespace, storage_state: e.storage, last_run_created_at: e.lastRunCreatedAt ? iso(e.lastRunCreatedAt) : EPOCH,
  });
}

export function recurringJson(r: RecurringRec): Record<string, unknown> {
  const out = prune({
    recurring_run_id: r.id, display_name: r.displayName, description: r.description,
    pipeline_version_reference: r.versionRef ? { pipeline_id: r.versionRef.pipelineId, pipeline_version_id: r.versionRef.versionId } : r.latestOf ? { pipeline_id: r.latestOf } : undefined,
    runtime_config: r.parameters ? { parameters: r.parameters } : undefined,
    service_account: r.serviceAccount,
    max_concurrency: String(r.maxConcurrency),
    trigger: r.trigger.cron
      ? { cron_schedule: { cron: r.trigger.cron, start_time: iso(r.startTime), end_time: iso(r.endTime) } }
      : { periodic_schedule: { interval_second: String(r.trigger.intervalSecond ?? 3600), start_time: iso(r.startTime), end_time: iso(r.endTime) } },
    mode: r.enabled ? 'ENABLE' : 'DISABLE',
    created_at: iso(r.createdAt), updated_at: iso(r.updatedAt),
    status: r.enabled ? 'ENABLED' : 'DISABLED',
    no_catchup: r.noCatchup, namespace: r.namespace, experiment_id: r.experimentId,
  }) as Record<string, unknown>;
  if (r.spec) out.pipeline_spec = r.spec;
  return out;
}

// ---- v1beta1 shapes (KFP 1.x) ----

const V1_STATUS: Record<RuntimeState, string> = {
  RUNTIME_STATE_UNSPECIFIED: 'Unknown', PENDING: 'Pending', PAUSED: 'Pending', RUNNING: 'Running', SUCCEEDED: 'Succeeded',
  SKIPPED: 'Skipped', FAILED: 'Failed', CANCELING: 'Terminating', CANCELED: 'Failed',
};

export function v1RunJson(run: RunRec, now: number): Record<string, unknown> {
  const s = runStateAt(run, now);
  return prune({
    id: run.id, name: run.displayName, description: run.description,
    storage_state: run.storage === 'ARCHIVED' ? 'STORAGESTATE_ARCHIVED' : 'STORAGESTATE_AVAILABLE',
    created_at: iso(run.createdAt), scheduled_at: iso(run.createdAt), finished_at: s.finishedAt !== undefined ? iso(s.finishedAt) : EPOCH,
    status: V1_STATUS[s.state], error: s.error,
    pipeline_spec: { parameters: Object.entries(run.parameters ?? {}).map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) })) },
    resource_references: [
      { key: { type: 'EXPERIMENT', id: run.experimentId }, relationship: 'OWNER' },
      ...(run.versionRef ? [{ key: { type: 'PIPELINE_VERSION', id: run.versionRef.versionId }, relationship: 'CREATOR' }] : []),
    ],
  });
}

export function v1PipelineJson(p: PipelineRec, defaultVersion?: VersionRec): Record<string, unknown> {
  return prune({
    id: p.id, name: p.displayName, description: p.description, created_at: iso(p.createdAt),
    default_version: defaultVersion ? v1VersionJson(defaultVersion) : undefined,
  });
}

export function v1VersionJson(v: VersionRec): Record<string, unknown> {
  return prune({
    id: v.id, name: v.displayName, description: v.description, created_at: iso(v.createdAt),
    resource_references: [{ key: { type: 'PIPELINE', id: v.pipelineId }, relationship: 'OWNER' }],
  });
}

export function v1ExperimentJson(e: ExperimentRec): Record<string, unknown> {
  return prune({
    id: e.id, name: e.displayName, description: e.description, created_at: iso(e.createdAt),
    storage_state: e.storage === 'ARCHIVED' ? 'STORAGESTATE_ARCHIVED' : 'STORAGESTATE_AVAILABLE',
    resource_references: e.namespace ? [{ key: { type: 'NAMESPACE', id: e.namespace }, relationship: 'OWNER' }] : undefined,
  });
}

export function v1JobJson(r: RecurringRec): Record<string, unknown> {
  return prune({
    id: r.id, name: r.displayName, description: r.description, created_at: iso(r.createdAt), updated_at: iso(r.updatedAt),
    enabled: r.enabled, max_concurrency: String(r.maxConcurrency), status: r.enabled ? 'Enabled' : 'Disabled', mode: r.enabled ? 'ENABLED' : 'DISABLED',
    trigger: r.trigger.cron ? { cron_schedule: { cron: r.trigger.cron } } : { periodic_schedule: { interval_second: String(r.trigger.intervalSecond ?? 3600) } },
    resource_references: [{ key: { type: 'EXPERIMENT', id: r.experimentId }, relationship: 'OWNER' }],
  });
}
