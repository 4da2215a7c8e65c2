import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { KfpEmulator } from '../../emulator/server';
import type { RunNode } from '../../../src/tree/runNode';
import { addEndpoint, children, clearEndpoints, emulator, label, root, run } from './helpers';

describe('item commands', () => {
  let emu: KfpEmulator;
  before(async () => {
    await clearEndpoints();
    emu = await emulator();
    await addEndpoint('emu', emu.url);
  });
  after(async () => {
    assert.deepEqual(emu.violations, []);
    await clearEndpoints();
    await emu.stop();
  });

  it('copies an ID', async () => {
    const runNode = (await children(await root('Runs')))[0] as RunNode;
    const r = await run('kfp.item.copyId', runNode);
    assert.equal(r.id, runNode.run.run_id);
    assert.equal(await vscode.env.clipboard.readText(), runNode.run.run_id);
  });

  it('shows a run as a read-only JSON document', async () => {
    const runNode = (await children(await root('Runs')))[0] as RunNode;
    const r = await run('kfp.item.showDetails', runNode);
    assert.equal(r.ok, true);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === r.uri);
    assert.ok(doc);
    assert.equal(doc.languageId, 'json');
    assert.equal(JSON.parse(doc.getText()).run_id, runNode.run.run_id);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('builds the KFP web UI link for each kind', async () => {
    const runNode = (await children(await root('Runs')))[0] as RunNode;
    const r = await run('kfp.item.openInBrowser', runNode, { open: false });
    assert.equal(r.url, `${emu.url}/#/runs/details/${runNode.run.run_id}`);
    const v = await run('kfp.item.openInBrowser', { kind: 'pipelineVersion', id: 'v1', pipelineId: 'p1' }, { open: false });
    assert.match(String(v.url), /#\/pipelines\/details\/p1\/version\/v1$/);
  });

  it('enables and disables a recurring run', async () => {
    const rr = (await children(await root('Recurring runs'))).find((n) => /disabled/.test(String(n.treeItem().description)))!;
    assert.match(rr.treeItem().contextValue!, /\bdisabled\b/);
    const on = await run('kfp.recurringRun.enable', rr);
    assert.equal(on.status, 'ENABLED');
    const off = await run('kfp.recurringRun.disable', rr);
    assert.equal(off.status, 'DISABLED');
  });

  it('archives a run after confirmation from a script, and it leaves the Runs branch', async () => {
    const victim = (await children(await root('Runs'))).find((n) => (n as RunNode).run?.state === 'SUCCEEDED') as RunNode;
    const r = await run('kfp.item.archive', victim, { skipConfirmation: true });
    assert.equal(r.ok, true);
    const after = await children(await root('Runs'));
    assert.ok(!after.some((n) => (n as RunNode).run?.run_id === victim.run.run_id));
  });

  it('deletes a pipeline with its versions, and a run', async () => {
    const pipelines = await children(await root('Pipelines'));
    const target = pipelines[0];
    const name = label(target);
    const r = await run('kfp.item.delete', target, { skipConfirmation: true });
    assert.equal(r.ok, true);
    assert.ok(!(await children(await root('Pipelines'))).some((p) => label(p) === name));
    const runNode = (await children(await root('Runs')))[0] as RunNode;
    await run('kfp.item.delete', runNode, { skipConfirmation: true });
    assert.ok(!emu.runs.some((x) => x.id === runNode.run.run_id));
  });

  it('reports a server error from a command as a result, not a crash', async () => {
    emu.addFault({ match: 'DELETE', status: 403, count: 1 });
    const runNode = (await children(await root('Runs')))[0] as RunNode;
    const r = await run('kfp.item.delete', runNode, { skipConfirmation: true });
    assert.equal(r.ok, false);
    assert.match(r.error!, /Forbidden \(403\)/);
    assert.ok(emu.runs.some((x) => x.id === runNode.run.run_id), 'nothing was deleted');
  });
});
