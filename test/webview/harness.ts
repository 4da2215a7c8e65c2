// The run view's webview bundle in a plain Chromium page, fed the messages the
// extension sends, with acquireVsCodeApi stubbed to collect what it posts back.
// Used by the webview checks and the benchmarks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../..');

export const RUN_VIEW_BODY = `<div id="layout"><div id="left"><div id="toolbar"><input id="search" type="search"><button id="zoom-in">+</button><button id="zoom-out">-</button><button id="zoom-fit">Fit</button>
<button data-action="refresh">Refresh</button></div>
<svg id="graph" style="width:900px;height:700px"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs></svg></div>
<div id="right"><div id="summary"></div><div id="failed"></div><div id="details"></div><span id="table-count"></span>
<table id="tasks"><tbody></tbody></table><div id="table-more"></div></div></div>`;

let bundle: string | undefined;
export async function runViewBundle(): Promise<string> {
  bundle ??= (await esbuild.build({ entryPoints: [path.join(ROOT, 'src/webview/runView/main.ts')], bundle: true, minify: true, format: 'iife', platform: 'browser', write: false })).outputFiles[0].text;
  return bundle;
}

export async function openRunViewPage(browser: Browser, viewport = { width: 1300, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const css = fs.readFileSync(path.join(ROOT, 'media/runView.css'), 'utf8');
  await page.setContent(`<html><head><style>${css}</style></head><body>${RUN_VIEW_BODY}</body></html>`);
  await page.evaluate(`window.posted = []; window.reports = [];
    window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.posted.push(m); if (m.type === 'rendered') window.reports.push(m.report); }, getState: () => undefined, setState: () => undefined });`);
  await page.addScriptTag({ content: await runViewBundle() });
  return page;
}

export async function post(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => (globalThis as unknown as { postMessage(x: unknown, o: string): void }).postMessage(m, '*'), message);
}
