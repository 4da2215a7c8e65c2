// The Argo Workflow behind a KFP run, as Argo writes it: node IDs, display
// names, pod names and the node status map (plain or gzip-compressed). Each
// rule names the Argo source it follows (argoproj/argo-workflows):
// - node IDs: pkg/apis/workflow/v1alpha1/workflow_types.go `(*Workflow).NodeID`;
// - pod names: workflow/util/pod_name.go `GeneratePodName`, with the template from
//   workflow/util/util.go `GetTemplateFromNode` (templateRef first);
// - display names: workflow/controller/operator.go `initializeNode` (the name
//   without the boundary node's name, then `^(\[\d+\])?\.` removed).
import { gunzipSync } from 'node:zlib';

export type NodePhase = 'Pending' | 'Running' | 'Succeeded' | 'Skipped' | 'Failed' | 'Error' | 'Omitted';
export type NodeType = 'Pod' | 'Container' | 'Steps' | 'StepGroup' | 'DAG' | 'TaskGroup' | 'Retry' | 'Skipped' | 'Suspend' | 'HTTP' | 'Plugin';

export interface ArgoArtifact { name?: string; s3?: { key?: string; bucket?: string }; gcs?: { key?: string; bucket?: string } }

export interface ArgoNode {
  id: string;
  name?: string;
  displayName?: string;
  type?: NodeType | string;
  phase?: NodePhase | string;
  templateName?: string;
  templateRef?: { name?: string; template?: string };
  boundaryID?: string;
  children?: string[];
  outboundNodes?: string[];
  startedAt?: string | null;
  finishedAt?: string | null;
  message?: string;
  outputs?: { artifacts?: ArgoArtifact[]; parameters?: Array<{ name?: string; value?: string }>; exitCode?: string };
}

export interface ArgoWorkflow {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; creationTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: { phase?: string; nodes?: Record<string, ArgoNode> | null; compressedNodes?: string; offloadNodeStatusVersion?: string; message?: string; startedAt?: string; finishedAt?: string };
}

/** 32-bit FNV-1a of the UTF-8 bytes, as Go's hash/fnv New32a. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Argo's node ID for a node name: the workflow's own name for the workflow node, else `{workflow}-{fnv32a(name)}`. */
export function argoNodeId(workflowName: string, nodeName: string): string {
  return nodeName === workflowName ? workflowName : `${workflowName}-${fnv32a(nodeName)}`;
}

export type PodNameFormat = 'v1' | 'v2';

/** The pod-name format a workflow was run with: Argo annotates it (workflows.argoproj.io/pod-name-format); absent means Argo's default, v2. */
export function podNameFormat(wf: ArgoWorkflow): PodNameFormat {
  return wf.metadata?.annotations?.['workflows.argoproj.io/pod-name-format'] === 'v1' ? 'v1' : 'v2';
}

/** Argo's template of a node (GetTemplateFromNode). */
export const templateOf = (n: ArgoNode): string => n.templateRef?.template ?? n.templateName ?? '';

const MAX_PREFIX = 253 - 10; // maxK8sResourceNameLength - k8sNamingHashLength

/** The pod a Pod node ran in (GeneratePodName). */
export function argoPodName(workflowName: string, node: ArgoNode, format: PodNameFormat): string {
  if (format === 'v1') return node.id;
  if (node.name === workflowName) return workflowName;
  const tmpl = templateOf(node);
  let prefix = tmpl ? `${workflowName}-${tmpl}` : workflowName;
  if (prefix.length > MAX_PREFIX - 1) prefix = prefix.slice(0, MAX_PREFIX - 1);
  return `${prefix}-${fnv32a(node.name ?? '')}`;
}

/** Argo's display name for a node, given its boundary node's name. */
export function argoDisplayName(nodeName: string, boundaryName: string | undefined): string {
  if (boundaryName === undefined) return nodeName;
  const rest = nodeName.startsWith(boundaryName) ? nodeName.slice(boundaryName.length) : nodeName;
  return rest.replace(/^(\[\d+\])?\./, '');
}

export class TooLargeError extends Error {
  constructor(message: string) { super(message); this.name = 'TooLargeError'; }
}

/** Decompressed node status larger than this is refused (a hostile or broken server could send a gzip bomb). */
export const MAX_NODES_BYTES = 256 * 1024 * 1024;

export type NodesResult = { nodes: Record<string, ArgoNode>; offloaded?: false } | { nodes: undefined; offloaded: boolean };

/**
 * status.nodes of a workflow, decoding status.compressedNodes (gzip + base64, the
 * KFP UI's `decodeCompressedNodes`). When Argo offloaded the node status to its
 * database (`offloadNodeStatusVersion`), the workflow carries no nodes.
 */
export function workflowNodeStatus(wf: ArgoWorkflow, maxBytes = MAX_NODES_BYTES): NodesResult {
  const st = wf.status;
  if (st?.nodes && typeof st.nodes === 'object') return { nodes: st.nodes };
  if (typeof st?.compressedNodes === 'string' && st.compressedNodes) {
    let raw: Buffer;
    try {
      raw = gunzipSync(Buffer.from(st.compressedNodes, 'base64'), { maxOutputLength: maxBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /larger than|too large/i.test((e as Error).message)) {
        throw new TooLargeError(`The workflow's compressed node status unpacks to more than ${Math.round(maxBytes / 1048576)} MiB; it was not read.`);
      }
      throw new Error(`The workflow's compressed node status could not be decoded: ${(e as Error).message}`);
    }
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('The workflow\'s compressed node status is not a map of nodes.');
    return { nodes: parsed as Record<string, ArgoNode> };
  }
  return { nodes: undefined, offloaded: Boolean(st?.offloadNodeStatusVersion) };
}

/** Parses a workflow_manifest string (v1beta1 runs); undefined for an empty one ("{}" or ""). */
export function parseWorkflowManifest(text: string | undefined): ArgoWorkflow | undefined {
  if (!text || !text.trim()) return undefined;
  const v = JSON.parse(text) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const wf = v as ArgoWorkflow;
  if (!wf.metadata?.name && !wf.status) return undefined;
  return wf;
}

export const PHASE_STATE: Record<string, 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'SKIPPED' | 'FAILED'> = {
  Pending: 'PENDING', Running: 'RUNNING', Succeeded: 'SUCCEEDED', Skipped: 'SKIPPED', Failed: 'FAILED', Error: 'FAILED', Omitted: 'SKIPPED',
};

/** An Argo time, or undefined for unset ones (null, Go's zero time, the Unix epoch). */
export function argoTime(t: string | null | undefined): string | undefined {
  if (!t || t.startsWith('0001-01-01') || t.startsWith('1970-01-01')) return undefined;
  return t;
}

/** The key of the node's archived main log (Argo archiveLogs: output artifact `main-logs`). */
export function mainLogsKey(n: ArgoNode): string | undefined {
  const a = n.outputs?.artifacts?.find((x) => x.name === 'main-logs');
  return a?.s3?.key ?? a?.gcs?.key;
}
