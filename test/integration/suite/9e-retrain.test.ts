// Retrain on new data, inside VS Code: generate the function into the workspace,
// test it locally (the real Functions Framework, against the KFP emulator), deploy
// it to the emulated Cloud Functions, deliver a storage event twice, see one run.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KfpClient } from '../../../src/core/kfp/client';
import { GcpEmulator } from '../../emulator/gcp';
import { KfpEmulator } from '../../emulator/server';
import { addEndpoint, clearEndpoints, emulator, run, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '../../../..');

describe('retrain on new data: the Cloud Function from the editor', function () {
  this.timeout(90_000);
  let emu: KfpEmulator;
  let gcp: GcpEmulator;
  let pipelineId = '';
  const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const cfg = () => vscode.workspace.getConfiguration('kfp');
  before(async () => {
    await clearEndpoints();
    emu = await emulator({ seed: 'none' });
    await addEndpoint('retrain', emu.url);
    const c = new KfpClient({ baseUrl: emu.url });
    await c.connect();
    pipelineId = (await c.uploadPipeline('hello.yaml', fs.readFileSync(path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml')), { name: 'churn-training' })).pipeline_id!;
    gcp = new GcpEmulator({ stepMs: 150, disabledApis: ['off-project'] });
    await gcp.start();
    gcp.addBucket('churn-data', 'my-project');
    await cfg().update('functions.project', 'my-project', vscode.ConfigurationTarget.Global);
    await cfg().update('functions.region', 'europe-west1', vscode.ConfigurationTarget.Global);
    await cfg().update('functions.apiRoot', gcp.url, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    for (const k of ['functions.project', 'functions.region', 'functions.apiRoot']) await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(path.join(ws(), 'retrain-function'), { recursive: true, force: true });
    await gcp.stop();
    await clearEndpoints();
    await emu.stop();
  });

  it('generates the function into the workspace, and never replaces a changed file without being told', async () => {
    const wrongParam = await run('kfp.retrain.generate', { pipelineId, parameterName: 'nope', preview: false });
    assert.equal(wrongParam.ok, false);
    assert.match(wrongParam.error!, /no text parameter "nope" \(it has: recipient\)/);
    const r = await run('kfp.retrain.generate', { pipelineId, parameterName: 'recipient', prefix: 'incoming/', suffix: '.csv', language: 'node', preview: false });
    assert.equal(r.ok, true, r.error);
    assert.deepEqual((r.created as string[]).sort(), ['.gcloudignore', 'index.js', 'package.json', 'retrain.config.json', 'retrain.js', 'test/retrain.test.js']);
    const dir = path.join(ws(), 'retrain-function');
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'retrain.config.json'), 'utf8')).kfpHost, emu.url);
    // The user changes a file; generating again with the same settings leaves the rest alone and replaces it only because preview is off.
    fs.appendFileSync(path.join(dir, 'retrain.js'), '\n// my change\n');
    const again = await run('kfp.retrain.generate', { pipelineId, parameterName: 'recipient', prefix: 'incoming/', suffix: '.csv', language: 'node', preview: false });
    assert.deepEqual(again.changed, ['retrain.js']);
    assert.equal((again.unchanged as string[]).length, 5);
    // npm install in the function's folder, as the user would.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });

  it('tests it locally with the Functions Framework and a sample event: a run on the active endpoint, and none for an object outside the prefix', async () => {
    const r = await run('kfp.retrain.testLocally', { folder: 'retrain-function', object: 'gs://churn-data/incoming/day-1.csv', eventId: 'local-1' });
    assert.equal(r.ok, true, `${r.error}\n${r.output}`);
    assert.equal(r.status, 204);
    const created = emu.runs.find((x) => x.id === r.runId)!;
    assert.ok(created, String(r.output));
    assert.deepEqual(created.parameters, { recipient: 'gs://churn-data/incoming/day-1.csv' });
    const dup = await run('kfp.retrain.testLocally', { folder: 'retrain-function', object: 'gs://churn-data/incoming/day-1.csv', eventId: 'local-1' });
    assert.equal(dup.duplicate, true);
    assert.equal(dup.runId, r.runId);
    const skip = await run('kfp.retrain.testLocally', { folder: 'retrain-function', object: 'gs://churn-data/other/x.csv' });
    assert.match(String(skip.skipped), /not under incoming\//);
  });

  it('deploys it, and a new object in the bucket starts one run even when its event is delivered twice', async () => {
    const missing = await run('kfp.retrain.deploy', { folder: 'retrain-function', bucket: 'gs://no-such-bucket' });
    assert.equal(missing.ok, false);
    assert.match(missing.error!, /Bucket no-such-bucket could not be validated.*left in state FAILED/);
    const off = await run('kfp.retrain.deploy', { folder: 'retrain-function', bucket: 'gs://churn-data', project: 'off-project' });
    assert.equal(off.ok, false);
    assert.match(off.error!, /Enable the API at https:\/\/console\.developers\.google\.com\/apis\/api\/cloudfunctions\.googleapis\.com\/overview\?project=off-project/);
    const d = await run('kfp.retrain.deploy', { folder: 'retrain-function', bucket: 'gs://churn-data', functionId: 'retrain-churn' });
    assert.equal(d.ok, true, d.error);
    assert.equal(d.state, 'ACTIVE');
    assert.deepEqual((d.files as string[]).sort(), ['index.js', 'package.json', 'retrain.config.json', 'retrain.js']);
    const list = await run('kfp.retrain.list');
    assert.ok((list.functions as Array<{ id: string; state: string; bucket: string }>).some((f) => f.id === 'retrain-churn' && f.state === 'ACTIVE' && f.bucket === 'churn-data'));
    // The deployed function reaches KFP at the URL in its config (the emulator here).
    await fetch(`${gcp.url}/upload/storage/v1/b/churn-data/o?uploadType=media&name=${encodeURIComponent('incoming/day-2.csv')}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b\n1,2\n' });
    const mine = () => emu.runs.filter((x) => x.displayName.includes('day-2.csv'));
    for (let i = 0; i < 100 && !mine().length; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(mine().length, 1, JSON.stringify(gcp.functions.deliveries));
    // The delivery is recorded when the function has answered (the run exists a moment before).
    const first = await waitFor(() => gcp.functions.deliveries.find((x) => x.object === 'incoming/day-2.csv' && x.fn.endsWith('/retrain-churn')), 'the delivery to be answered');
    assert.ok(first, JSON.stringify(gcp.functions.deliveries));
    await gcp.functions.redeliver(first!, 'churn-data');
    assert.equal(mine().length, 1, 'one run for an event delivered twice');
    const removed = await run('kfp.retrain.remove', { name: 'projects/my-project/locations/europe-west1/functions/retrain-churn' }, { skipConfirmation: true });
    assert.equal(removed.ok, true, removed.error);
  });
});
