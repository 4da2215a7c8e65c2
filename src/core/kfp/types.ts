// Shapes of the KFP v2beta1 REST API as the server sends them: snake_case proto
// names, empty fields omitted, int64 as strings, enums as strings.
// Field names follow the official swagger (backend/api/v2beta1/swagger).

export type RuntimeState =
  | 'RUNTIME_STATE_UNSPECIFIED'
  | 'PENDING'
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'SKIPPED'
  | 'FAILED'
  | 'CANCELING'
  | 'CANCELED'
  | 'PAUSED';

export const RUNTIME_STATES: readonly RuntimeState[] = [
  'RUNTIME_STATE_UNSPECIFIED', 'PENDING', 'RUNNING', 'SUCCEEDED', 'SKIPPED', 'FAILED', 'CANCELING', 'CANCELED', 'PAUSED',
];

export type StorageState = 'AVAILABLE' | 'ARCHIVED' | 'STORAGE_STATE_UNSPECIFIED';

export interface RpcStatus {
  code?: number;
  message?: string;
  details?: Array<{ '@type'?: string; [k: string]: unknown }>;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

export interface Pipeline {
  pipeline_id?: string;
  display_name?: string;
  name?: string;
  description?: string;
  created_at?: string;
  namespace?: string;
  error?: RpcStatus;
  tags?: Record<string, string>;
}

export interface PipelineVersion {
  pipeline_id?: string;
  pipeline_version_id?: string;
  display_name?: string;
  name?: string;
  description?: string;
  created_at?: string;
  package_url?: { pipeline_url?: string };
  code_source_url?: string;
  pipeline_spec?: JsonObject;
  error?: RpcStatus;
  tags?: Record<string, string>;
}

export interface Experiment {
  experiment_id?: string;
  display_name?: string;
  description?: string;
  created_at?: string;
  namespace?: string;
  storage_state?: StorageState;
  last_run_created_at?: string;
}

export interface RuntimeStatus {
  update_time?: string;
  state?: RuntimeState;
  error?: RpcStatus;
}

export interface PipelineTaskDetail {
  run_id?: string;
  task_id?: string;
  display_name?: string;
  create_time?: string;
  start_time?: string;
  end_time?: string;
  executor_detail?: {
    main_job?: string;
    pre_caching_check_job?: string;
    failed_main_jobs?: string[];
    failed_pre_caching_check_jobs?: string[];
  };
  state?: RuntimeState;
  execution_id?: string;
  error?: RpcStatus;
  inputs?: Record<string, { artifact_ids?: string[] }>;
  outputs?: Record<string, { artifact_ids?: string[] }>;
  parent_task_id?: string;
  state_history?: RuntimeStatus[];
  pod_name?: string;
  child_tasks?: Array<{ task_id?: string; pod_name?: string }>;
}

export interface RuntimeConfig {
  parameters?: Record<string, JsonValue>;
  pipeline_root?: string;
}

export interface PipelineVersionReference {
  pipeline_id?: string;
  pipeline_version_id?: string;
}

export interface Run {
  experiment_id?: string;
  run_id?: string;
  display_name?: string;
  storage_state?: StorageState;
  description?: string;
  pipeline_version_id?: string;
  pipeline_spec?: JsonObject;
  pipeline_version_reference?: PipelineVersionReference;
  runtime_config?: RuntimeConfig;
  service_account?: string;
  created_at?: string;
  scheduled_at?: string;
  finished_at?: string;
  state?: RuntimeState;
  error?: RpcStatus;
  run_details?: {
    pipeline_context_id?: string;
    pipeline_run_context_id?: string;
    task_details?: PipelineTaskDetail[];
  };
  recurring_run_id?: string;
  state_history?: RuntimeStatus[];
  plugins_input?: JsonObject;
  plugins_output?: JsonObject;
}

export interface Trigger {
  cron_schedule?: { cron?: string; start_time?: string; end_time?: string };
  periodic_schedule?: { interval_second?: string; start_time?: string; end_time?: string };
}

export interface RecurringRun {
  recurring_run_id?: string;
  display_name?: string;
  description?: string;
  pipeline_version_id?: string;
  pipeline_spec?: JsonObject;
  pipeline_version_reference?: PipelineVersionReference;
  runtime_config?: RuntimeConfig;
  service_account?: string;
  max_concurrency?: string;
  trigger?: Trigger;
  mode?: 'MODE_UNSPECIFIED' | 'ENABLE' | 'DISABLE';
  created_at?: string;
  updated_at?: string;
  status?: 'STATUS_UNSPECIFIED' | 'ENABLED' | 'DISABLED';
  error?: RpcStatus;
  no_catchup?: boolean;
  namespace?: string;
  experiment_id?: string;
}

/** A page of a list call, with the server's own key normalised to `items`. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
  totalSize?: number;
}

export interface ListOptions {
  pageToken?: string;
  /** 1..200; 0 or absent lets the server use its default of 20. */
  pageSize?: number;
  /** "field", "field desc" or "field asc". */
  sortBy?: string;
  filter?: Filter;
  namespace?: string;
}

export type PredicateOperation =
  | 'EQUALS' | 'NOT_EQUALS' | 'GREATER_THAN' | 'GREATER_THAN_EQUALS'
  | 'LESS_THAN' | 'LESS_THAN_EQUALS' | 'IN' | 'IS_SUBSTRING';

export interface Predicate {
  key: string;
  operation: PredicateOperation;
  string_value?: string;
  int_value?: number;
  long_value?: string;
  timestamp_value?: string;
  int_values?: { values: number[] };
  long_values?: { values: string[] };
  string_values?: { values: string[] };
}

export interface Filter {
  predicates: Predicate[];
}

/** What the v2beta1 (or UI server) healthz answers; any of the fields may be absent. */
export interface Healthz {
  multi_user?: boolean;
  pipeline_store?: string;
  commit_sha?: string;
  tag_name?: string;
  // UI server's own HealthzStats
  apiServerReady?: boolean;
  apiServerCommitHash?: string;
  apiServerTagName?: string;
  apiServerMultiUser?: boolean;
  buildDate?: string;
  frontendCommitHash?: string;
  frontendTagName?: string;
  pipelineStore?: string;
}

export type ApiVersion = 'v2beta1' | 'v1beta1';

export interface ServerInfo {
  apiVersion: ApiVersion;
  /** True when the healthz came from the KFP UI server (it proxies the API). */
  viaUiServer: boolean;
  multiUser: boolean;
  version?: string;
  raw: Healthz;
}

export const FINISHED_STATES: ReadonlySet<RuntimeState> = new Set(['SUCCEEDED', 'SKIPPED', 'FAILED', 'CANCELED']);

export function isFinished(state: RuntimeState | undefined): boolean {
  return state !== undefined && FINISHED_STATES.has(state);
}

const EPOCH_STRINGS = new Set(['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z']);

/** The server sends the Unix epoch for "not set" times (e.g. finished_at of a running run). */
export function parseTime(value: string | undefined): Date | undefined {
  if (!value || EPOCH_STRINGS.has(value)) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()) || d.getTime() === 0) return undefined;
  return d;
}
