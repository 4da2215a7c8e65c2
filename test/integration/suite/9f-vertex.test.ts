// Vertex AI Pipelines inside VS Code, against the Vertex emulator (whose routes
// are checked against the aiplatform protos): add the endpoint and test it,
// browse, submit every valid SDK-compiled sample and a Python pipeline compiled
// by the stand-in SDK, watch each in the run view (every task's state, a step's
// log from Cloud Logging), cancel, schedules, templates, and the three failures
// a user meets first (API disabled, permission missing, credentials expired).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parsePipelineText, pipelineParameters, ParameterType } from '../../../src/core/pipeline/spec';
import { buildGraph } from '../../../src/core/graph/model';
import type { JsonValue } from '../../../src/core/kfp/types';
import type { RenderReport } from '../../../src/core/runView/protocol';
import type { ExplorerNode } from '../../../src/tree/node';
import { sharedDir } from '../../emulator/openapi';
import { VertexEmulator, VertexEmulatorOptions } from '../../emulator/vertex';
import { api, children, clearEndpoints, label, root, run, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '../../../..');
const V2 = path.join(ROOT, 'test/fixtures/python/kfp-v2-standin');
const dummy: Record<ParameterType, JsonValue> = { STRING: 'x', NUMBER_INTEGER: 1, NUMBER_DOUBLE: 0.5, BOOLEAN: true, LIST: [], STRUCT: {}, TASK_FINAL_STATUS: '', TASK_CONFIG: '' };

async function vertexEndpoint(name: string, emu: VertexEmulator, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await run('kfp.endpoint.add', { name, kind: 'vertex', project: emu.project, region: emu.region, apiRoot: emu.url, pipelineRoot: 'gs://demo-bucket/pipeline-root', ...extra });
  assert.equal(r.ok, true, r.error);
}

/** The leaf steps of the run view's report by state, and its rows. */
async function finished(runId: string, timeoutMs = 30_000): Promise<RenderReport> {
  const a = await api();
  const panel = a.runPanels.get(runId)!;
  assert.ok(panel, `the run view of ${runId} is open`);
  const done = (x: RenderReport) => !(x.states.RUNNING || x.states.PENDING || x.states.NOT_STARTED) && Object.values(x.states).reduce((n, k) => n + k, 0) > 0 && x.tableRows > 0;
  // The shared poller refreshes the run (the test asks it now rather than at its interval).
  const end = Date.now() + timeoutMs;
  while (!(panel.lastReport && done(panel.lastReport)) && Date.now() < end) {
    await a.poller.pollNow();
    await new Promise((r) => setTimeout(r, 100));
  }
  return panel.nextReport(done, 1000);
}

