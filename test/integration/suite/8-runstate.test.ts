// The run view on the Argo shapes of real KFP 2.x servers, inside VS Code: every
// SDK-compiled sample (and a pipeline with nested loops, a condition, an exit
// handler, a retried step and a cached step) run on the emulator in each KFP
// generation and both pod-name formats; the webview's table must show, for every
// step that ran, the state, pod and cached flag the emulator's Argo run produced,
// loops their iteration counts, and each step's log must be that pod's log.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as YAML from 'yaml';
import { KfpClient } from '../../../src/core/kfp/client';
import type { JsonObject } from '../../../src/core/kfp/types';
import { logUri } from '../../../src/runView/logDocuments';
import { KFP_SHAPES } from '../../emulator/argo';
import { sharedDir } from '../../emulator/openapi';
import { KfpEmulator } from '../../emulator/server';
import { addEndpoint, api, clearEndpoints, emulator, run } from './helpers';
import { everything } from '../../fixtures/everything';

describe('the run view on every KFP 2.x Argo shape', () => {
  let emu: KfpEmulator;
  let client: KfpClient;
  before(async () => {
    await clearEndpoints();
    // The cache hit is the cluster's state, not the pipeline's: the emulator is told which step the driver finds in the cache.
    emu = await emulator({ seed: 'none', runDurationMs: 20_000, oracle: { cached: (p: string) => p === 'root/exit-handler-1/prepare' } });
    await addEndpoint('shapes', emu.url);
    client = new KfpClient({ baseUrl: emu.url });
    await client.connect();
  });
  after(async () => {
    assert.deepEqual(emu.violations, []);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await clearEndpoints();
    await emu.stop();
  });

  function specs(): Array<[string, JsonObject]> {
    const out: Array<[string, JsonObject]> = [['everything', everything()]];
    const shared = sharedDir();
    if (!shared) { console.log('      (the SDK-compiled samples are skipped: ../shared is absent)'); return out; }
    const dir = path.join(shared, 'kfp-samples/compiled');
    for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('valid__')).sort()) out.push([f, YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))[0].toJSON() as JsonObject]);
    return out;
  }

  for (const shape of KFP_SHAPES) {
    for (const podNames of ['v2', 'v1'] as const) {
      it(`KFP ${shape}, POD_NAMES ${podNames}: every step's state, pod, cache flag, iterations and log`, async function () {
        this.timeout(180_000);
        emu.options.kfpVersion = shape;
        emu.options.podNames = podNames;
        const runs: Array<[string, string]> = [];
        for (const [name, spec] of specs()) runs.push([name, (await client.createRun({ display_name: `${shape}-${podNames}-${name}`, pipeline_spec: spec })).run_id!]);
        emu.clock.advance(60_000);
        const a = await api();
        let steps = 0, logs = 0, cached = 0, retried = 0, skipped = 0;
        for (const [name, id] of runs) {
          const r = await run('kfp.run.open', id);
          assert.equal(r.ok, true, r.error);
          const rec = emu.runs.find((x) => x.id === id)!;
          const view = emu.workflowOf(rec, emu.clock.now());
          assert.ok(view, `${name}: the emulator has a workflow for the run`);
          const panel = a.runPanels.get(id)!;
          if (!view.run) {
            // A workflow Argo refused (KFP 2.0–2.3 and a dependency on a loop): the view says why no step ran.
            const rep = await panel.nextReport((x) => Boolean(x.limits?.includes('invalid spec')));
            assert.match(rep.limits!, /failed before any step ran: invalid spec: templates\.root\.tasks\..* dependency 'for-loop-\d+' not defined/, name);
            panel.dispose();
            continue;
          }
          const truth = view.run.steps;
          const rep = await panel.nextReport((x) => Boolean(x.source) && (x.rows?.length ?? 0) > 0);
          assert.match(rep.source!, /Argo Workflow, from the API server/, `${name}: the source is said`);
          const rows = new Map(rep.rows!.map((x) => [x.id, x]));
          for (const [irPath, t] of truth) {
            const row = rows.get(irPath);
            assert.ok(row, `${shape} ${podNames} ${name}: a row for ${irPath} (rows: ${[...rows.keys()].join(', ')})`);
            const want = t.phase === 'Succeeded' ? 'SUCCEEDED' : t.phase === 'Failed' ? 'FAILED' : 'SKIPPED';
            assert.equal(row.state, want, `${name}: state of ${irPath}`);
            assert.equal(Boolean(row.cached), Boolean(t.cached), `${name}: cached flag of ${irPath}`);
            assert.equal(row.pod, t.podName, `${shape} ${podNames} ${name}: pod of ${irPath}`);
            if (t.attempts > 1) { assert.equal(row.attempts, t.attempts, `${name}: attempts of ${irPath}`); retried++; }
            if (t.cached) cached++;
            if (want === 'SKIPPED') skipped++;
            steps++;
            if (!t.podName) continue;
            // The step's log, through the same file system provider the editor uses.
            const text = Buffer.from(await vscode.workspace.fs.readFile(logUri(id, irPath, irPath.split('/').pop()!))).toString('utf8');
            assert.ok(text.includes(`(pod ${t.podName})`), `${name}: the log of ${irPath} names its pod: ${text.slice(0, 200)}`);
            assert.ok(text.includes(`working on ${t.podName.slice(-10)}`), `${name}: the log of ${irPath} is that pod's`);
            logs++;
            if (t.attempts > 1) {
              const first = Buffer.from(await vscode.workspace.fs.readFile(logUri(id, irPath, irPath.split('/').pop()!, 0))).toString('utf8');
              assert.ok(first.includes(`(pod ${t.podNames[0]})`), `${name}: attempt 0 of ${irPath} has its own pod and log`);
              assert.ok(/Traceback|ValueError/.test(first), 'the failed attempt\'s log ends in its error');
            }
          }
          // Steps that never ran (inside a skipped branch, or not reached) claim no pod and no outcome.
          for (const row of rep.rows!) {
            if (truth.has(row.id)) continue;
            assert.ok(!row.pod && (row.state === 'SKIPPED' || row.state === 'NOT_STARTED'), `${name}: ${row.id} did not run but reads ${row.state} ${row.pod ?? ''}`);
            if (row.state === 'SKIPPED') skipped++;
          }
          if (name === 'everything') assert.equal(rows.get('root/exit-handler-1/condition-5/rollback')?.state, 'SKIPPED', 'a step in a false branch is skipped');
          // Loops: the iterations the emulator ran, each with its steps.
          for (const [loop, n] of view.run.loops) {
            if (![...truth.keys()].some((k) => k.startsWith(`${loop}[`))) continue;
            const shown = new Set(rep.rows!.filter((x) => x.id.startsWith(`${loop}[`)).map((x) => /^\[(\d+)\]/.exec(x.id.slice(loop.length))![1]));
            assert.equal(shown.size, n, `${name}: iterations of ${loop}`);
          }
          panel.dispose();
        }
        console.log(`      (${runs.length} runs, ${steps} steps, ${logs} logs read, ${cached} cached, ${retried} retried, ${skipped} skipped)`);
        assert.ok(cached > 0 && skipped > 0, 'the cached and skipped cases were exercised');
        if (shape !== '2.3') assert.ok(retried > 0, 'a retried step was exercised');
      });
    }
  }

  it('shows a step\'s output values and artifacts from ML Metadata, and opens an artifact', async () => {
    emu.options.kfpVersion = '2.17';
    emu.options.podNames = 'v2';
    const id = (await client.createRun({ display_name: 'outputs', pipeline_spec: everything() })).run_id!;
    emu.clock.advance(60_000);
    const r = await run('kfp.run.open', id);
    assert.equal(r.ok, true, r.error);
    const panel = (await api()).runPanels.get(id)!;
    await panel.nextReport((x) => (x.rows?.length ?? 0) > 0);
    const step = 'root/exit-handler-1/for-loop-2[1]/train';
    panel.select(step);
    const rep = await panel.nextReport((x) => x.selected === step && Boolean(x.outputs));
    assert.equal(rep.outputs!.values, 1, rep.outputs!.info);
    assert.match(rep.outputs!.info, /Output"?train\.Output value/);
    assert.equal(rep.outputs!.artifacts.length, 1);
    assert.match(rep.outputs!.artifacts[0], new RegExp(`^minio://mlpipeline/v2/artifacts/everything/${id}/train/`));
    const cachedRep = await (async () => { panel.select('root/exit-handler-1/prepare'); return panel.nextReport((x) => x.selected === 'root/exit-handler-1/prepare' && Boolean(x.outputs)); })();
    assert.match(cachedRep.outputs!.info, /taken from cache/);
    const out = await run('kfp.run.stepOutputs', { runId: id, nodeId: step });
    assert.equal(out.ok, true, out.error);
    assert.deepEqual(out.outputs, { Output: 'train.Output value' });
    assert.equal(out.state, 'COMPLETE');
    const opened = await run('kfp.run.openArtifact', { runId: id, uri: rep.outputs!.artifacts[0], name: 'model' });
    assert.equal(opened.ok, true, opened.error);
    assert.ok((opened.bytes as number) > 0);
    const missing = await run('kfp.run.stepOutputs', { runId: id, nodeId: 'root/exit-handler-1/condition-5/rollback' });
    assert.equal(missing.ok, false);
    assert.match(missing.error!, /no execution/);
    panel.dispose();
  });

  it('says when a run or a log could not be read, instead of reporting success, and offers Retry', async () => {
    const missing = await run('kfp.run.open', 'no-such-run');
    assert.equal(missing.ok, false);
    assert.match(missing.error!, /Could not open run no-such-run: .*not found/i);
    const a = await api();
    const panel = a.runPanels.get('no-such-run')!;
    const rep = await panel.nextReport((x) => Boolean(x.error));
    assert.match(rep.error!, /The run could not be opened.*not found.*Retry/s);
    assert.match(panel.panel.title, /not loaded/);
    panel.dispose();
    emu.options.kfpVersion = '2.17';
    const id = (await client.createRun({ display_name: 'logs-fail', pipeline_spec: everything() })).run_id!;
    emu.clock.advance(60_000);
    emu.addFault({ match: '/log|/k8s/pod/logs|/artifacts/get', status: 500, body: 'storage is down', count: 10 });
    const log = await run('kfp.run.openLog', { runId: id, nodeId: 'root/exit-handler-1/for-loop-2[0]/train' });
    assert.equal(log.ok, false, 'every source failed: not ok');
    assert.match(log.error!, /No log for .*UI server: .*storage is down/s);
    emu.clearFaults();
    const cached = await run('kfp.run.openLog', { runId: id, nodeId: 'root/exit-handler-1/prepare' });
    assert.deepEqual([cached.ok, cached.noLog], [false, true]);
    assert.match(cached.error!, /taken from the cache/);
    const good = await run('kfp.run.openLog', { runId: id, nodeId: 'root/exit-handler-1/for-loop-2[0]/train' });
    assert.equal(good.ok, true, good.error);
    assert.ok((good.bytes as number) > 100);
  });

  it('with only task_details (no v1beta1, no cluster access), says what it cannot tell and claims no pod', async () => {
    emu.options.kfpVersion = '2.17';
    emu.options.podNames = 'v2';
    const id = (await client.createRun({ display_name: 'only-task-details', pipeline_spec: everything() })).run_id!;
    emu.clock.advance(60_000);
    emu.addFault({ match: '^GET /apis/v1beta1/runs/', status: 404, body: '404 page not found' });
    const r = await run('kfp.run.open', id);
    assert.equal(r.ok, true, r.error);
    const panel = (await api()).runPanels.get(id)!;
    const rep = await panel.nextReport((x) => Boolean(x.source?.includes('task_details')));
    assert.match(rep.limits!, /carry no pod names, no loop iterations and no cache decisions/);
    assert.ok(rep.rows!.every((x) => !x.pod && !x.cached), 'no pod name or cache flag is claimed');
    assert.ok(!rep.rows!.some((x) => /\[\d+\]/.test(x.id)), 'no loop iteration is claimed');
    panel.select('root/exit-handler-1/prepare');
    const logRep = await panel.nextReport((x) => Boolean(x.log?.info));
    assert.match(logRep.log!.info, /no pod name/i);
    emu.clearFaults();
    panel.dispose();
  });
});
