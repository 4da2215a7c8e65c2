// Entry point: wires the services together. Activation does no network call;
// the server is contacted when the view is first shown or a command needs it.
import * as vscode from 'vscode';
import { config } from './config';
import { RunPoller } from './core/runPoller';
import { EndpointManager } from './endpoints/endpointManager';
import { EndpointStatusBar } from './endpoints/statusBar';
import { ExplorerProvider } from './tree/explorerProvider';
import type { ExplorerNode } from './tree/node';
import { ResourceDocuments, SCHEME } from './resources/resourceDocuments';
import { Services } from './commands/common';
import { registerAddEndpoint } from './commands/addEndpoint';
import { registerSelectEndpoint } from './commands/selectEndpoint';
import { registerRemoveEndpoint } from './commands/removeEndpoint';
import { registerSetCredential } from './commands/setCredential';
import { registerTestConnection } from './commands/testConnection';
import { registerExplorerCommands } from './commands/explorerCommands';
import { registerItemCommands } from './commands/itemCommands';
import { registerHelpCommands } from './commands/helpCommands';
import { registerPipelineCommands } from './commands/pipelineCommands';
import { registerScheduleCommands } from './commands/scheduleCommands';
import { registerRetrainCommands, RetrainFunctionsProvider } from './retrain/retrainCommands';
import { PipelineCompiler } from './pipelines/compiler';
import { SpecDiagnostics } from './pipelines/specDiagnostics';
import { SubmitFlow } from './pipelines/submitFlow';
import { VertexSubmit } from './pipelines/vertexSubmit';
import { registerVertexCommands } from './commands/vertexCommands';
import { ConvertCodeActions, registerConvertCommand } from './pipelines/convertV1';
import { PipelineCodeLensProvider, PipelineSymbolProvider, trackActiveEditor } from './pipelines/pipelineLenses';
import { WorkspacePipelinesProvider } from './pipelines/workspacePipelines';
import { registerRunCommands } from './commands/runCommands';
import { RunPanel, VIEW_TYPE } from './runView/runPanel';
import { LogFileSystem, LOG_SCHEME } from './runView/logDocuments';
import { KfpPublicApi, publicApiOf } from './publicApi';
import { log } from './logging';
import { ComponentsProvider } from './components/componentsView';
import { CloudBuildClient, GOOGLE_ENDPOINTS } from './core/cloudbuild/cloudBuild';
import { AdcTokenSource } from './core/auth/google';
import { NodeTransport } from './core/http/transport';
import { ComponentBuilds, TASK_TYPE } from './components/componentBuilds';
import { DockerfileLenses, registerComponentCommands } from './components/componentCommands';
import { registerSecretCommands, SecretCodeActions } from './cluster/secretCommands';

/** What the extension hands to other extensions and to its own integration tests. */
export interface KfpExtensionApi {
  explorer: ExplorerProvider;
  /** Open run views by run ID (tests read what the webview reported). */
  runPanels: Map<string, RunPanel>;
  /** Time spent in activate() itself. */
  activateMs: number;
  workspacePipelines: WorkspacePipelinesProvider;
  endpoints: EndpointManager;
  poller: RunPoller;
  treeView: vscode.TreeView<ExplorerNode>;
  /** What other extensions get outside test mode. */
  publicApi: KfpPublicApi;
  /** Step logs and artifacts as documents (benchmarks time when the editor has a whole log). */
  logDocuments: LogFileSystem;
  components: ComponentsProvider;
}

