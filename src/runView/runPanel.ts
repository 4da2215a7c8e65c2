// The run view panel: the run's graph with live state, step details and logs.
// State comes from the shared RunPoller (one poller for every view); updates go
// to the webview as small messages; the panel is restored after a reload.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { buildGraph, PipelineGraph } from '../core/graph/model';
import { runGraph, runState, StateSources, workflowOf } from '../core/graph/forRun';
import { graphFromWorkflow, RunGraphState } from '../core/graph/runState';
import { kubeconfigConnection, workflowOfRun } from '../core/logs/podLogs';
import type { ArgoWorkflow } from '../core/argo/workflow';
import type { JsonObject, Run } from '../core/kfp/types';
import { isFinished } from '../core/kfp/types';
import type { HostMessage, RenderReport, ViewMessage, ViewNodeState } from '../core/runView/protocol';
import { diffStates, runSummary, viewGraph, viewStates } from '../core/runView/viewModel';
import type { RunPoller } from '../core/runPoller';
import type { EndpointManager } from '../endpoints/endpointManager';
import { errorText, log } from '../logging';
import { LogSession } from './logSession';
import { RUN_VIEW_BODY } from '../core/runView/html';
import { runOutputs } from './stepOutputs';
import { isVertexRun } from '../core/vertex/runs';
import { vertexRunGraph, vertexStepOutputs } from './vertexRun';

export const VIEW_TYPE = 'kfp.runView';

export interface RunPanelDeps {
  context: vscode.ExtensionContext;
  endpoints: EndpointManager;
  poller: RunPoller;
}

/** A static graph: a pipeline file or version, no run. */
export interface StaticGraphSource { title: string; spec: JsonObject }

export class RunPanel implements vscode.Disposable {
  static readonly panels = new Map<string, RunPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private graph?: PipelineGraph;
  private graphState?: RunGraphState;
  private run?: Run;
  private sent: Record<string, ViewNodeState> = {};
  private ready = false;
  private pendingError?: string;
  private readonly logs: LogSession;
  /** The webview's last report of what it drew (tests read it). */
  lastReport?: RenderReport;
  private readonly reportListeners = new Set<(r: RenderReport) => void>();

  static async open(deps: RunPanelDeps, runId: string, column = vscode.ViewColumn.Active): Promise<RunPanel> {
    const existing = RunPanel.panels.get(runId);
    if (existing) { existing.panel.reveal(column); return existing; }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Run', column, RunPanel.options(deps.context));
    const p = new RunPanel(deps, panel, runId);
    await p.load();
    return p;
  }

