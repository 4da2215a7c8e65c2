// Run view figures in headless Chromium (the webview bundle in a plain page,
// fed the same messages the extension sends): first paint and JS heap for runs
// of 50, 500 and 5,000 steps, beside a flat dagre layout of the same graph (what
// the KFP web UI draws), and the time to apply a status update of every step.
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { buildGraph } from '../src/core/graph/model';
import { stateFromWorkflow } from '../src/core/graph/argoState';
import type { ArgoWorkflow } from '../src/core/argo/workflow';
import { viewGraph, viewStates } from '../src/core/runView/viewModel';
import type { JsonObject } from '../src/core/kfp/types';
import { workflowAt } from '../test/emulator/argo';
import { CHROMIUM, CHROMIUM_ARGS, ROOT } from '../test/integration/harness';
import { openRunViewPage } from '../test/webview/harness';

// These run inside the page (page.evaluate), where the browser provides them.
declare const window: { postMessage(m: unknown, origin: string): void };
declare const document: { querySelectorAll(selector: string): { length: number } };
declare function requestAnimationFrame(cb: () => void): number;

function fanOut(): JsonObject {
  return {
    pipelineInfo: { name: 'fan-out' }, root: { dag: { tasks: {
      prepare: { componentRef: { name: 'comp-step' }, taskInfo: { name: 'prepare' } },
      'for-loop-1': { componentRef: { name: 'comp-for-loop-1' }, taskInfo: { name: 'for-loop-1' }, dependentTasks: ['prepare'], parameterIterator: { itemInput: 'x', items: { inputParameter: 'items' } } },
    } } },
    components: { 'comp-step': { executorLabel: 'exec-step' }, 'comp-for-loop-1': { dag: { tasks: { train: { componentRef: { name: 'comp-step' }, taskInfo: { name: 'train' } }, evaluate: { componentRef: { name: 'comp-step' }, taskInfo: { name: 'evaluate' }, dependentTasks: ['train'] } } } } },
    deploymentSpec: { executors: { 'exec-step': { container: { image: 'python:3.11' } } } },
  } as unknown as JsonObject;
}