export function activate(context: vscode.ExtensionContext): KfpExtensionApi | KfpPublicApi {
  const started = performance.now();
  const endpoints = new EndpointManager(context.secrets);
  const poller = new RunPoller({ getRun: async (id, s) => (await endpoints.getClient()).getRun(id, s) }, config.pollIntervalMs());
  const explorer = new ExplorerProvider(endpoints, poller);
  const treeView = vscode.window.createTreeView<ExplorerNode>('kfp.explorer', { treeDataProvider: explorer, showCollapseAll: true });
  const documents = new ResourceDocuments(endpoints);
  const statusBar = new EndpointStatusBar(endpoints);

  const updateDescription = () => {
    const e = endpoints.active();
    const info = endpoints.serverInfo;
    treeView.description = e ? `${e.name}${info ? ` · ${info.apiVersion}${info.apiVersion === 'v1beta1' ? ' (KFP 1.x)' : ''}` : ''}` : undefined;
  };
  // Poll only while someone can see the runs.
  const updatePolling = () => poller.hold('explorer', treeView.visible);

  context.subscriptions.push(
    endpoints, explorer, treeView, documents, statusBar, { dispose: () => poller.dispose() },
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, documents),
    endpoints.onDidChangeConnection(updateDescription),
    treeView.onDidChangeVisibility(updatePolling),
  );
  updatePolling();

  const { problems } = config.endpoints();
  if (problems.length) {
    log().warn(`Ignored endpoints in kfp.endpoints: ${problems.map((p) => `${p.endpoint} ${p.message}`).join('; ')}`);
    void vscode.window.showWarningMessage(`Kubeflow Pipelines: ${problems.length} endpoint(s) in settings are invalid: ${problems[0].endpoint} ${problems[0].message}.`, 'Open Settings')
      .then((p) => { if (p) void vscode.commands.executeCommand('workbench.action.openSettings', 'kfp.endpoints'); });
  }

  const services: Services = { context, endpoints, explorer, treeView: treeView as vscode.TreeView<unknown>, documents };
  registerAddEndpoint(services);
  registerSelectEndpoint(services);
  registerRemoveEndpoint(services);
  registerSetCredential(services);
  registerTestConnection(services);
  registerExplorerCommands(services);
  registerItemCommands(services);
  registerHelpCommands(services);

  // Authoring and submitting pipelines.
  const compiler = new PipelineCompiler(context);
  const specDiagnostics = new SpecDiagnostics();
  const flow = new SubmitFlow(context.workspaceState, endpoints, compiler, specDiagnostics);
  const workspacePipelines = new WorkspacePipelinesProvider();
  const codeLenses = new PipelineCodeLensProvider();
  context.subscriptions.push(
    compiler, specDiagnostics, workspacePipelines, codeLenses, trackActiveEditor(),
    vscode.window.registerTreeDataProvider('kfp.workspacePipelines', workspacePipelines),
    vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, codeLenses),
    vscode.languages.registerDocumentSymbolProvider({ language: 'python', scheme: 'file' }, new PipelineSymbolProvider(), { label: 'Kubeflow Pipelines' }),
  );
  const vertexSubmit = new VertexSubmit(endpoints, flow);
  registerPipelineCommands(services, { compiler, flow, specDiagnostics, workspacePipelines, vertex: vertexSubmit });
  registerScheduleCommands(services, flow);
  registerVertexCommands(services, flow, vertexSubmit);
  // Retrain on new data: the Cloud Function, generated, tested locally, deployed; the deployed ones in their view.
  const retrainView = new RetrainFunctionsProvider();
  context.subscriptions.push(vscode.window.registerTreeDataProvider('kfp.retrainFunctions', retrainView));
  registerRetrainCommands(services, retrainView);

  // The run view: graph, live state, step details and logs.
  const runDeps = { context, endpoints, poller };
  const logFs = new LogFileSystem(endpoints);
  context.subscriptions.push(
    vscode.workspace.registerFileSystemProvider(LOG_SCHEME, logFs, { isReadonly: true, isCaseSensitive: true }),
    logFs.onLateError(({ error }) => void vscode.window.showErrorMessage(`The log stopped part-way: ${error} The editor shows what arrived.`)),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const runId = (state as { runId?: string } | undefined)?.runId;
        if (runId) await RunPanel.revive(runDeps, panel, runId);
        else panel.dispose();
      },
    }),
    { dispose: () => [...RunPanel.panels.values()].forEach((p) => p.dispose()) },
  );
  registerRunCommands(services, runDeps, compiler, logFs);

  // Component containers: build, try and push each step's image.
  const components = new ComponentsProvider(context.workspaceState);
  const builds = new ComponentBuilds(components, context.globalStorageUri, {
    // Cloud Build and Storage at Google (or the roots kfp.cloudBuild.apiRoot names); ADC tokens only ever go to Google's hosts.
    client: async () => {
      const root = vscode.workspace.getConfiguration('kfp').get<string>('cloudBuild.apiRoot', '').replace(/\/$/, '');
      const tokens = new AdcTokenSource();
      return new CloudBuildClient(new NodeTransport(), root ? { cloudBuild: root, storage: root } : GOOGLE_ENDPOINTS, async () => (await tokens.accessToken()).token, { timeoutMs: config.requestTimeoutMs() });
    },
  });
  context.subscriptions.push(
    components, builds,
    vscode.window.registerTreeDataProvider('kfp.components', components),
    vscode.tasks.registerTaskProvider(TASK_TYPE, builds),
    vscode.languages.registerCodeLensProvider([{ pattern: '**/Dockerfile', scheme: 'file' }, { pattern: '**/Containerfile', scheme: 'file' }], new DockerfileLenses()),
  );
  registerComponentCommands(services, components, builds);
  // KFP v1 code to v2: a code action on v1 files and a command (the helper needs no SDK).
  registerConvertCommand(services, components);
  context.subscriptions.push(vscode.languages.registerCodeActionsProvider({ language: 'python', scheme: 'file' }, new ConvertCodeActions(), { providedCodeActionKinds: ConvertCodeActions.kinds }));
  // The cluster secret the steps mount for Google credentials, offered where pipeline code mounts one.
  registerSecretCommands(services);
  context.subscriptions.push(vscode.languages.registerCodeActionsProvider({ language: 'python', scheme: 'file' }, new SecretCodeActions(), { providedCodeActionKinds: SecretCodeActions.kinds }));

  const activateMs = performance.now() - started;
  log().trace(`Activated in ${activateMs.toFixed(1)} ms`);
  // Other extensions get a narrow API with no secret access; the internals are exported only to tests and benchmarks.
  if (context.extensionMode !== vscode.ExtensionMode.Test) return publicApiOf(endpoints);
  return { explorer, endpoints, poller, treeView, workspacePipelines, runPanels: RunPanel.panels, activateMs, publicApi: publicApiOf(endpoints), logDocuments: logFs, components };
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}
