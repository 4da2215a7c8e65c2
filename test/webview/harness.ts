// The run view's webview bundle in a plain Chromium page, fed the messages the
// extension sends, with acquireVsCodeApi stubbed to collect what it posts back.
// Used by the webview checks and the benchmarks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../..');

export { RUN_VIEW_BODY } from '../../src/core/runView/html';
import { RUN_VIEW_BODY } from '../../src/core/runView/html';

let bundle: string | undefined;
export async function runViewBundle(): Promise<string> {
  bundle ??= (await esbuild.build({ entryPoints: [path.join(ROOT, 'src/webview/runView/main.ts')], bundle: true, minify: true, format: 'iife', platform: 'browser', write: false })).outputFiles[0].text;
  return bundle;
}

export async function openRunViewPage(browser: Browser, viewport = { width: 1300, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const css = fs.readFileSync(path.join(ROOT, 'media/runView.css'), 'utf8');
  // The codicon font inline (the panel serves it from dist/webview), so screenshots show the icons.
  const codicons = path.join(ROOT, 'node_modules/@vscode/codicons/dist');
  const iconCss = fs.readFileSync(path.join(codicons, 'codicon.css'), 'utf8').replace(/url\("\.\/codicon\.ttf[^"]*"\)/, `url("data:font/ttf;base64,${fs.readFileSync(path.join(codicons, 'codicon.ttf')).toString('base64')}")`);
  // A few of VS Code's Dark Modern theme colours, which the webview gets from the workbench.
  const theme = `:root { --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b; --vscode-editorWidget-background: #202020;
    --vscode-editorWidget-border: #454545; --vscode-descriptionForeground: #9d9d9d; --vscode-focusBorder: #0078d4; --vscode-testing-iconPassed: #73c991;
    --vscode-testing-iconFailed: #f14c4c; --vscode-charts-blue: #3794ff; --vscode-charts-yellow: #cca700; --vscode-disabledForeground: #6e7681;
    --vscode-editorLineNumber-foreground: #6e7681; --vscode-textLink-foreground: #4daafc; --vscode-button-secondaryBackground: #313131;
    --vscode-button-secondaryForeground: #cccccc; --vscode-input-background: #313131; --vscode-input-foreground: #cccccc; --vscode-errorForeground: #f85149;
    --vscode-icon-foreground: #cccccc; --vscode-toolbar-hoverBackground: #5a5d5e50; --vscode-menu-background: #1f1f1f; --vscode-widget-shadow: #0000005c;
    --vscode-inputValidation-errorBackground: #5a1d1d; --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; }`;
  await page.setContent(`<html><head><style>${theme}</style><style>${iconCss}</style><style>${css}</style></head><body style="height:${viewport.height}px">${RUN_VIEW_BODY}</body></html>`);
  await page.evaluate(`window.posted = []; window.reports = [];
    window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.posted.push(m); if (m.type === 'rendered') window.reports.push(m.report); }, getState: () => undefined, setState: () => undefined });`);
  await page.addScriptTag({ content: await runViewBundle() });
  return page;
}

export async function post(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => (globalThis as unknown as { postMessage(x: unknown, o: string): void }).postMessage(m, '*'), message);
}
