// The Vertex AI Pipelines REST shapes the extension reads and sends, in the proto3
// JSON mapping (camelCase names, enums as their names, int64 as strings), from
// google/cloud/aiplatform/v1/pipeline_job.proto, pipeline_state.proto,
// schedule.proto, artifact.proto, execution.proto, and google/logging/v2
// log_entry.proto (../shared/vertex-reference.md 1-5). The emulator checks its
// answers against the protos @google-cloud/aiplatform ships, so a field misnamed
// here and there fails a test.

export type PipelineState =
  | 'PIPELINE_STATE_UNSPECIFIED' | 'PIPELINE_STATE_QUEUED' | 'PIPELINE_STATE_PENDING' | 'PIPELINE_STATE_RUNNING'
  | 'PIPELINE_STATE_SUCCEEDED' | 'PIPELINE_STATE_FAILED' | 'PIPELINE_STATE_CANCELLING' | 'PIPELINE_STATE_CANCELLED' | 'PIPELINE_STATE_PAUSED';

/** pipeline_state.proto numbers, for an answer with integer enums ($alt=json;enum-encoding=int). */
export const PIPELINE_STATE_BY_NUMBER: readonly PipelineState[] = [
  'PIPELINE_STATE_UNSPECIFIED', 'PIPELINE_STATE_QUEUED', 'PIPELINE_STATE_PENDING', 'PIPELINE_STATE_RUNNING',
  'PIPELINE_STATE_SUCCEEDED', 'PIPELINE_STATE_FAILED', 'PIPELINE_STATE_CANCELLING', 'PIPELINE_STATE_CANCELLED', 'PIPELINE_STATE_PAUSED',
];

export type TaskState = 'STATE_UNSPECIFIED' | 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'CANCEL_PENDING' | 'CANCELLING' | 'CANCELLED' | 'FAILED' | 'SKIPPED' | 'NOT_TRIGGERED';
export const TASK_STATE_BY_NUMBER: readonly TaskState[] = ['STATE_UNSPECIFIED', 'PENDING', 'RUNNING', 'SUCCEEDED', 'CANCEL_PENDING', 'CANCELLING', 'CANCELLED', 'FAILED', 'SKIPPED', 'NOT_TRIGGERED'];

export interface RpcStatus { code?: number; message?: string; details?: unknown[] }

export interface VertexArtifact { name?: string; displayName?: string; uri?: string; state?: string; schemaTitle?: string; schemaVersion?: string; metadata?: Record<string, unknown> }

export interface VertexExecution { name?: string; displayName?: string; state?: string; schemaTitle?: string; metadata?: Record<string, unknown> }

export interface PipelineTaskDetail {
  taskId?: string;
  parentTaskId?: string;
  taskName?: string;
  taskUniqueName?: string;
  createTime?: string;
  startTime?: string;
  endTime?: string;
  executorDetail?: {
    containerDetail?: { mainJob?: string; preCachingCheckJob?: string; failedMainJobs?: string[]; failedPreCachingCheckJobs?: string[] };
    customJobDetail?: { job?: string; failedJobs?: string[] };
  };
  state?: TaskState | number;
  execution?: VertexExecution;
  error?: RpcStatus;
  pipelineTaskStatus?: Array<{ updateTime?: string; state?: TaskState | number; error?: RpcStatus }>;
  inputs?: Record<string, { artifacts?: VertexArtifact[] }>;
  outputs?: Record<string, { artifacts?: VertexArtifact[] }>;
}

export interface RuntimeConfig {
  gcsOutputDirectory?: string;
  parameterValues?: Record<string, unknown>;
  /** Deprecated, for specs of schemaVersion 2.0.0 and older. */
  parameters?: Record<string, { intValue?: string; doubleValue?: number; stringValue?: string }>;
  failurePolicy?: 'PIPELINE_FAILURE_POLICY_UNSPECIFIED' | 'PIPELINE_FAILURE_POLICY_FAIL_SLOW' | 'PIPELINE_FAILURE_POLICY_FAIL_FAST';
}

export interface PipelineJob {
  name?: string;
  displayName?: string;
  createTime?: string;
  startTime?: string;
  endTime?: string;
  updateTime?: string;
  pipelineSpec?: Record<string, unknown>;
  state?: PipelineState | number;
  jobDetail?: { pipelineContext?: { name?: string }; pipelineRunContext?: { name?: string }; taskDetails?: PipelineTaskDetail[] };
  error?: RpcStatus;
  labels?: Record<string, string>;
  runtimeConfig?: RuntimeConfig;
  serviceAccount?: string;
  network?: string;
  templateUri?: string;
  templateMetadata?: { version?: string };
  scheduleName?: string;
}

export interface Schedule {
  name?: string;
  displayName?: string;
  cron?: string;
  createPipelineJobRequest?: { parent?: string; pipelineJob?: PipelineJob; pipelineJobId?: string };
  startTime?: string;
  endTime?: string;
  maxRunCount?: string;
  startedRunCount?: string;
  state?: 'STATE_UNSPECIFIED' | 'ACTIVE' | 'PAUSED' | 'COMPLETED';
  createTime?: string;
  updateTime?: string;
  nextRunTime?: string;
  lastPauseTime?: string;
  lastResumeTime?: string;
  maxConcurrentRunCount?: string;
  allowQueueing?: boolean;
  catchUp?: boolean;
  lastScheduledRunResponse?: { scheduledRunTime?: string; runResponse?: string };
}

export interface LongRunningOperation { name?: string; done?: boolean; error?: RpcStatus; response?: unknown; metadata?: unknown }

export interface LogEntry {
  logName?: string;
  resource?: { type?: string; labels?: Record<string, string> };
  timestamp?: string;
  receiveTimestamp?: string;
  severity?: string;
  insertId?: string;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  labels?: Record<string, string>;
}

/** Artifact Registry (google/devtools/artifactregistry/v1 package.proto, version.proto, tag.proto). */
export interface ArPackage { name?: string; displayName?: string; createTime?: string; updateTime?: string }
export interface ArVersion { name?: string; description?: string; createTime?: string; updateTime?: string; relatedTags?: ArTag[]; metadata?: Record<string, unknown> }
export interface ArTag { name?: string; version?: string }
