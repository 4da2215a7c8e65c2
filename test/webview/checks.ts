// Checks of the run view's webview in Chromium, outside VS Code: expanding a
// loop that other steps depend on, keyboard navigation, the failed list, search,
// and escaping. Run by the integration launcher with the UI checks.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { buildGraph } from '../../src/core/graph/model';
import { stateFromWorkflow } from '../../src/core/graph/argoState';
import type { ArgoWorkflow } from '../../src/core/argo/workflow';
import { viewGraph, viewStates } from '../../src/core/runView/viewModel';
import { parsePipelineText } from '../../src/core/pipeline/spec';
import { workflowAt } from '../emulator/argo';
import { sharedDir } from '../emulator/openapi';
import { openRunViewPage, post } from './harness';

export async function webviewChecks(browser: Browser, check: (name: string, fn: () => Promise<void>) => Promise<void>): Promise<void> {
  const shared = sharedDir();
  if (!shared) { console.log('  - webview checks skipped: ../shared (the SDK-compiled samples) is absent'); return; }
  const spec = parsePipelineText(fs.readFileSync(path.join(shared, 'kfp-samples/compiled/valid__parallel_and_nested__pipeline_with_loops.yaml'), 'utf8')).spec!;
  const g = buildGraph(spec);
  // The step that fails is chosen so that it sits inside a loop iteration that another step feeds.
  const failing = 'root/for-loop-2[1]/print-text-3';
  const wf = workflowAt(spec, 1, { fail: true, oracle: { fails: (p) => p === failing, cached: () => false } }).workflow as ArgoWorkflow;
  const st = stateFromWorkflow(g, wf, wf.status!.nodes!);
  const loopCount = st.iterations.get('root/for-loop-2')?.length ?? 0;
  const leafCount = (name: string) => [...st.nodes.keys()].filter((id) => id.split('/').pop() === name || id.split('/').pop()?.startsWith(`${name}-`)).length;
  const page = await openRunViewPage(browser);
  try {
    await post(page, { type: 'init', run: { name: 'loops', state: 'FAILED', runId: 'r1' }, graph: viewGraph(g), ...viewStates(st) });
    await check('webview: loops start collapsed with counts; the failed step is listed', async () => {
      await page.locator('.node[data-id="root/for-loop-2"]').waitFor({ timeout: 5000 });
      const label = await page.locator('.node[data-id="root/for-loop-2"]').getAttribute('aria-label');
      if (!new RegExp(`loop ×${loopCount} · .*1✗`).test(label ?? '') || loopCount < 2) throw new Error(`label ${label}`);
      if ((await page.locator('#failed li').count()) !== 1) throw new Error('no failed step listed');
    });
    await check('webview: expanding a loop that another step feeds draws its iterations (edges into a group)', async () => {
      await page.locator('.node[data-id="root/for-loop-2"]').click();
      await page.locator('.node[data-id="root/for-loop-2[1]/print-text-3"]').waitFor({ timeout: 5000 });
      if (await page.locator('#summary .error').count()) throw new Error(await page.locator('#summary .error').first().textContent() ?? 'error');
      if ((await page.locator('.cluster').count()) < 3) throw new Error('no iteration clusters');
    });
    await check('webview: the failed list reveals and selects the step; arrow keys move between nodes', async () => {
      await page.locator('#failed button').first().click();
      await page.locator('#details h3', { hasText: 'print-text-3' }).waitFor({ timeout: 5000 });
      const posted = await page.evaluate('window.posted.filter((m) => m.type === "select").map((m) => m.nodeId)') as string[];
      if (!posted.includes('root/for-loop-2[1]/print-text-3')) throw new Error(`selected ${posted}`);
      await page.locator('.node[data-id="root/args-generator-op"]').focus();
      await page.keyboard.press('ArrowRight');
      const focused = await page.evaluate('document.activeElement && document.activeElement.getAttribute("data-id")');
      if (!focused || focused === 'root/args-generator-op') throw new Error('focus did not move');
    });
    await check('webview: search filters the table and highlights matches', async () => {
      await page.locator('#search').fill('print-struct');
      const rows = await page.locator('#tasks tbody tr').count();
      const expected = leafCount('print-struct');
      if (rows !== expected || !expected) throw new Error(`${rows} rows, expected ${expected}`);
    });
  } finally {
    await page.close();
  }
  // Thousands of distinct steps (no loop to collapse): drawn as bands in dependency order.
  const tasks: Record<string, unknown> = {};
  for (let i = 0; i < 1000; i++) tasks[`step-${i}`] = { componentRef: { name: 'comp-s' }, taskInfo: { name: `step-${i}` }, ...(i ? { dependentTasks: [`step-${i - 1}`] } : {}) };
  const chain = { pipelineInfo: { name: 'chain' }, root: { dag: { tasks } }, components: { 'comp-s': { executorLabel: 'e' } }, deploymentSpec: { executors: { e: { container: { image: 'x' } } } } };
  const cg = buildGraph(chain as never);
  const cwf = workflowAt(chain, 1, { fail: true, oracle: { fails: (p) => p === 'root/step-777' } }).workflow as ArgoWorkflow;
  const cst = stateFromWorkflow(cg, cwf, cwf.status!.nodes!);
  const page2 = await openRunViewPage(browser);
  try {
    await post(page2, { type: 'init', run: { name: 'chain', state: 'FAILED', runId: 'r2' }, graph: viewGraph(cg), ...viewStates(cst) });
    await check('webview: 1,000 distinct steps are drawn as a few bands in dependency order, with their counts', async () => {
      await page2.locator('.node[data-id="root#band0"]').waitFor({ timeout: 5000 });
      const nodes = await page2.locator('#graph .node').count();
      if (nodes !== 5) throw new Error(`${nodes} graph nodes for 1,000 steps`);
      const label = await page2.locator('.node[data-id="root#band3"]').getAttribute('aria-label');
      if (!/steps 601–800 of 1000: .*1✗/.test(label ?? '')) throw new Error(`band label ${label}`);
    });
    await check('webview: the failed list reveals a step inside a band (the band opens)', async () => {
      await page2.locator('#failed button').first().click();
      await page2.locator('.node[data-id="root/step-777"]').waitFor({ timeout: 5000 });
      await page2.locator('#details h3', { hasText: 'step-777' }).waitFor({ timeout: 5000 });
    });
  } finally {
    await page2.close();
  }
  // The look at common sizes: a one-row toolbar, labels that fit their nodes, the overflow menu; screenshots kept.
  for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
    const p3 = await openRunViewPage(browser, viewport);
    try {
      await post(p3, { type: 'init', run: { name: 'loops', state: 'FAILED', runId: 'r3' }, graph: viewGraph(g), ...viewStates(st) });
      await check(`webview at ${viewport.width}×${viewport.height}: one-row toolbar, labels inside their nodes, overflow menu`, async () => {
        await p3.locator('.node[data-id="root/for-loop-2"]').waitFor({ timeout: 5000 });
        const tb = await p3.locator('#toolbar').boundingBox();
        if (!tb || tb.height > 40) throw new Error(`toolbar height ${tb?.height}: it wraps`);
        const overflowing = await p3.evaluate(`[...document.querySelectorAll('#graph .node')].filter((n) => {
          const w = Number(n.querySelector('rect').getAttribute('width'));
          return [...n.querySelectorAll('text')].some((t) => t.getComputedTextLength() > w - 12);
        }).map((n) => n.getAttribute('data-id'))`) as string[];
        if (overflowing.length) throw new Error(`labels overflow their nodes: ${overflowing.join(', ')}`);
        const label = await p3.locator('.node[data-id="root/for-loop-2"] text.sub').textContent();
        if (!label || label.endsWith('…')) throw new Error(`the loop's counts are cut: ${label}`);
        await p3.locator('#more-actions').click();
        await p3.locator('#more-menu button', { hasText: 'Copy run ID' }).waitFor({ timeout: 2000 });
        const shot = path.join(os.tmpdir(), `kfp-run-view-${viewport.width}x${viewport.height}.png`);
        await p3.screenshot({ path: shot });
        console.log(`    (screenshot: ${shot})`);
        await p3.keyboard.press('Escape');
      });
    } finally {
      await p3.close();
    }
  }
}
