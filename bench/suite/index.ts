// Runs inside the VS Code extension host (launched by bench/run.ts): measures
// activation, the first page of "Runs" with 10,000 runs on the emulator, and
// the extension host heap while paging through all of them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeScratchComponent } from '../../test/containers/realEngines';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import type { KfpExtensionApi } from '../../src/extension';
import type { ExplorerNode, PagedNode } from '../../src/tree/node';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapMb = () => { gc(); gc(); return process.memoryUsage().heapUsed / 1048576; };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<void> {
  const emulatorUrl = process.env.KFP_BENCH_EMULATOR!;
  const out = process.env.KFP_BENCH_RESULTS!;
  const results: Record<string, number | string> = {};
  const requests = async () => ((await (await fetch(`${emulatorUrl}/_emulator/requests`)).json()) as { requests: unknown[] }).requests.length;

  const ext = vscode.extensions.getExtension<KfpExtensionApi>('kfp-vscode.kubeflow-pipelines-vscode')!;
  const heapBefore = heapMb();
  const t0 = performance.now();
  // Split: loading the bundle, then VS Code calling activate() (the module is cached by then).
  require(`${ext.extensionPath}/dist/extension.js`);
  results.requireMs = +(performance.now() - t0).toFixed(1);
  const api = await ext.activate();
  results.activationMs = +(performance.now() - t0).toFixed(1);
  results.activateFnMs = +api.activateMs.toFixed(1);
  results.requestsBeforeViewOpened = await requests();
  results.heapAfterActivationMb = +(heapMb() - heapBefore).toFixed(1);

  const cfg = vscode.workspace.getConfiguration('kfp');
  await cfg.update('endpoints', [{ name: 'bench', url: emulatorUrl }], vscode.ConfigurationTarget.Global);
  await cfg.update('activeEndpoint', 'bench', vscode.ConfigurationTarget.Global);
  await cfg.update('explorer.pageSize', 50, vscode.ConfigurationTarget.Global);

  const runsRoot = async () => (await api.explorer.getChildren()).find((n) => n.id === 'runs')!;
  const firstPage: number[] = [];
  for (let i = 0; i < 7; i++) {
    await vscode.commands.executeCommand('kfp.explorer.refresh');
    await api.explorer.getChildren(); // connect (not timed: the view does this when it opens)
    const root = await runsRoot();
    const t = performance.now();
    const rows = await api.explorer.getChildren(root);
    rows.forEach((r) => api.explorer.getTreeItem(r));
    firstPage.push(performance.now() - t);
  }
  results.firstPageOf10kRunsMedianMs = +median(firstPage).toFixed(1);
  results.firstPageOf10kRunsMaxMs = +Math.max(...firstPage).toFixed(1);

  // As a user would: the view is open while they page (a hidden tree view makes
  // VS Code hold pending refreshes until it is shown again).
  await vscode.commands.executeCommand('kfp.explorer.focus');
  await vscode.commands.executeCommand('kfp.explorer.refresh');
  await new Promise((r) => setTimeout(r, 500));
  const heap0 = heapMb();
  // In a function of its own, so that nothing here keeps the rows alive afterwards.
  await (async () => {
    const root = await runsRoot();
    let rows: ExplorerNode[] = await api.explorer.getChildren(root);
    results.heapAfterFirstPageMb = +(heapMb() - heap0).toFixed(2);
    const node = api.explorer.pagedNode('runs') as PagedNode;
    const t = performance.now();
    while (node.list?.hasMore) await vscode.commands.executeCommand('kfp.explorer.loadMore', { nodeId: 'runs' });
    rows = await api.explorer.getChildren(root);
    results.pageThroughAllMs = +(performance.now() - t).toFixed(0);
    results.rowsShown = rows.length;
    results.heapAfterPagingAllMb = +(heapMb() - heap0).toFixed(2);
  })();
  await vscode.commands.executeCommand('kfp.explorer.refresh');
  await new Promise((r) => setTimeout(r, 1000));
  results.heapAfterRefreshMb = +(heapMb() - heap0).toFixed(2);
  const ex = api.explorer as unknown as { paged: Map<string, unknown>; runNodes: Map<string, unknown> };
  results.retained = `paged=${ex.paged.size} runNodes=${ex.runNodes.size} watched=${api.poller.watchedCount}`;
  // A step with a very large log, opened as a document.
  if (process.env.KFP_BENCH_LOG_RUN) {
    await cfg.update('endpoints', [{ name: 'bench', url: emulatorUrl }, { name: 'biglog', url: process.env.KFP_BENCH_LOG_EMULATOR! }], vscode.ConfigurationTarget.Global);
    await cfg.update('activeEndpoint', 'biglog', vscode.ConfigurationTarget.Global);
    const before = heapMb();
    let wholeAt = 0;
    let wholeBytes = 0;
    let firstByteMs: number | undefined;
    const whole = new Promise<void>((resolve) => api.logDocuments.onDidServe((e) => { firstByteMs ??= e.firstByteMs; if (e.whole) { wholeAt = performance.now(); wholeBytes = e.bytes; resolve(); } }));
    const t = performance.now();
    const r = await vscode.commands.executeCommand<{ ok: boolean; uri?: string; bytes?: number; error?: string; complete?: boolean }>('kfp.run.openLog', { runId: process.env.KFP_BENCH_LOG_RUN, nodeId: 'root/say-hello' });
    results.bigLogOpenMs = +(performance.now() - t).toFixed(0);
    results.bigLogFirstPartKb = +((r.bytes ?? 0) / 1024).toFixed(0);
    results.bigLogFirstByteMs = firstByteMs ?? 'unknown';
    // The editor reloads with the whole log when it has arrived (whole: true); wait for that read.
    await Promise.race([whole, new Promise((res) => setTimeout(res, 120_000))]);
    results.bigLogWholeMs = wholeAt ? +(wholeAt - t).toFixed(0) : 'not within 120 s';
    results.bigLogWholeMb = +(wholeBytes / 1048576).toFixed(1);
    await new Promise((res) => setTimeout(res, 2000));
    const editorUri = vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((tab) => (tab.input as { uri?: vscode.Uri } | undefined)?.uri?.toString()).find((u) => u === r.uri);
    results.bigLogMb = r.ok && editorUri ? results.bigLogWholeMb : `not opened: ${r.error ?? 'no editor tab'}`;
    results.bigLogHeapMb = +(heapMb() - before).toFixed(1);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await new Promise((res) => setTimeout(res, 1000));
    results.bigLogHeapAfterCloseMb = +(heapMb() - before).toFixed(1);
  }
  // From the Build command to the engine's first output line in the task terminal: a FROM scratch step (busybox)
  // with each real engine bench/run.ts started (the Docker engine, buildah).
  const busybox = process.env.KFP_BENCH_BUSYBOX;
  if (busybox) {
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    writeScratchComponent(path.join(ws, 'components', 'bench-step'), busybox);
    await vscode.commands.executeCommand('kfp.components.refresh');
    for (const engine of (process.env.KFP_BENCH_ENGINES ?? '').split(',').filter(Boolean)) {
      await cfg.update('components.engine', engine, vscode.ConfigurationTarget.Global);
      const times: number[] = [];
      let error = '';
      for (let i = 0; i < 5; i++) {
        const r = await vscode.commands.executeCommand<{ ok: boolean; firstOutputMs?: number; durationMs?: number; error?: string }>('kfp.component.build', { dir: 'components/bench-step', image: `kfp-bench/step:${i}` });
        if (!r.ok || r.firstOutputMs === undefined) { error = r.error ?? 'no output'; break; }
        times.push(r.firstOutputMs);
      }
      results[`buildFirstLine_${engine}`] = times.length ? `${times[0]} ms first, median ${median(times)} ms of ${times.length}` : `failed: ${error}`;
    }
    await cfg.update('components.engine', undefined, vscode.ConfigurationTarget.Global);
  } else results.buildFirstLine_none = `not measured: ${process.env.KFP_BENCH_ENGINES_WHY ?? 'no engines'}`;
  results.vscodeVersion = vscode.version;
  fs.writeFileSync(out, JSON.stringify(results, null, 2));
}
