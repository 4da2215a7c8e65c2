// The log of the step selected in a run view: streamed from the first source
// that has it, only a tail kept (the webview shows what fits; the whole log
// opens as a document), followed while the step runs, stopped on deselect.
import * as vscode from 'vscode';
import type { RunGraphState } from '../core/graph/runState';
import { isFinished, Run } from '../core/kfp/types';
import { kubeconfigConnection, LogSource, LogTarget, podLog } from '../core/logs/podLogs';
import type { HostMessage } from '../core/runView/protocol';
import type { EndpointManager } from '../endpoints/endpointManager';
import { errorText, log } from '../logging';
import { isVertexRun } from '../core/vertex/runs';
import { jobLog } from '../core/vertex/logs';
import { vertexLogTarget } from './vertexRun';

export class LogSession implements vscode.Disposable {
  private controller?: AbortController;
  private nodeId?: string;
  private running = false;

  constructor(private readonly endpoints: EndpointManager, private readonly post: (m: HostMessage) => void) {}

  /** The log target of a node: its executor pod (the last attempt, or attempt `attempt` of a retried step). */
  static target(endpoints: EndpointManager, run: Run, st: RunGraphState, nodeId: string, attempt?: number): LogTarget | { message: string } {
    const s = st.nodes.get(nodeId);
    if (!s) return { message: st.source === 'task-details' ? 'The pod of this step is unknown: only task_details could be read, and they carry no pod names.' : 'This step has not started: it has no log yet.' };
    if (s.cached) return { message: 'This step\'s output was taken from the cache: no pod ran, so there is no log.' };
    const a = attempt !== undefined ? s.attempts?.[attempt] : undefined;
    if (attempt !== undefined && !a) return { message: `This step has no attempt ${attempt}.` };
    const podName = a ? a.podName : s.podName;
    if (!podName) {
      return { message: s.note ?? (st.source === 'task-details' ? 'The pod of this step is unknown: only task_details could be read, and they carry no pod names.' : 'This step has no executor pod (yet).') };
    }
    const state = a ? a.state : s.state;
    return {
      podName, namespace: endpoints.active()?.namespace || 'kubeflow', runId: run.run_id ?? '', workflowName: st.workflowName,
      runCreatedAt: run.created_at, running: !isFinished(state) && !isFinished(run.state), archiveKey: a ? a.archiveKey : s.archiveKey,
    };
  }

  static sources(endpoints: EndpointManager): Promise<{ kubernetes?: () => ReturnType<typeof kubeconfigConnection>; client: Awaited<ReturnType<EndpointManager['getClient']>> }> {
    const e = endpoints.active();
    const useKube = vscode.workspace.getConfiguration('kfp').get<boolean>('logs.useKubeconfig', true) && vscode.workspace.isTrusted;
    return endpoints.getClient().then((client) => ({ client, kubernetes: useKube ? () => kubeconfigConnection(e?.kubeContext) : undefined }));
  }

  async select(run: Run, st: RunGraphState, nodeId: string): Promise<void> {
    this.controller?.abort();
    this.nodeId = nodeId;
    const ac = new AbortController();
    let batches: () => Promise<AsyncIterable<{ source: LogSource; lines: string[] }>>;
    let running: boolean;
    if (isVertexRun(run)) {
      // A Vertex AI step's log: its custom job's entries in Cloud Logging, followed while it runs.
      const t = vertexLogTarget(run, st, nodeId);
      if ('message' in t) { this.post({ type: 'logs', nodeId, lines: [], reset: true, done: true, error: t.message }); return; }
      running = t.running;
      batches = async () => {
        const client = await this.endpoints.getVertex();
        const lines = jobLog(client, t.job, { running: () => this.running, signal: ac.signal });
        return (async function* () { for await (const l of lines) yield { source: 'cloud-logging' as const, lines: l }; })();
      };
    } else {
      const t = LogSession.target(this.endpoints, run, st, nodeId);
      if ('message' in t) { this.post({ type: 'logs', nodeId, lines: [], reset: true, done: true, error: t.message }); return; }
      running = t.running;
      batches = async () => {
        const src = await LogSession.sources(this.endpoints);
        return (async function* (self: LogSession) {
          for await (const batch of podLog(src, t, ac.signal, 2000, async () => self.running)) {
            if (batch.skipped?.length) log().info(`Log of ${t.podName} from ${batch.source}; skipped: ${batch.skipped.join('; ')}`);
            yield batch;
          }
        })(this);
      };
    }
    this.controller = ac;
    this.running = running;
    let total = 0;
    let first = true;
    try {
      for await (const batch of await batches()) {
        if (ac.signal.aborted) return;
        total += batch.lines.length;
        // Only the tail crosses to the webview.
        this.post({ type: 'logs', nodeId, source: batch.source, lines: batch.lines.slice(-2000), reset: first, total, done: !this.running });
        first = false;
      }
      if (!ac.signal.aborted) this.post({ type: 'logs', nodeId, lines: [], reset: first, total, done: true });
    } catch (e) {
      if (!ac.signal.aborted) this.post({ type: 'logs', nodeId, lines: [], reset: first, done: true, error: errorText(e) });
    }
  }

  /** The run changed: stop following a step that finished. */
  runChanged(run: Run, st: RunGraphState): void {
    if (!this.nodeId) return;
    const s = st.nodes.get(this.nodeId);
    this.running = Boolean(s && !isFinished(s.state) && !isFinished(run.state));
  }

  dispose(): void { this.controller?.abort(); }
}
