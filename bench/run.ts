// `npm run bench`: prints figures; asserts nothing. Starts the KFP emulator with
// 10,000 runs and a real VS Code (code-server) whose extension host runs
// bench/suite. Results also go to bench/results/latest.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { KfpEmulator } from '../test/emulator/server';
import { benchScanner } from './scanner';
import { parsePipelineText } from '../src/core/pipeline/spec';
import { benchRunView } from './runView';
import { benchPack } from './pack';
import { benchVertex } from './vertex';
import { startRealEngines } from '../test/containers/realEngines';
import { CHROMIUM, CHROMIUM_ARGS, copyWorkspace, ROOT, startServer, workbenchUrl } from '../test/integration/harness';

async function main(): Promise<void> {
  console.log('Pipeline scanner (Node, one core), target: well under a keystroke (< 16 ms):');
  for (const [k, v] of benchScanner()) console.log(`  ${k.padEnd(70)} ${v}`);
  console.log('');
  console.log('Packing a component folder for Cloud Build (Node) against tar czf, target: at least as fast, memory bounded:');
  for (const [k, v] of await benchPack(200)) console.log(`  ${k.padEnd(70)} ${v}`);
  console.log('');
  console.log('Vertex AI (Node, the extension\'s own code; the log figure includes the emulator):');
  for (const [k, v] of await benchVertex()) console.log(`  ${k.padEnd(70)} ${v}`);
  console.log('');
  console.log('Run view in headless Chromium (webview bundle fed the extension\'s messages):');
  for (const [k, v] of await benchRunView()) console.log(`  ${k.padEnd(70)} ${v}`);
  console.log('');
  const emulator = new KfpEmulator({ extraRuns: 10_000, validate: false });
  const emulatorUrl = await emulator.start();
  // A second emulator with one finished run whose first step wrote about 100 MB of log.
  const logEmu = new KfpEmulator({ seed: 'none', validate: false, runDurationMs: 120_000, logLinesPerSecond: 25_000 });
  const logEmuUrl = await logEmu.start();
  const spec = parsePipelineText(fs.readFileSync(path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), 'utf8')).spec!;
  const created = await (await fetch(`${logEmuUrl}/apis/v2beta1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ display_name: 'big log', pipeline_spec: spec }) })).json() as { run_id: string };
  logEmu.clock.advance(130_000);
  const resultsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-bench-')), 'results.json');
  // Real container engines for "Build command to first log line" (as the integration tests start them).
  const engines = await startRealEngines();
  const engineKinds = [engines.dockerHost ? 'docker' : '', engines.buildah ? 'buildah' : ''].filter(Boolean).join(',');
  const server = await startServer({ settings: { 'security.workspace.trust.enabled': false }, env: {
    KFP_BENCH_EMULATOR: emulatorUrl, KFP_BENCH_RESULTS: resultsFile, KFP_BENCH_LOG_EMULATOR: logEmuUrl, KFP_BENCH_LOG_RUN: created.run_id,
    ...engines.env, KFP_BENCH_BUSYBOX: engines.busybox ?? '', KFP_BENCH_ENGINES: engineKinds, KFP_BENCH_ENGINES_WHY: engines.why.join('; '),
  } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const workspace = copyWorkspace();
  try {
    const page = await browser.newPage();
    const exit = new Promise<number>((resolve) => { void page.exposeFunction('codeAutomationExit', (c: number) => resolve(c)); });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const text = (Array.isArray(args) ? args : [args]).map(String).join(' ');
      // The workbench's own complaints about the closed network are not ours.
      if (type === 'error' && !/open-vsx|ServiceWorker|getaddrinfo|marketplace/i.test(text)) console.error(text);
    });
    await page.goto(workbenchUrl(server, workspace, path.join(ROOT, 'out/bench/suite/index.js')));
    const code = await exit;
    if (code !== 0 || !fs.existsSync(resultsFile)) throw new Error('the benchmark suite failed');
    const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Record<string, number | string>;
    const bundleKb = fs.statSync(path.join(ROOT, 'dist/extension.js')).size / 1024;
    console.log(`Benchmarks in VS Code ${r.vscodeVersion} (extension host), emulator with ${emulator.runs.length} runs, ${os.cpus().length} cores`);
    const rows: Array<[string, string, string]> = [
      ['bundle size (dist/extension.js)', `${bundleKb.toFixed(0)} KiB`, ''],
      ['activation (require + activate)', `${r.activationMs} ms (require ${r.requireMs}, activate() ${r.activateFnMs})`, 'target < 50 ms'],
      ['requests to the server before the view opens', `${r.requestsBeforeViewOpened}`, 'target 0'],
      ['first page of Runs (50 rows of 10,000), median of 7', `${r.firstPageOf10kRunsMedianMs} ms (max ${r.firstPageOf10kRunsMaxMs})`, 'target < 300 ms'],
      ['extension host heap after activation', `+${r.heapAfterActivationMb} MiB`, ''],
      ['heap after the first page', `+${r.heapAfterFirstPageMb} MiB`, ''],
      [`heap after paging through all (${r.rowsShown} rows shown, ${r.pageThroughAllMs} ms)`, `+${r.heapAfterPagingAllMb} MiB`, 'grows with what is shown'],
      ['heap after Refresh drops them', `+${r.heapAfterRefreshMb} MiB`, 'back to what is shown'],
      ['explorer state after Refresh', String(r.retained), ''],
      [`open a ${r.bigLogMb} MiB step log in an editor`, `${r.bigLogOpenMs} ms`, `to the first screen (its first ${r.bigLogFirstPartKb} KiB), of which ${r.bigLogFirstByteMs} ms before the server's first byte`],
      ['… the whole log in that editor (searchable)', `${r.bigLogWholeMs} ms`, 'the editor reloads when it has all arrived'],
      ['extension host heap with that document open / after closing it', `+${r.bigLogHeapMb} / +${r.bigLogHeapAfterCloseMb} MiB`, ''],
      ...Object.entries(r).filter(([k]) => k.startsWith('buildFirstLine_')).map(([k, v]): [string, string, string] => [`Build command to the engine's first output line (${k.slice(15)}, FROM scratch step)`, String(v), 'task start + engine start']),
    ];
    for (const [k, v, t] of rows) console.log(`  ${k.padEnd(70)} ${v.padEnd(24)} ${t}`);
    fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench/results/latest.json'), JSON.stringify({ ...r, bundleKb: +bundleKb.toFixed(0) }, null, 2));
  } finally {
    await browser.close();
    await server.stop();
    await emulator.stop();
    await logEmu.stop();
    await engines.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

void main().catch((e) => { console.error(e); process.exit(1); });