  static async openStatic(deps: RunPanelDeps, source: StaticGraphSource): Promise<RunPanel> {
    const key = `static:${source.title}`;
    RunPanel.panels.get(key)?.dispose();
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, source.title, vscode.ViewColumn.Active, RunPanel.options(deps.context));
    const p = new RunPanel(deps, panel, key, source);
    await p.load();
    return p;
  }

  static async revive(deps: RunPanelDeps, panel: vscode.WebviewPanel, runId: string): Promise<void> {
    panel.webview.options = RunPanel.options(deps.context);
    const p = new RunPanel(deps, panel, runId);
    await p.load();
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(private readonly deps: RunPanelDeps, readonly panel: vscode.WebviewPanel, readonly key: string, private readonly staticSource?: StaticGraphSource) {
    RunPanel.panels.set(key, this);
    this.logs = new LogSession(deps.endpoints, (m) => this.post(m));
    panel.iconPath = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'kfp.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: ViewMessage) => void this.onMessage(m)),
      panel.onDidChangeViewState(() => this.deps.poller.hold(`panel:${key}`, panel.visible)),
    );
    if (!staticSource) {
      this.disposables.push(deps.poller.onDidChangeRun((r) => { if (r.run_id === key) this.update(r); }));
      deps.poller.hold(`panel:${key}`, panel.visible);
    }
  }

  get runId(): string | undefined { return this.staticSource ? undefined : this.key; }

  onDidReport(fn: (r: RenderReport) => void): vscode.Disposable {
    this.reportListeners.add(fn);
    return { dispose: () => this.reportListeners.delete(fn) };
  }

  private html(): string {
    const w = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = w.asWebviewUri(vscode.Uri.joinPath(this.deps.context.extensionUri, 'dist', 'webview', 'runView.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(this.deps.context.extensionUri, 'media', 'runView.css'));
    const codicons = w.asWebviewUri(vscode.Uri.joinPath(this.deps.context.extensionUri, 'dist', 'webview', 'codicon.css'));
    const csp = `default-src 'none'; img-src ${w.cspSource} data:; style-src ${w.cspSource}; script-src 'nonce-${nonce}'; font-src ${w.cspSource};`;
    return `<!DOCTYPE html>
<html lang="en"><head>
<meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${codicons}">
<link rel="stylesheet" href="${css}">
<title>Run</title>
</head><body>
${RUN_VIEW_BODY}
<script nonce="${nonce}" src="${script}"></script>
</body></html>`;
  }

  /** Selects a step, as a click in the graph would (scripts and tests). */
  select(nodeId: string): void { this.post({ type: 'select', nodeId }); }

  /** Resolves with the next report the webview sends that satisfies `pred`. */
  nextReport(pred: (r: RenderReport) => boolean, timeoutMs = 15_000): Promise<RenderReport> {
    if (this.lastReport && pred(this.lastReport)) return Promise.resolve(this.lastReport);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { sub.dispose(); reject(new Error(`no matching report within ${timeoutMs} ms; last: ${JSON.stringify(this.lastReport)}`)); }, timeoutMs);
      const sub = this.onDidReport((r) => { if (pred(r)) { clearTimeout(timer); sub.dispose(); resolve(r); } });
    });
  }

  /** Why the last load failed (undefined when it worked): commands report it instead of claiming success. */
  loadError?: string;

  /** Fetches the run (or reads the static spec) and builds the graph. */
  async load(): Promise<void> {
    this.loadError = undefined;
    try {
      if (this.staticSource) {
        this.graph = buildGraph(this.staticSource.spec);
        this.panel.title = `Graph: ${this.staticSource.title}`;
      } else {
        const run = await this.deps.endpoints.getRun(this.key);
        this.run = run;
        this.panel.title = `Run: ${run.display_name ?? run.run_id}`;
        // A Vertex AI job carries its spec and its task details; a KFP run's state is read from its best source.
        ({ graph: this.graph, state: this.graphState } = isVertexRun(run) ? vertexRunGraph(run) : await runGraph(await RunPanel.stateSources(this.deps.endpoints, this.memo), run));
        this.deps.poller.watch(run);
      }
      if (this.ready) this.sendInit();
    } catch (e) {
      log().error(`Run view ${this.key}: ${errorText(e)}`);
      this.loadError = errorText(e);
      if (!this.graph) this.panel.title = this.staticSource ? `Graph: ${this.staticSource.title} (not drawn)` : `Run ${this.key} (not loaded)`;
      if (this.ready) this.post({ type: 'error', message: errorText(e) });
      else this.pendingError = errorText(e);
      // A panel restored before its endpoint is usable (settings still loading, signed out) tries again when the connection changes.
      if (!this.graph && !this.retrySub) {
        this.retrySub = this.deps.endpoints.onDidChangeConnection(() => {
          if (this.deps.endpoints.connectionState !== 'idle') return;
          this.retrySub?.dispose();
          this.retrySub = undefined;
          void this.load();
        });
      }
    }
  }
  private retrySub?: vscode.Disposable;

  /** Sources of a run's state remembered between polls (a source that cannot answer is not asked again). */
  private readonly memo: NonNullable<StateSources['memo']> = {};

  /** Where a run's state is read from: the API server, then (trusted workspace, kubeconfig) the Kubernetes API. */
  static async stateSources(endpoints: EndpointManager, memo?: StateSources['memo']): Promise<StateSources> {
    const client = await endpoints.getClient();
    const src: StateSources = { client, memo };
    const useKube = vscode.workspace.getConfiguration('kfp').get<boolean>('logs.useKubeconfig', true) && vscode.workspace.isTrusted;
    if (useKube) {
      src.kubernetesWorkflow = async (runId, signal) => {
        const conn = await kubeconfigConnection(endpoints.active()?.kubeContext);
        if (!conn) return undefined;
        return (await workflowOfRun(conn, endpoints.active()?.namespace || 'kubeflow', runId, signal)) as ArgoWorkflow | undefined;
      };
    }
    return src;
  }

  private sendInit(): void {
    if (!this.graph) return;
    const { states, iterations } = viewStates(this.graphState);
    this.sent = states;
    const run = this.run ? runSummary(this.run, undefined, this.graphState) : { name: this.staticSource?.title ?? '', static: true };
    this.post({ type: 'init', run, graph: viewGraph(this.graph, this.run?.runtime_config?.parameters ?? {}), states, iterations });
  }

  /** A new version of the run from the poller: read its state and send only what changed (one read at a time; the newest run wins). */
  update(run: Run): Promise<void> {
    if (!this.graph) return Promise.resolve();
    this.run = run;
    this.pendingRun = run;
    if (!this.updating) this.updating = this.drainUpdates().finally(() => { this.updating = undefined; });
    return this.updating;
  }
  private pendingRun?: Run;
  private updating?: Promise<void>;

  private async drainUpdates(): Promise<void> {
    while (this.pendingRun && this.graph) {
      const run = this.pendingRun;
      this.pendingRun = undefined;
      try {
        const wf = workflowOf(run);
        if (isVertexRun(run)) this.graphState = vertexRunGraph(run, this.graph).state;
        else if (!wf && this.graphState?.v1OnV2) {
          // A v1 pipeline on a KFP 2 server: its graph is its workflow's nodes, which grow as it runs.
          const r = await runGraph(await RunPanel.stateSources(this.deps.endpoints, this.memo), run);
          const grew = r.graph.byId.size !== this.graph.byId.size;
          this.graph = r.graph;
          this.graphState = r.state;
          if (grew) { this.sent = {}; this.sendInit(); continue; }
        } else this.graphState = wf ? graphFromWorkflow(wf).state : await runState(await RunPanel.stateSources(this.deps.endpoints, this.memo), run, this.graph);
      } catch (e) {
        log().error(`Run view ${this.key}: ${errorText(e)}`);
        this.post({ type: 'error', message: errorText(e) });
        continue;
      }
      const { states, iterations } = viewStates(this.graphState);
      const changed = diffStates(this.sent, states);
      this.sent = states;
      this.post({ type: 'states', run: runSummary(run, undefined, this.graphState), states: changed, iterations });
      this.logs.runChanged(run, this.graphState);
    }
  }

  /** The step's outputs from ML Metadata, as the KFP UI shows them (values, artifact URIs, the cache's execution). */
  private async sendOutputs(run: Run, nodeId: string): Promise<void> {
    if (!this.graph || workflowOf(run) || !run.run_id) return;
    if (isVertexRun(run)) {
      const outputs = this.graphState && vertexStepOutputs(run, this.graphState, nodeId);
      this.post(outputs ? { type: 'outputs', nodeId, outputs } : { type: 'outputs', nodeId, error: 'Vertex AI reports no task for this step yet.' });
      return;
    }
    try {
      const client = await this.deps.endpoints.getClient();
      const steps = await runOutputs(client, run.run_id, this.graph, String(run.state));
      const st = steps.get(nodeId);
      if (!st) { this.post({ type: 'outputs', nodeId, error: 'ML Metadata has no execution for this step yet.' }); return; }
      this.post({ type: 'outputs', nodeId, outputs: {
        executionId: st.executionId, executionState: st.state, cachedExecutionId: st.cachedExecutionId,
        values: Object.entries(st.outputs ?? {}).map(([k, v]) => [k, JSON.stringify(v)]),
        artifacts: st.artifacts.map((a) => ({ name: a.name, uri: a.uri, type: a.type, direction: a.direction })),
      } });
    } catch (e) {
      this.post({ type: 'outputs', nodeId, error: `Step outputs are read from ML Metadata through the KFP UI server (/ml_metadata.MetadataStoreService); that failed: ${errorText(e)}` });
    }
  }

  private post(m: HostMessage): void {
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private async onMessage(m: ViewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.pendingError) { this.post({ type: 'error', message: this.pendingError }); this.pendingError = undefined; }
        this.sendInit();
        break;
      case 'select':
        if (this.run && this.graphState) void this.logs.select(this.run, this.graphState, m.nodeId);
        if (this.run) void this.sendOutputs(this.run, m.nodeId);
        break;
      case 'openArtifact':
        await vscode.commands.executeCommand('kfp.run.openArtifact', { runId: this.runId, uri: m.uri, name: m.name });
        break;
      case 'rendered':
        this.lastReport = m.report;
        for (const l of this.reportListeners) l(m.report);
        break;
      case 'openLog':
        if (this.runId) await vscode.commands.executeCommand('kfp.run.openLog', { runId: this.runId, nodeId: m.nodeId, attempt: m.attempt });
        break;
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        break;
      case 'action':
        if (m.action === 'refresh') { await this.load(); if (this.run) await this.update(this.run); break; }
        if (!this.runId) break;
        {
          const command = ({
            terminate: 'kfp.run.terminate', retry: 'kfp.run.retry', clone: 'kfp.run.clone', archive: 'kfp.item.archive',
            openWeb: 'kfp.item.openInBrowser', copyRunId: 'kfp.item.copyId',
          } as Record<string, string>)[m.action];
          if (command) await vscode.commands.executeCommand(command, { kind: 'run', id: this.runId, name: this.run?.display_name });
        }
        break;
    }
  }

  /** After an action that changes the run: fetch it now rather than at the next poll. */
  async refreshNow(): Promise<void> {
    if (!this.runId) return;
    const run = await this.deps.endpoints.getRun(this.runId);
    await this.update(run);
    if (!isFinished(run.state)) this.deps.poller.watch(run);
  }

  dispose(): void {
    RunPanel.panels.delete(this.key);
    this.deps.poller.hold(`panel:${this.key}`, false);
    this.logs.dispose();
    this.retrySub?.dispose();
    this.disposables.forEach((d) => d.dispose());
    this.panel.dispose();
  }
}