describe('Vertex AI Pipelines: a second backend', function () {
  this.timeout(120_000);
  let emu: VertexEmulator;
  const savedPath = process.env.PYTHONPATH;
  before(async () => {
    await clearEndpoints();
    process.env.PYTHONPATH = V2;
    emu = new VertexEmulator({ stepMs: 150, logLines: 5 });
    await emu.start();
  });
  after(async () => {
    process.env.PYTHONPATH = savedPath;
    await clearEndpoints();
    await emu.stop();
  });

  it('adds a Vertex endpoint, tests it, and browses its runs, schedules and templates', async () => {
    await vertexEndpoint('vertex', emu, { templateRepository: emu.templateRepoUrl('pipelines') });
    const saved = vscode.workspace.getConfiguration('kfp').get<Array<Record<string, unknown>>>('endpoints')!.find((e) => e.name === 'vertex')!;
    assert.equal(saved.kind, 'vertex');
    assert.equal(saved.url, undefined, 'the API URL follows from the region and is not written');
    const t = await run('kfp.endpoint.testConnection', 'vertex');
    assert.equal(t.connected, true, JSON.stringify(t.checks));
    assert.deepEqual((t.checks as Array<{ step: string }>).map((c) => c.step), ['Settings', 'Credentials', 'Vertex AI', 'Pipeline root', 'Templates']);
    await run('kfp.explorer.refresh');
    const roots = await waitFor(async () => { const r = await children(); return r.length === 3 ? r : undefined; }, 'the Vertex roots');
    assert.deepEqual(roots.map(label), ['Pipeline runs', 'Schedules', 'Templates']);
    assert.equal(label((await children(await root('Pipeline runs')))[0]), 'No pipeline runs in this region yet');
    assert.ok(emu.requests.every((r) => r.auth === undefined), 'no credentials to a non-Google root');
  });

  it('runs every valid SDK-compiled sample and shows every step\'s state, custom job and log', async function () {
    const shared = sharedDir();
    if (!shared) { this.skip(); return; }
    const dir = path.join(shared, 'kfp-samples/compiled');
    let steps = 0;
    for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('valid__'))) {
      const file = path.join(dir, f);
      const parsed = parsePipelineText(fs.readFileSync(file, 'utf8'));
      const params = Object.fromEntries(pipelineParameters(parsed).filter((p) => !p.optional).map((p) => [p.name, dummy[p.type]]));
      const r = await run('kfp.pipeline.run', { file, parameters: params, openRun: false });
      assert.equal(r.ok, true, `${f}: ${r.error}`);
      assert.equal(r.backend, 'vertex');
      const id = (r.run as { run_id: string }).run_id;
      const opened = await run('kfp.run.open', id);
      assert.equal(opened.ok, true, `${f}: ${opened.error}`);
      const rep = await finished(id);
      // The emulator's truth: every container step ran (none fails here), so every leaf of the graph succeeded or was skipped.
      const graph = buildGraph(parsed.spec!);
      assert.equal(rep.states.FAILED ?? 0, 0, `${f}: ${JSON.stringify(rep.states)}`);
      assert.ok((rep.states.SUCCEEDED ?? 0) > 0, `${f}: ${JSON.stringify(rep.states)}`);
      const job = emu.jobs.get(id)!;
      const ran = job.plan.filter((t) => t.kind === 'container').length;
      assert.ok(rep.states.SUCCEEDED! >= ran, `${f}: ${rep.states.SUCCEEDED} shown succeeded, ${ran} container steps ran`);
      assert.ok(graph.taskCount > 0);
      // Every step that ran is a row with its custom job and the state the emulator gave it, and its log (five lines,
      // the emulator writes them) comes from Cloud Logging.
      const panel = (await api()).runPanels.get(id)!;
      for (const t of job.plan.filter((x) => x.kind === 'container' && x.customJob)) {
        const row = rep.rows!.find((x) => x.pod === t.customJob!.split('/').pop());
        assert.ok(row, `${f}: a row shows the custom job of ${t.unique} (rows: ${JSON.stringify(rep.rows?.slice(0, 5))})`);
        assert.equal(row.state, t.final, `${f}: ${t.unique}`);
        panel.select(row.id);
        const logged = await panel.nextReport((x) => x.selected === row.id && Boolean(x.log && x.log.lines === 5 && x.log.info.includes('Cloud Logging')), 15_000);
        assert.match(logged.log!.info, /from Cloud Logging · 5 lines/);
        steps++;
      }
      panel.panel.dispose();
    }
    console.log(`      (${steps} steps checked: state, custom job and log)`);
  });

  it('compiles a Python pipeline with the user\'s SDK and runs it on Vertex, named as the SDK names jobs', async () => {
    const r = await run('kfp.pipeline.run', { file: 'pipelines/training_pipeline.py', openRun: false, labels: { team: 'ml' }, experiment: 'churn-experiments' });
    assert.equal(r.ok, true, r.error);
    // Linked to a Vertex AI Experiment (created, as the SDK does): the run's metadata context is its child.
    assert.deepEqual(r.experiment, { name: 'churn-experiments', created: true, linked: true });
    assert.equal(emu.contexts.get('churn-experiments')!.context.schemaTitle, 'system.Experiment');
    assert.deepEqual(emu.contexts.get('churn-experiments')!.children, [emu.runContextOf((r.run as { run_id: string }).run_id)]);
    const id = (r.run as { run_id: string }).run_id;
    assert.match(id, /^[a-z][-a-z0-9]*-\d{14}$/);
    assert.match(String(r.consoleUrl), new RegExp(`^https://console\\.cloud\\.google\\.com/vertex-ai/locations/us-central1/pipelines/runs/${id}\\?project=demo-project$`));
    const job = emu.jobs.get(id)!.job as { runtimeConfig: { gcsOutputDirectory: string }; labels: Record<string, string> };
    assert.equal(job.runtimeConfig.gcsOutputDirectory, 'gs://demo-bucket/pipeline-root');
    assert.equal(job.labels.team, 'ml');
    await run('kfp.explorer.refresh');
    const runs = await waitFor(async () => { const c = await children(await root('Pipeline runs')); return c.some((n) => (n as { run?: { run_id?: string } }).run?.run_id === id) ? c : undefined; }, 'the run in the tree');
    const node = runs.find((n) => (n as { run?: { run_id?: string } }).run?.run_id === id)!;
    assert.match(String(node.treeItem().contextValue), /\bkfp\.run\b.*\bvertex\b/);
    const copied = await run('kfp.vertex.copyResourceName', node);
    assert.equal(copied.name, `projects/demo-project/locations/us-central1/pipelineJobs/${id}`);
    const web = await run('kfp.item.openInBrowser', { kind: 'run', id }, { open: false });
    assert.equal(web.url, r.consoleUrl);
  });

  it('filters the runs on the server by state and labels', async () => {
    const f = await run('kfp.vertex.filterRuns', { labels: { team: 'ml' } });
    assert.equal(f.ok, true, f.error);
    const shown = await children(await root('Pipeline runs'));
    assert.equal(shown.length, 1, shown.map(label).join(', '));
    assert.ok(emu.requests.some((r) => r.path.includes(encodeURIComponent('labels.team="ml"'))), 'the filter went to the server');
    assert.match(String((await root('Pipeline runs')).treeItem().description), /labels\.team="ml"/);
    await run('kfp.vertex.filterRuns', { state: 'FAILED' });
    assert.equal(label((await children(await root('Pipeline runs')))[0]), 'No runs match the filter');
    const bad = await run('kfp.vertex.filterRuns', { state: 'DONE' });
    assert.equal(bad.ok, false);
    await run('kfp.vertex.filterRuns', {});
    assert.ok((await children(await root('Pipeline runs'))).length > 10);
  });

  it('cancels a running run; the run view shows it cancelled; clone starts a new one; delete removes it', async () => {
    const slow = new VertexEmulator({ stepMs: 6000 });
    await slow.start();
    try {
      await vertexEndpoint('vertex-slow', slow);
      const r = await run('kfp.pipeline.run', { file: path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), openRun: false, parameters: { recipient: 'vertex' } });
      assert.equal(r.ok, true, r.error);
      const id = (r.run as { run_id: string }).run_id;
      await run('kfp.run.open', id);
      const panel = (await api()).runPanels.get(id)!;
      await panel.nextReport((x) => (x.states.RUNNING ?? 0) > 0 || (x.states.PENDING ?? 0) > 0, 15_000);
      const t = await run('kfp.run.terminate', { runId: id }, { skipConfirmation: true });
      assert.equal(t.ok, true, t.error);
      await waitFor(async () => (await (await api()).endpoints.getRun(id)).state === 'CANCELED', 'the run cancelled', 15_000);
      await panel.refreshNow();
      const rep = await panel.nextReport((x) => (x.states.CANCELED ?? 0) > 0 && !x.states.RUNNING, 15_000);
      assert.ok(rep.states.CANCELED! > 0);
      const c = await run('kfp.run.clone', { runId: id, parameters: { recipient: 'again' } });
      assert.equal(c.ok, true, c.error);
      assert.match(String(c.runId), /^cloned-/);
      assert.deepEqual((slow.jobs.get(String(c.runId))!.job as { runtimeConfig: { parameterValues: unknown } }).runtimeConfig.parameterValues, { recipient: 'again' });
      const d = await run('kfp.item.delete', { kind: 'run', id }, { skipConfirmation: true });
      assert.equal(d.ok, true, d.error);
      assert.equal(slow.jobs.has(id), false);
    } finally {
      await run('kfp.endpoint.select', 'vertex');
      await slow.stop();
    }
  });

  it('creates a schedule from a pipeline file, pauses and resumes it, and deletes it', async () => {
    await run('kfp.endpoint.select', 'vertex');
    const bad = await run('kfp.vertex.schedule.create', { file: path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), cron: '0 0 3 * * *', parameters: { recipient: 'x' } });
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /five cron fields.*has 6.*drop the first field/);
    const r = await run('kfp.recurringRun.create', { file: path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), cron: 'TZ=Europe/Paris 30 2 * * *', name: 'nightly hello', parameters: { recipient: 'cron' } });
    assert.equal(r.ok, true, r.error);
    const sched = r.schedule as { id: string; cron: string; state: string };
    assert.equal(sched.state, 'ACTIVE');
    assert.equal(sched.cron, 'TZ=Europe/Paris 30 2 * * *');
    const next = r.next as string[];
    assert.equal(next.length, 5);
    // 02:30 in Paris is 00:30 or 01:30 UTC, whatever the season.
    assert.ok(next.every((t) => /T0[01]:30:00\.000Z$/.test(t)), next.join(' '));
    await run('kfp.explorer.refresh');
    const node = await waitFor(async () => (await children(await root('Schedules'))).find((n: ExplorerNode) => label(n) === 'nightly hello'), 'the schedule in the tree');
    assert.match(String(node.treeItem().contextValue), /kfp\.vertexSchedule active/);
    const p = await run('kfp.vertex.schedule.pause', node);
    assert.equal(p.state, 'PAUSED');
    const res = await run('kfp.vertex.schedule.resume', { id: sched.id, catchUp: false });
    assert.equal(res.state, 'ACTIVE');
    const d = await run('kfp.vertex.schedule.delete', { id: sched.id, skipConfirmation: true });
    assert.equal(d.ok, true, d.error);
    assert.equal(emu.schedules.size, 0);
  });

  it('uploads a template version with tags, shows it, and runs from it', async () => {
    const up = await run('kfp.pipeline.upload', { file: path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), tags: ['v1', 'latest'] });
    assert.equal(up.ok, true, up.error);
    assert.match(String(up.version), /^sha256:/);
    await run('kfp.explorer.refresh');
    const pkg = await waitFor(async () => (await children(await root('Templates'))).find((n: ExplorerNode) => label(n) === up.package), 'the template');
    const versions = await children(pkg);
    assert.equal(label(versions[0]), 'v1, latest');
    const r = await run('kfp.vertex.template.run', { package: up.package, tag: 'latest', parameters: { recipient: 'template' } });
    assert.equal(r.ok, true, r.error);
    const job = emu.jobs.get((r.run as { run_id: string }).run_id)!.job as { templateUri: string; templateMetadata: { version: string } };
    assert.match(job.templateUri, /\/latest$/);
    assert.equal(job.templateMetadata.version, up.version);
  });

  it('retrain on new data: generates a function that starts a pipeline job from the template, and tests it locally', async () => {
    const pkg = [...emu.templates.keys()][0];
    const templateUri = `${emu.templateRepoUrl('pipelines')}/${pkg}/latest`;
    const wrong = await run('kfp.retrain.generate', { templateUri, parameterName: 'nope', preview: false, folder: 'retrain-vertex' });
    assert.equal(wrong.ok, false);
    assert.match(wrong.error!, /no text parameter "nope" \(it has: recipient\)/);
    const g = await run('kfp.retrain.generate', { templateUri, parameterName: 'recipient', prefix: 'incoming/', suffix: '.csv', language: 'node', preview: false, folder: 'retrain-vertex' });
    assert.equal(g.ok, true, g.error);
    const config = g.config as Record<string, unknown>;
    assert.deepEqual([config.backend, config.project, config.region, config.templateUri, config.pipelineRoot], ['vertex', 'demo-project', 'us-central1', templateUri, 'gs://demo-bucket/pipeline-root']);
    // The framework from this project's node_modules, as npm install in the folder would put it there.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'retrain-vertex', 'node_modules'), 'dir');
    const before = emu.jobs.size;
    const t = await run('kfp.retrain.testLocally', { folder: 'retrain-vertex', object: 'gs://churn-data/incoming/day-9.csv', eventId: 'vertex-local-1' });
    assert.equal(t.ok, true, `${t.error} ${t.output}`);
    assert.match(String(t.runId), /^retrain-[0-9a-f]{40}$/);
    const again = await run('kfp.retrain.testLocally', { folder: 'retrain-vertex', object: 'gs://churn-data/incoming/day-9.csv', eventId: 'vertex-local-1' });
    assert.equal(again.duplicate, true, 'the same event starts no second job');
    assert.equal(emu.jobs.size, before + 1);
    const job = emu.jobs.get(String(t.runId))!.job as { runtimeConfig: { parameterValues: Record<string, string> } };
    assert.equal(job.runtimeConfig.parameterValues.recipient, 'gs://churn-data/incoming/day-9.csv');
    fs.rmSync(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'retrain-vertex'), { recursive: true, force: true });
  });

  it('says what to do when the API is disabled, a permission is missing, or the credentials expired', async () => {
    for (const [opts, re] of [
      [{ disabled: true }, /Enable the Vertex AI API \(aiplatform\.googleapis\.com\) for project demo-project at https:\/\/console\.developers\.google\.com/],
      [{ denied: ['aiplatform.pipelineJobs.list'] }, /needs the permission aiplatform\.pipelineJobs\.list on project demo-project/],
      [{ expired: true }, /credentials have expired or are not valid: run "gcloud auth application-default login"/],
    ] as Array<[VertexEmulatorOptions, RegExp]>) {
      const e = new VertexEmulator(opts);
      await e.start();
      try {
        await vertexEndpoint('broken', e);
        const t = await run('kfp.endpoint.testConnection', 'broken');
        assert.equal(t.connected, false);
        const failed = (t.checks as Array<{ step: string; ok: boolean; detail: string }>).find((c) => !c.ok)!;
        assert.equal(failed.step, 'Vertex AI');
        assert.match(failed.detail, re);
        await run('kfp.endpoint.remove', 'broken', { skipConfirmation: true });
      } finally { await e.stop(); }
    }
  });
});
