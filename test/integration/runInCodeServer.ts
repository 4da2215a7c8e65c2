// `npm run test:integration`: the mocha suite inside the real extension host of
// a VS Code server, then UI checks of the same workbench through Playwright.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import { chromium, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, copyWorkspace, ROOT, startServer, vscodeVersion, workbenchUrl } from './harness';
import { KfpEmulator } from '../emulator/server';
import { webviewChecks } from '../webview/checks';
import { RealEngines, startRealEngines } from '../containers/realEngines';

let engines: RealEngines | undefined;

interface Stats { passes: number; failures: number; pending: number }

async function runSuite(pass: 'main' | 'restricted'): Promise<Stats> {
  const resultsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-results-')), 'results.json');
  // The main pass trusts the workspace; the restricted pass leaves trust on, so the folder opens in Restricted Mode.
  const settings = pass === 'main' ? { 'security.workspace.trust.enabled': false } : { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' };
  // Real container engines (Docker engine, registry, buildah) for the component builds; the extension host inherits their environment.
  const engineEnv = engines ? { ...engines.env, KFP_TEST_REGISTRY: engines.registry ?? '', KFP_TEST_BUSYBOX: engines.busybox ?? '', KFP_TEST_ENGINES_WHY: engines.why.join('; ') } : {};
  const server = await startServer({ settings, env: { KFP_TEST_RESULTS: resultsFile, KFP_SUITE: pass, KFP_SHARED_DIR: process.env.KFP_SHARED_DIR ?? '', ...engineEnv } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const workspace = copyWorkspace();
  try {
    const page = await browser.newPage();
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const list = Array.isArray(args) ? args : [args];
      const text = util.format(...list);
      if (type === 'error' && /open-vsx|ERR_NAME_NOT_RESOLVED|marketplace/i.test(text)) return;
      if (/^\s*%c/.test(text)) return;
      process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    });
    const timeout = setTimeout(() => { console.error('integration suite timed out after 15 minutes'); process.exit(1); }, 15 * 60_000);
    await page.goto(workbenchUrl(server, workspace, path.join(ROOT, 'out/test/integration/suite/index.js')));
    const code = await exit;
    clearTimeout(timeout);
    const stats = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Stats : { passes: 0, failures: 1, pending: 0 };
    if (code !== 0 && stats.failures === 0) stats.failures = 1;
    return stats;
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** What a person sees: the welcome view without endpoints, the tree with one. */
async function uiChecks(): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  const shots = path.join(ROOT, 'out/screenshots');
  fs.mkdirSync(shots, { recursive: true });
  const check = async (name: string, fn: () => Promise<void>) => {
    try { await fn(); passed++; console.log(`  ✔ UI: ${name}`); } catch (e) { failed++; console.log(`  ✖ UI: ${name}: ${(e as Error).message}`); }
  };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  await webviewChecks(browser, check);
  const emulator = new KfpEmulator({});
  await emulator.start();
  /** Opens a workspace file by name with Quick Open, as a user does; returns the quick input. */
  const quickOpen = async (page: Page, name: string) => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(name);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10_000 });
    await input.press('Enter');
    return input;
  };
  const openView = async (page: Page) => {
    await page.waitForSelector('.activitybar', { timeout: 60_000 });
    const icon = page.locator('.activitybar [aria-label^="Kubeflow Pipelines"]').first();
    await icon.click({ timeout: 30_000 });
  };
  try {
    for (const scenario of ['lensFirst', 'welcome', 'tree', 'run'] as const) {
      const settings = scenario !== 'welcome'
        ? { 'kfp.endpoints': [{ name: 'emulator', url: emulator.url }], 'kfp.activeEndpoint': 'emulator', 'security.workspace.trust.enabled': false }
        : { 'security.workspace.trust.enabled': false };
      // The stand-in KFP SDK of the tests (not the real SDK, which cannot be installed here).
      const server = await startServer({ settings, env: { PYTHONPATH: path.join(ROOT, 'test/fixtures/python/kfp-v2-standin') } });
      const workspace = copyWorkspace();
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      try {
        await page.goto(workbenchUrl(server, workspace));
        if (scenario === 'lensFirst') {
          // The first thing the user does is open a pipeline file: nothing has woken the extension yet.
          await check('opening a pipeline file first (nothing else woke the extension) shows its code lenses and outline', async () => {
            await page.waitForSelector('.activitybar', { timeout: 60_000 });
            await quickOpen(page, 'training_pipeline.py');
            await page.locator('.codelens-decoration a', { hasText: /^\s*Run\s*$/ }).first().waitFor({ timeout: 30_000 });
            await page.locator('.codelens-decoration a', { hasText: /Compile/ }).first().waitFor({ timeout: 5_000 });
          });
          await check('Convert to KFP v2 on a v1 file shows the refactor preview; checked and applied, the file is rewritten', async () => {
            const file = path.join(workspace, 'pipelines/legacy_v1.py');
            const before = fs.readFileSync(file, 'utf8');
            await quickOpen(page, 'legacy_v1.py');
            const lens = page.locator('.codelens-decoration a', { hasText: /Convert to KFP v2/ }).first();
            await lens.waitFor({ timeout: 30_000 });
            await lens.click();
            // VS Code's refactor preview: the change is shown, unchecked until the user checks it.
            const panel = page.locator('.bulk-edit-panel');
            await panel.waitFor({ timeout: 30_000 });
            if (fs.readFileSync(file, 'utf8') !== before) throw new Error('the file changed before the preview was applied');
            await panel.locator('.edit-checkbox').first().click();
            await panel.locator('.monaco-button', { hasText: /^Apply$/ }).first().click();
            for (let i = 0; i < 100 && !fs.readFileSync(file, 'utf8').includes('@dsl.container_component'); i++) await page.waitForTimeout(100);
            const after = fs.readFileSync(file, 'utf8');
            if (!/@dsl\.container_component\ndef fetch_op\(date: str, rows: dsl\.OutputPath\(str\)\):/.test(after)) throw new Error(`not converted:\n${after}`);
            if (!after.startsWith(before.slice(0, before.indexOf('@dsl.pipeline')))) throw new Error('the text before the pipeline changed');
          });
          continue;
        }
        await openView(page);
        if (scenario === 'welcome') {
          await check('the welcome view offers to add an endpoint when none is configured', async () => {
            await page.getByText('No Kubeflow Pipelines endpoint is configured.').waitFor({ timeout: 30_000 });
            await page.getByRole('button', { name: 'Add Endpoint' }).waitFor({ timeout: 10_000 });
          });
          await check('adding an endpoint by hand (URL, name, sign-in) fills the tree', async () => {
            await page.getByRole('button', { name: 'Add Endpoint' }).click();
            const input = page.locator('.quick-input-widget input');
            await input.waitFor({ timeout: 10_000 });
            // First the kind: a Kubeflow Pipelines server (the first row) or Vertex AI Pipelines.
            await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Kubeflow Pipelines server' }).waitFor({ timeout: 10_000 });
            await input.press('Enter');
            await page.locator('.quick-input-widget', { hasText: 'URL of the KFP UI or API' }).waitFor({ timeout: 10_000 });
            await input.fill(emulator.url);
            await input.press('Enter');
            await page.locator('.quick-input-widget', { hasText: 'A short name for this endpoint' }).waitFor({ timeout: 10_000 });
            await input.fill('by-hand');
            await input.press('Enter');
            await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'No credentials' }).waitFor({ timeout: 10_000 });
            await input.press('Enter');
            await page.locator('.monaco-list-row .label-name', { hasText: /^Pipelines$/ }).first().waitFor({ timeout: 30_000 });
            await page.locator('.statusbar-item', { hasText: 'KFP: by-hand' }).first().waitFor({ timeout: 10_000 });
          });
        } else if (scenario === 'run') {
          await check('the Run code lens starts a run with no other step than the parameter prompts', async () => {
            const before = emulator.runs.length;
            const input = await quickOpen(page, 'training_pipeline.py');
            const lens = page.locator('.codelens-decoration a', { hasText: /^\s*Run\s*$/ }).first();
            await lens.waitFor({ timeout: 30_000 });
            await lens.click();
            for (const name of ['input_path', 'learning_rate', 'threshold']) {
              await page.locator('.quick-input-widget', { hasText: `parameter ${name}` }).waitFor({ timeout: 30_000 });
              await input.press('Enter');
            }
            for (let i = 0; i < 100 && emulator.runs.length === before; i++) await page.waitForTimeout(100);
            if (emulator.runs.length !== before + 1) throw new Error('no run was started');
            const run = emulator.runs[emulator.runs.length - 1];
            if (run.parameters?.learning_rate !== 0.1) throw new Error(`parameters sent: ${JSON.stringify(run.parameters)}`);
            // A started run opens in the run view.
            await page.locator('.tab', { hasText: /^Run: / }).first().waitFor({ timeout: 20_000 });
          });
        } else {
          await check('the tree shows the four branches of the emulator and its runs', async () => {
            for (const label of ['Pipelines', 'Experiments', 'Runs', 'Recurring runs']) {
              await page.locator('.monaco-list-row .label-name', { hasText: new RegExp(`^${label}$`) }).first().waitFor({ timeout: 30_000 });
            }
            await page.locator('.monaco-list-row', { hasText: 'Running' }).first().waitFor({ timeout: 30_000 });
          });
          await check('the status bar names the active endpoint', async () => {
            await page.locator('.statusbar-item', { hasText: 'KFP: emulator' }).first().waitFor({ timeout: 10_000 });
          });
          await check('the run view shows a task name containing HTML as text, under a nonce CSP', async () => {
            const evil = '<img src=x onerror="window.__pwned=1">';
            const spec = { pipelineInfo: { name: 'evil' }, schemaVersion: '2.1.0', root: { dag: { tasks: { evil: { componentRef: { name: 'comp-e' }, taskInfo: { name: evil } } } } }, components: { 'comp-e': { executorLabel: 'exec-e' } }, deploymentSpec: { executors: { 'exec-e': { container: { image: 'alpine' } } } } };
            const res = await fetch(`${emulator.url}/apis/v2beta1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ display_name: `run ${evil}`, pipeline_spec: spec }) });
            const runId = ((await res.json()) as { run_id: string }).run_id;
            emulator.clock.advance(3_000);
            await page.keyboard.press('F1');
            const input = page.locator('.quick-input-widget input');
            await input.fill('>Kubeflow Pipelines: Open Run');
            await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Kubeflow Pipelines: Open Run' }).first().waitFor({ timeout: 10_000 });
            await input.press('Enter');
            await page.locator('.quick-input-widget', { hasText: 'Run ID' }).waitFor({ timeout: 10_000 });
            await input.fill(runId);
            await input.press('Enter');
            let frame: import('playwright-core').Frame | undefined;
            for (let i = 0; i < 100 && !frame; i++) {
              for (const f of page.frames()) if (await f.locator('#graph').count().catch(() => 0)) frame = f;
              if (!frame) await page.waitForTimeout(200);
            }
            if (!frame) throw new Error('the run view did not open');
            await frame.locator('#tasks tbody tr[data-task-id="root/evil"]').waitFor({ timeout: 20_000 });
            const shown = await frame.locator('#tasks tbody tr[data-task-id="root/evil"] button').textContent();
            if (shown !== evil) throw new Error(`the name is shown as ${JSON.stringify(shown)}`);
            if (await frame.locator('img').count()) throw new Error('an <img> element was created from the name');
            if (await frame.evaluate("Boolean(window.__pwned)")) throw new Error('the name ran as code');
            const csp = await frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
            if (!csp || !/script-src 'nonce-[^']+'/.test(csp) || /unsafe-(eval|inline)/.test(csp)) throw new Error(`CSP: ${csp}`);
            await page.waitForTimeout(500);
            await page.screenshot({ path: path.join(shots, 'run-view.png') });
          });
          await check('the run view comes back after a reload of the window', async () => {
            // Reload as a user does (Developer: Reload Window), so the workbench shuts down and saves the panel's state.
            await page.keyboard.press('F1');
            const input = page.locator('.quick-input-widget input');
            await input.fill('>Developer: Reload Window');
            await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Developer: Reload Window' }).first().waitFor({ timeout: 10_000 });
            await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), input.press('Enter')]);
            await page.waitForSelector('.activitybar', { timeout: 60_000 });
            let restored = false;
            for (let i = 0; i < 300 && !restored; i++) {
              for (const f of page.frames()) if (await f.locator('#tasks tbody tr[data-task-id="root/evil"]').count().catch(() => 0)) restored = true;
              if (!restored) await page.waitForTimeout(200);
            }
            if (!restored) {
              await page.screenshot({ path: path.join(shots, 'restore-failed.png') });
              const tabs = await page.locator('.tab').allTextContents();
              throw new Error(`the run view was not restored (tabs: ${tabs.join(' | ')}; frames: ${page.frames().length})`);
            }
          });
        }
        await page.screenshot({ path: path.join(shots, `${scenario}.png`) });
      } finally {
        await page.close();
        await server.stop();
        fs.rmSync(workspace, { recursive: true, force: true });
      }
    }
  } finally {
    await browser.close();
    await emulator.stop();
  }
  return { passed, failed };
}

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`Chromium is needed at ${CHROMIUM} (apt-get install -y chromium).`);
    process.exit(1);
  }
  console.log(`Integration tests in ${vscodeVersion()}`);
  const started = Date.now();
  engines = await startRealEngines();
  if (engines.why.length) console.log(`Container engines: ${engines.why.join('; ')}`);
  let suite: Stats, restricted: Stats;
  try {
    suite = await runSuite('main');
    console.log('\nRestricted Mode pass (untrusted workspace):');
    restricted = await runSuite('restricted');
  } finally {
    await engines.stop();
  }
  const ui = process.env.KFP_SKIP_UI_CHECKS ? { passed: 0, failed: 0 } : await uiChecks();
  const passed = suite.passes + restricted.passes + ui.passed;
  const failed = suite.failures + restricted.failures + ui.failed;
  console.log(`integration: ${passed} passed, ${failed} failed, ${suite.pending + restricted.pending} skipped (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  process.exit(failed ? 1 : 0);
}

void main().catch((e) => { console.error(e); process.exit(1); });
