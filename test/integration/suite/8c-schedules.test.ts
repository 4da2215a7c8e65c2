// Recurring runs from the editor, against the emulator's ScheduledWorkflow
// controller: create (schedule checked as KFP reads it, next fire times), the
// runs it starts as the emulator clock advances (in the tree too), disable and
// enable (catch-up), edit (delete and recreate), "always the latest version" and
// the server that cannot do it, delete.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KfpClient } from '../../../src/core/kfp/client';
import type { ExplorerNode } from '../../../src/tree/node';
import { KfpEmulator } from '../../emulator/server';
import { addEndpoint, api, clearEndpoints, emulator, label, root, run, waitFor } from './helpers';

const MIN = 60_000;

describe('recurring runs: schedule a pipeline and watch the runs it starts', function () {
  this.timeout(60_000);
  let emu: KfpEmulator;
  let client: KfpClient;
  let pipelineId = '';
  let versionId = '';
  before(async () => {
    await clearEndpoints();
    emu = await emulator({ seed: 'none', runDurationMs: 8000 });
    await addEndpoint('sched', emu.url);
    client = new KfpClient({ baseUrl: emu.url });
    await client.connect();
    const spec = fs.readFileSync(path.resolve(__dirname, '../../../../test/fixtures/pipelines/hello_pipeline.yaml'));
    const p = await client.uploadPipeline('hello.yaml', spec, { name: 'hello' });
    pipelineId = p.pipeline_id!;
    versionId = (await client.listPipelineVersions(pipelineId, { pageSize: 1 })).items[0].pipeline_version_id!;
  });
  after(async () => { assert.deepEqual(emu.violations, []); await clearEndpoints(); await emu.stop(); });

  let id = '';
  it('creates one from a version, with the next five fire times; refuses a cron KFP refuses; warns about five fields', async () => {
    const bad = await run('kfp.recurringRun.create', { pipelineId, versionId, cron: '0 0 * *' });
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /not a cron KFP accepts: Expected 5 to 6 fields, found 4.*six fields, seconds first/);
    const tooMany = await run('kfp.recurringRun.create', { pipelineId, versionId, cron: '0 0 2 * * *', maxConcurrency: 11 });
    assert.match(tooMany.error!, /from 1 to 10/);
    assert.equal(emu.recurring.length, 0, 'nothing made by refused requests');

    const r = await run('kfp.recurringRun.create', { pipelineId, versionId, name: 'every ten minutes', cron: '0 */10 * * * *', parameters: {}, maxConcurrency: 1, catchup: true });
    assert.equal(r.ok, true, r.error);
    const rr = r.recurringRun as { recurring_run_id: string; status: string };
    id = rr.recurring_run_id;
    assert.equal(rr.status, 'ENABLED');
    const next = r.nextFireTimes as string[];
    assert.equal(next.length, 5);
    assert.ok(next.every((t) => /T\d\d:\d0:00\.000Z$/.test(t)), next.join(' '));
    assert.equal(Date.parse(next[1]) - Date.parse(next[0]), 10 * MIN);

    const five = await run('kfp.recurringRun.create', { pipelineId, versionId, name: 'unix habit', cron: '0 0 * * *', enabled: false });
    assert.equal(five.ok, true);
    assert.match((five.warnings as string[])[0], /seconds first.*"0 0 0 \* \* \*"/);
    await run('kfp.item.delete', { kind: 'recurringRun', id: (five.recurringRun as { recurring_run_id: string }).recurring_run_id }, { skipConfirmation: true });
  });

  it('starts runs as the clock advances, listed under the recurring run in the tree', async () => {
    emu.clock.advance(30 * MIN);
    const r = await run('kfp.recurringRun.runs', { id });
    assert.equal(r.ok, true, r.error);
    const runs = r.runs as Array<{ display_name: string }>;
    assert.equal(runs.length, 3, JSON.stringify(runs));
    assert.ok(runs.every((x) => /^everytenminutes[a-z0-9]{5}-\d+-\d+$/.test(x.display_name)), runs.map((x) => x.display_name).join(' '));
    await run('kfp.explorer.refresh');
    const ex = (await api()).explorer;
    const node = await waitFor(async () => (await ex.getChildren(await root('Recurring runs'))).find((n: ExplorerNode) => label(n) === 'every ten minutes'), 'the recurring run in the tree');
    const item = ex.getTreeItem(node);
    assert.match(String(item.description), /^enabled · cron 0 \*\/10 \* \* \* \* · next /);
    const children = await ex.getChildren(node);
    assert.equal(children.filter((c) => /everytenminutes/.test(label(c))).length, 3);
  });

  it('disabled, it starts nothing; enabled again, it catches up on the missed times one by one', async () => {
    assert.equal((await run('kfp.recurringRun.disable', { kind: 'recurringRun', id })).ok, true);
    emu.clock.advance(30 * MIN);
    assert.equal(((await run('kfp.recurringRun.runs', { id })).runs as unknown[]).length, 3);
    assert.equal((await run('kfp.recurringRun.enable', { kind: 'recurringRun', id })).ok, true);
    emu.clock.advance(MIN);
    const after = (await run('kfp.recurringRun.runs', { id })).runs as unknown[];
    assert.ok(after.length >= 6, `${after.length} runs after catching up`);
  });

  it('edits by creating the new one disabled, deleting the old one, then enabling the new one', async () => {
    const r = await run('kfp.recurringRun.edit', { id }, { cron: '0 0 * * * *', maxConcurrency: 2 });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.replaced, id);
    const fresh = r.recurringRun as { recurring_run_id: string; status: string };
    assert.notEqual(fresh.recurring_run_id, id);
    assert.equal(fresh.status, 'ENABLED');
    assert.ok(!emu.recurring.some((x) => x.id === id), 'the old one is gone');
    const now = emu.recurring.find((x) => x.id === fresh.recurring_run_id)!;
    assert.deepEqual([now.trigger.cron, now.maxConcurrency, now.displayName], ['0 0 * * * *', 2, 'every ten minutes']);
    id = fresh.recurring_run_id;
  });

  it('"always the latest version" on KFP 2.5+, and a clear refusal from an older server', async () => {
    const r = await run('kfp.recurringRun.create', { pipelineId, latest: true, intervalSecond: 3600, name: 'latest' });
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(emu.recurring.find((x) => x.displayName === 'latest')?.latestOf, pipelineId);
    const old = await emulator({ seed: 'none', serverVersion: '2.3.0' });
    try {
      await addEndpoint('old', old.url);
      const oc = new KfpClient({ baseUrl: old.url });
      const p = await oc.uploadPipeline('hello.yaml', fs.readFileSync(path.resolve(__dirname, '../../../../test/fixtures/pipelines/hello_pipeline.yaml')), { name: 'hello' });
      const refused = await run('kfp.recurringRun.create', { pipelineId: p.pipeline_id, latest: true, intervalSecond: 3600 });
      assert.equal(refused.ok, false);
      assert.match(refused.error!, /\(2\.3\.0\) cannot run "always the latest version": that needs KFP 2\.5 or later/);
      assert.equal(old.recurring.length, 0);
    } finally {
      await run('kfp.endpoint.select', 'sched');
      await run('kfp.endpoint.remove', 'old', { skipConfirmation: true });
      await old.stop();
    }
  });

  it('on a KFP 1.x server, creates a v1beta1 job for a version, and refuses "always the latest version"', async () => {
    // A KFP 1.x server creates its Default experiment at start (resource_manager.go); the seeded emulator has it.
    const v1 = await emulator({ apiVersion: 'v1beta1' });
    try {
      await addEndpoint('v1', v1.url);
      const c = new KfpClient({ baseUrl: v1.url });
      await c.connect();
      const p = await c.uploadPipeline('v1.yaml', fs.readFileSync(path.resolve(__dirname, '../../../../test/fixtures/pipelines/v1_argo.yaml')), { name: 'legacy' });
      const version = (await c.listPipelineVersions(p.pipeline_id!, { pageSize: 1 })).items[0].pipeline_version_id!;
      const r = await run('kfp.recurringRun.create', { pipelineId: p.pipeline_id, versionId: version, cron: '0 0 3 * * *', name: 'legacy nightly', parameters: {} });
      assert.equal(r.ok, true, r.error);
      const job = v1.recurring.find((x) => x.displayName === 'legacy nightly')!;
      assert.deepEqual([job.enabled, job.trigger.cron, job.versionRef?.versionId], [true, '0 0 3 * * *', version]);
      const latest = await run('kfp.recurringRun.create', { pipelineId: p.pipeline_id, latest: true, cron: '0 0 3 * * *' });
      assert.equal(latest.ok, false);
      assert.match(latest.error!, /KFP 1\.x server cannot run "always the latest version"/);
    } finally {
      await run('kfp.endpoint.select', 'sched');
      await run('kfp.endpoint.remove', 'v1', { skipConfirmation: true });
      await v1.stop();
    }
  });
});