export async function benchRunView(): Promise<Array<[string, string]>> {
  const rows: Array<[string, string]> = [];
  const flat = await esbuild.build({ entryPoints: [path.join(ROOT, 'bench/browser/flatDagre.ts')], bundle: true, minify: true, format: 'iife', platform: 'browser', write: false });
  const elk = await esbuild.build({ entryPoints: [path.join(ROOT, 'bench/browser/flatElk.ts')], bundle: true, minify: true, format: 'iife', platform: 'browser', write: false });
  rows.push(['layout library size, minified: dagre / elkjs', `${(flat.outputFiles[0].text.length / 1024).toFixed(0)} KiB / ${(elk.outputFiles[0].text.length / 1024).toFixed(0)} KiB`]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    for (const iters of [25, 250, 2_500]) {
      const spec = fanOut();
      const graph = buildGraph(spec);
      const at = (p: number) => { const wf = workflowAt(spec, p, { loopIterations: iters }).workflow as ArgoWorkflow; return stateFromWorkflow(graph, wf, wf.status!.nodes!); };
      const half = at(0.5);
      const full = at(1);
      const tasks = 1 + 2 * iters;
      const init = { type: 'init', run: { name: 'bench', runId: 'bench-run', state: 'RUNNING' }, graph: viewGraph(graph), ...viewStates(full) };
      const update = { type: 'states', run: { name: 'bench', state: 'SUCCEEDED' }, ...viewStates(half) };

      // This extension's run view.
      const page = await openRunViewPage(browser);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const paint = await page.evaluate((msg) => new Promise<number>((resolve) => {
        const t0 = performance.now();
        window.postMessage(msg, '*');
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }), init);
      await cdp.send('HeapProfiler.collectGarbage');
      const metrics = (await cdp.send('Performance.getMetrics')).metrics;
      const heap = (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1048576;
      const domNodes = metrics.find((m) => m.name === 'Nodes')?.value ?? 0;
      const upd = await page.evaluate((msg) => new Promise<number>((resolve) => {
        const w = window as unknown as { reports: Array<{ ms: number }> };
        const n = w.reports.length;
        window.postMessage(msg, '*');
        const wait = () => (w.reports.length > n ? resolve(w.reports[w.reports.length - 1].ms) : setTimeout(wait, 5));
        wait();
      }), update);
      const drawn = await page.evaluate(() => document.querySelectorAll('#graph .node').length);
      await page.close();

      // The same graph drawn flat, every step a node (the KFP web UI's way).
      const leaves: string[] = [];
      const edges: Array<[string, string]> = [];
      leaves.push('prepare');
      for (let i = 0; i < iters; i++) { leaves.push(`train-${i}`, `evaluate-${i}`); edges.push(['prepare', `train-${i}`], [`train-${i}`, `evaluate-${i}`]); }
      const fpage = await browser.newPage();
      const fcdp = await fpage.context().newCDPSession(fpage);
      await fcdp.send('Performance.enable');
      await fpage.setContent('<html><body></body></html>');
      await fpage.addScriptTag({ content: flat.outputFiles[0].text });
      const flatMs = await fpage.evaluate(({ n, e }) => new Promise<number>((resolve) => {
        const t0 = performance.now();
        (window as unknown as { flatRender: (a: string[], b: Array<[string, string]>) => number }).flatRender(n, e);
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }), { n: leaves, e: edges });
      await fcdp.send('HeapProfiler.collectGarbage');
      const fmetrics = (await fcdp.send('Performance.getMetrics')).metrics;
      const flatHeap = (fmetrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1048576;
      const flatDom = fmetrics.find((m) => m.name === 'Nodes')?.value ?? 0;
      // elkjs (layered) on the same flat graph.
      const epage = await browser.newPage();
      await epage.setContent('<html><body></body></html>');
      await epage.addScriptTag({ content: elk.outputFiles[0].text });
      const elkMs = await epage.evaluate(({ n, e }) => (window as unknown as { elkRender: (a: string[], b: Array<[string, string]>) => Promise<number> }).elkRender(n, e), { n: leaves, e: edges });
      await epage.close();
      await fpage.close();

      rows.push([`${tasks} steps: this view, first paint / JS heap / DOM nodes (${drawn} graph nodes)`, `${paint.toFixed(0)} ms / ${heap.toFixed(1)} MiB / ${domNodes}`]);
      rows.push([`${tasks} steps: flat dagre of every step (KFP UI way), same figures`, `${flatMs.toFixed(0)} ms / ${flatHeap.toFixed(1)} MiB / ${flatDom}`]);
      rows.push([`${tasks} steps: flat elkjs (layered) of every step`, `${elkMs.toFixed(0)} ms`]);
      rows.push([`${tasks} steps: status update of every step`, `${upd.toFixed(1)} ms`]);
    }
    // Thousands of distinct steps, no loop to collapse (KFP v1 pipelines, v2 pipelines built in Python loops):
    // wide (independent steps) and long (a chain), all finished.
    for (const shape of ['wide', 'long'] as const) {
      for (const n of [2_000, 5_000]) {
        const spec = distinct(n, shape);
        const graph = buildGraph(spec);
        const wf = workflowAt(spec, 1).workflow as ArgoWorkflow;
        const st = stateFromWorkflow(graph, wf, wf.status!.nodes!);
        // Median of three fresh pages (one core is shared with everything else on this machine).
        const paints: number[] = [];
        const opens: number[] = [];
        let drawn = 0;
        for (let rep = 0; rep < 3; rep++) {
          const page = await openRunViewPage(browser);
          const paint: number = await page.evaluate((msg) => new Promise<number>((resolve) => {
            const t0 = performance.now();
            window.postMessage(msg, '*');
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
          }), { type: 'init', run: { name: 'bench', runId: 'bench-run', state: 'SUCCEEDED' }, graph: viewGraph(graph), ...viewStates(st) });
          drawn = await page.evaluate(() => document.querySelectorAll('#graph .node').length);
          // Interactive: opening one band (200 steps) and the time it takes.
          const open = await page.evaluate(`new Promise((resolve) => {
            const band = document.querySelector('#graph .node[data-id*="#band"]');
            const k = window.reports.length;
            band.dispatchEvent(new MouseEvent('click', { bubbles: true }));
            const wait = () => (window.reports.length > k ? resolve(window.reports[window.reports.length - 1].ms) : setTimeout(wait, 5));
            wait();
          })`) as number;
          await page.close();
          paints.push(paint);
          opens.push(open);
        }
        const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
        const paint = med(paints);
        const open = med(opens);
        rows.push([`${n} distinct steps, ${shape}: first paint (${drawn} graph nodes) / opening a band of 200`, `${paint.toFixed(0)} ms / ${open.toFixed(0)} ms`]);
      }
    }
  } finally {
    await browser.close();
  }
  return rows;
}

function distinct(n: number, shape: 'wide' | 'long'): JsonObject {
  const tasks: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) tasks[`step-${i}`] = { componentRef: { name: 'comp-step' }, taskInfo: { name: `step-${i}` }, ...(shape === 'long' && i ? { dependentTasks: [`step-${i - 1}`] } : {}) };
  return { pipelineInfo: { name: `distinct-${shape}` }, root: { dag: { tasks } }, components: { 'comp-step': { executorLabel: 'exec-step' } }, deploymentSpec: { executors: { 'exec-step': { container: { image: 'python:3.11' } } } } } as unknown as JsonObject;
}

if (require.main === module) {
  void benchRunView().then((rows) => { for (const [k, v] of rows) console.log(`  ${k.padEnd(64)} ${v}`); });
}
