import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { KfpEmulator } from '../../emulator/server';
import type { RunNode } from '../../../src/tree/runNode';
import { addEndpoint, api, children, clearEndpoints, emulator, label, root, run, waitFor } from './helpers';

describe('explorer tree', () => {
  let emu: KfpEmulator;
  before(async () => {
    await clearEndpoints();
    emu = await emulator({ extraRuns: 120 });
    await vscode.workspace.getConfiguration('kfp').update('explorer.pageSize', 25, vscode.ConfigurationTarget.Global);
    await addEndpoint('emu', emu.url);
  });
  after(async () => {
    assert.deepEqual(emu.violations, [], 'all traffic matched the official API');
    await clearEndpoints();
    await emu.stop();
  });

  it('Pipelines → versions, with tooltips and context values', async () => {
    const pipelines = await children(await root('Pipelines'));
    assert.ok(pipelines.length >= 3);
    const withVersions = pipelines.find((p) => p.treeItem().contextValue?.includes('kfp.pipeline'))!;
    const item = withVersions.treeItem();
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.match((item.tooltip as vscode.MarkdownString).value, /Pipeline(&nbsp;| )ID/);
    let versionsTotal = 0;
    for (const p of pipelines) versionsTotal += (await children(p)).filter((v) => v.id.includes('/version:')).length;
    assert.ok(versionsTotal > pipelines.length, 'some pipelines have several versions');
  });

  it('Experiments → runs, archived experiments hidden', async () => {
    const exps = await children(await root('Experiments'));
    const names = exps.map(label);
    assert.ok(names.includes('churn-model') && !names.includes('old-baseline'), names.join(','));
    const runs = await children(exps.find((e) => label(e) === 'Default'));
    assert.ok(runs.length > 0);
    assert.ok(runs.every((r) => r.id.includes('/run:') || r.id.endsWith('/more')));
  });

  it('Runs: newest first, one page, a Load more row that loads the next page', async () => {
    const runsRoot = await root('Runs');
    const first = await children(runsRoot);
    assert.equal(first.length, 26, '25 runs and "Load more"');
    const more = first[25];
    assert.match(label(more), /Load more… \(25 of \d+\)/);
    const cmd = more.treeItem().command!;
    const r = await run(cmd.command, ...(cmd.arguments ?? []));
    assert.deepEqual({ ok: r.ok, loaded: r.loaded, shown: r.shown }, { ok: true, loaded: 25, shown: 50 });
    const second = await children(runsRoot);
    assert.equal(second.length, 51);
    const created = second.slice(0, 50).map((n) => Date.parse((n as RunNode).run.created_at ?? ''));
    assert.deepEqual(created, [...created].sort((a, b) => b - a));
    const pageRequests = emu.requests.filter((q) => q.url.startsWith('/apis/v2beta1/runs?'));
    assert.ok(pageRequests.every((q) => new URL(q.url, 'http://x').searchParams.get('page_size') === '25'), 'never enumerates everything');
  });

  it('shows run states with icons; a running run spins', async () => {
    const runs = await children(await root('Runs'));
    const states = new Set(runs.map((n) => (n as RunNode).run?.state).filter(Boolean));
    for (const s of ['RUNNING', 'SUCCEEDED', 'FAILED', 'PENDING']) assert.ok(states.has(s as never), `has ${s}`);
    const running = runs.find((n) => (n as RunNode).run?.state === 'RUNNING')!;
    assert.equal((running.treeItem().iconPath as vscode.ThemeIcon).id, 'sync~spin');
    assert.match(String(running.treeItem().description), /^Running/);
  });

  it('refreshes runs that are not finished through the shared poller', async () => {
    const a = await api();
    const runs = await children(await root('Runs'));
    const pending = runs.find((n) => (n as RunNode).run?.state === 'PENDING') as RunNode;
    assert.ok(a.poller.watchedCount > 0);
    const changed = new Promise<void>((resolve) => { const d = a.explorer.onDidChangeTreeData((n) => { if (n === pending) { d.dispose(); resolve(); } }); });
    // The pending seeded run starts running a minute after it was created.
    emu.clock.advance(120_000);
    await a.poller.pollNow();
    await changed;
    assert.equal(pending.run.state, 'RUNNING');
    assert.match(String(pending.treeItem().description), /^Running/);
  });

  it('Recurring runs with their schedule and state', async () => {
    const rr = await children(await root('Recurring runs'));
    const texts = rr.map((n) => `${label(n)} | ${n.treeItem().description}`);
    assert.ok(texts.some((t) => /nightly retrain \| enabled · cron 0 0 2 \* \* \*/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /disabled · every 1 h/.test(t)), texts.join('\n'));
  });

  it('filters every branch by name on the server', async () => {
    const r = await run('kfp.explorer.filter', 'churn');
    assert.equal(r.filter, 'churn');
    const exps = await children(await root('Experiments'));
    assert.deepEqual(exps.map(label), ['churn-model']);
    const filterReq = emu.requests.filter((q) => q.url.startsWith('/apis/v2beta1/experiments?') && q.url.includes('filter=')).pop();
    assert.ok(filterReq, 'the filter went to the server');
    await run('kfp.explorer.clearFilter');
    assert.ok((await children(await root('Experiments'))).length > 1);
  });

  it('shows a readable error row when a branch fails, and recovers on refresh', async () => {
    emu.addFault({ match: 'GET /apis/v2beta1/recurringruns$', status: 503, count: 1 });
    await run('kfp.explorer.refresh');
    const rows = await children(await root('Recurring runs'));
    assert.equal(rows.length, 1);
    assert.match(label(rows[0]), /Service unavailable \(503\)/);
    await run('kfp.explorer.refresh');
    assert.ok((await children(await root('Recurring runs'))).length >= 2);
  });

  it('stops polling while the view is hidden', async () => {
    const a = await api();
    await vscode.commands.executeCommand('kfp.explorer.focus');
    await waitFor(() => a.treeView.visible, 'the view to show');
    assert.equal(a.poller.isPaused, false);
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor(() => !a.treeView.visible, 'the view to hide');
    assert.equal(a.poller.isPaused, true);
  });
});
