// Messages between the run view panel (extension host) and its webview. The
// webview gets state and sends intents; every string in here is data, and the
// webview renders it as text.
import type { RuntimeState } from '../kfp/types';
import type { NodeKind } from '../graph/model';

export interface ViewNode {
  id: string;
  name: string;
  kind: NodeKind;
  parentId?: string;
  childIds?: string[];
  /** Edges between children, by child id. */
  edges?: Array<[string, string]>;
  condition?: string;
  iterator?: string;
  image?: string;
  /** "name ← where it comes from" (with the run's value for pipeline parameters). */
  inputs?: string[];
  /** "name: type". */
  outputs?: string[];
}

export interface ViewGraph { rootId: string; nodes: ViewNode[]; taskCount: number }

export interface ViewNodeState {
  s: RuntimeState;
  pod?: string;
  cached?: boolean;
  error?: string;
  start?: string;
  end?: string;
  /** MLMD artifact IDs of the step's inputs and outputs, as task_details report them. */
  artifacts?: string[];
  /** What the source says, or cannot say, about the step. */
  note?: string;
  /** Attempts of a retried step: pod, state, error. */
  attempts?: Array<{ pod?: string; s: RuntimeState; error?: string }>;
}

export interface RunSummary {
  runId?: string;
  name: string;
  state?: RuntimeState;
  createdAt?: string;
  finishedAt?: string;
  error?: string;
  /** A static graph (a pipeline file or version), not a run. */
  static?: boolean;
  apiVersion?: string;
  /** Where the step states come from, and what that source cannot tell. */
  source?: string;
  limits?: string;
  /** What runs a step: "Pod" (KFP) or "Custom job" (Vertex AI). */
  executorLabel?: string;
  /** The actions this backend offers (all when absent). */
  actions?: string[];
}

export type HostMessage =
  | { type: 'init'; run: RunSummary; graph: ViewGraph; states: Record<string, ViewNodeState>; iterations: Record<string, Array<[number, RuntimeState]>> }
  | { type: 'states'; run: RunSummary; states: Record<string, ViewNodeState>; iterations: Record<string, Array<[number, RuntimeState]>> }
  | { type: 'logs'; nodeId: string; source?: string; lines: string[]; reset?: boolean; done?: boolean; error?: string; total?: number }
  | { type: 'select'; nodeId: string }
  | { type: 'outputs'; nodeId: string; outputs?: StepOutputsView; error?: string }
  | { type: 'error'; message: string };

/** What ML Metadata records of a step (the KFP UI's source for outputs). */
export interface StepOutputsView {
  executionId?: number;
  executionState?: string;
  cachedExecutionId?: string;
  /** Output parameter values, as name and JSON text. */
  values: Array<[string, string]>;
  artifacts: Array<{ name: string; uri?: string; type?: string; direction: 'input' | 'output' }>;
}

export type ViewMessage =
  | { type: 'ready' }
  | { type: 'select'; nodeId: string }
  | { type: 'action'; action: 'terminate' | 'retry' | 'clone' | 'archive' | 'openWeb' | 'copyRunId' | 'refresh' }
  | { type: 'openLog'; nodeId: string; attempt?: number }
  | { type: 'openArtifact'; uri: string; name?: string }
  | { type: 'copy'; text: string }
  | { type: 'rendered'; report: RenderReport };

/** What the webview drew, reported after each render (tests and benchmarks read it). */
export interface RenderReport {
  visibleNodes: number;
  tableRows: number;
  failed: string[];
  selected?: string;
  /** Leaf steps by state (over every loop iteration). */
  states: Record<string, number>;
  /** Lines of log shown and where they came from. */
  log?: { lines: number; info: string };
  ms: number;
  /** The rows of the steps table as drawn (its data attributes). */
  rows?: Array<{ id: string; state: string; pod?: string; cached?: boolean; attempts?: number }>;
  /** The step outputs shown for the selected step: values and artifact URIs, or why there are none. */
  outputs?: { values: number; artifacts: string[]; info: string };
  /** The error state's text, when one is shown. */
  error?: string;
  /** The source line and the limits line as shown. */
  source?: string;
  limits?: string;
}
