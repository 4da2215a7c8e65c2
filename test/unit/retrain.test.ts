// The generated "retrain on new data" functions run their own tests: the Node one
// through the real Functions Framework from npm, the Python one with the standard
// library, both against the KFP emulator (one run for an event delivered twice).
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkRetrainConfig, retrainFiles, RetrainConfig } from '../../src/core/retrain/templates';
import { readZip, zipFunctionSource } from '../../src/core/retrain/zip';
import { KfpEmulator } from '../emulator/server';
import { GcpEmulator } from '../emulator/gcp';
import { FunctionsClient } from '../../src/core/retrain/functionsClient';
import { NodeTransport } from '../../src/core/http/transport';
import { VertexEmulator } from '../emulator/vertex';
import * as YAML from 'yaml';

const ROOT = path.resolve(__dirname, '../../..');

/** Runs a process without blocking this one (the emulator answers from this process). */
function run(cmd: string, args: string[], o: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { ...o, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    p.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function write(dir: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) { fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true }); fs.writeFileSync(path.join(dir, p), text); }
}

describe('the generated retrain function', function () {
  this.timeout(60_000);
  let emu: KfpEmulator;
  let dir: string;
  let cfg: RetrainConfig;
  before(async () => {
    emu = new KfpEmulator({ seed: 'none' });
    const url = await emu.start();
    const form = new FormData();
    form.append('uploadfile', new Blob([fs.readFileSync(path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'))]), 'hello.yaml');
    const p = await (await fetch(`${url}/apis/v2beta1/pipelines/upload?name=hello`, { method: 'POST', body: form })).json() as { pipeline_id: string };
    cfg = { kfpHost: url, auth: 'none', pipelineId: p.pipeline_id, parameterName: 'recipient', prefix: 'incoming/', suffix: '.csv', runNamePrefix: 'retrain' };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-retrain-'));
  });
  after(async () => { await emu.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('checks its settings', () => {
    assert.deepEqual(checkRetrainConfig(cfg), []);
    assert.deepEqual(checkRetrainConfig({ ...cfg, kfpHost: 'nope', pipelineId: '', auth: 'iap', parameterName: '1x' }), [
      'kfpHost "nope" is not a URL', 'pipelineId is required', 'parameterName must name a pipeline parameter', 'auth "iap" needs iapClientId (the OAuth client ID of the IAP in front of KFP)',
    ]);
  });

  it('Node.js: its own tests pass, one of them through the real Functions Framework against the emulator', async () => {
    const node = path.join(dir, 'node');
    write(node, retrainFiles('node', cfg));
    // The framework from this project's node_modules (npm install in a user's folder does the same).
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(node, 'node_modules'), 'dir');
    const r = await run(process.execPath, ['--test', 'test/'], { cwd: node, env: { ...process.env, KFP_TEST_HOST: cfg.kfpHost, RETRAIN_CONFIG: JSON.stringify({}) } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /# pass 3/);
    assert.match(r.stdout, /# skipped 0/);
    const runs = emu.runs.filter((x) => x.displayName.startsWith('retrain test-'));
    assert.equal(runs.length, 1, 'one run for the event delivered twice');
    assert.deepEqual(runs[0].parameters, { recipient: `gs://test-bucket/incoming/${/test-\d+\.csv/.exec(runs[0].displayName)![0]}` });
    // The upload leaves out node_modules and the tests (its .gcloudignore), as gcloud would.
    const zipped = zipFunctionSource(node);
    assert.deepEqual(zipped.files.sort(), ['index.js', 'package.json', 'retrain.config.json', 'retrain.js']);
    assert.deepEqual(readZip(zipped.zip).map((e) => e.name).sort(), ['index.js', 'package.json', 'retrain.config.json', 'retrain.js']);
    assert.equal(readZip(zipped.zip).find((e) => e.name === 'retrain.js')!.data.toString(), fs.readFileSync(path.join(node, 'retrain.js'), 'utf8'));
  });

  it('Python: its logic tests pass with the standard library against the emulator (the framework itself is not importable here)', async function () {
    try { execFileSync('python3', ['--version'], { stdio: 'ignore' }); } catch { console.log('      (skipped: no python3)'); this.skip(); }
    const py = path.join(dir, 'py');
    write(py, retrainFiles('python', { ...cfg, runNamePrefix: 'pyretrain' }));
    const r = await run('python3', ['-m', 'unittest', 'discover', '-s', 'test', '-v'], { cwd: py, env: { ...process.env, KFP_TEST_HOST: cfg.kfpHost } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /Ran 3 tests/);
    assert.doesNotMatch(r.stderr, /skipped/);
    assert.equal(emu.runs.filter((x) => x.displayName.startsWith('pyretrain test-')).length, 1);
    const framework = spawnSync('python3', ['-c', 'import functions_framework'], { encoding: 'utf8' });
    if (framework.status !== 0) console.log('      (main.py not run: the Python functions-framework is not importable here, and no Python package index is reachable)');
  });

  it('deploys to (emulated) Cloud Functions as gcloud does, runs there, and one stored object starts one run even when its event comes twice', async function () {
    this.timeout(90_000);
    const gcp = new GcpEmulator({ stepMs: 150, disabledApis: ['off-project'] });
    const root = await gcp.start();
    try {
      gcp.addBucket('churn-data', 'proj');
      const fnDir = path.join(dir, 'deploy');
      write(fnDir, retrainFiles('node', { ...cfg, runNamePrefix: 'deployed' }));
      const client = new FunctionsClient(new NodeTransport(), root, async () => 'never-sent', { pollMs: 100 });
      const stages: string[] = [];
      const d = await client.deploy({ projectId: 'proj', region: 'europe-west1', functionId: 'retrain-churn', runtime: 'nodejs20', entryPoint: 'retrain', zip: zipFunctionSource(fnDir).zip, bucket: 'gs://churn-data/' }, (t) => stages.push(t));
      assert.equal(d.created, true);
      assert.equal(d.fn.state, 'ACTIVE');
      assert.deepEqual(d.fn.eventTrigger?.eventFilters, [{ attribute: 'bucket', value: 'churn-data' }]);
      assert.equal(d.fn.eventTrigger?.retryPolicy, 'RETRY_POLICY_RETRY');
      assert.ok(stages.some((x) => /^BUILD: IN_PROGRESS.*Logs are available at \[https:\/\/console\.cloud\.google\.com\/cloud-build/.test(x)), stages.join('\n'));
      assert.ok(stages.includes('TRIGGER: COMPLETE'));
      const up = [...gcp.functions.uploads.values()][0];
      assert.equal(up.putHeaders?.authorization, undefined, 'no credentials on the signed URL');
      assert.ok(gcp.requests.every((q) => q.auth === undefined), 'no token to a non-Google host');
      // New data lands: the function (running from its zip with the real framework) starts a run.
      const data = Buffer.from('a,b\n1,2\n');
      await fetch(`${root}/upload/storage/v1/b/churn-data/o?uploadType=media&name=${encodeURIComponent('incoming/day-7.csv')}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: data });
      const mine = () => emu.runs.filter((x) => x.displayName.startsWith('deployed day-7.csv'));
      for (let i = 0; i < 100 && !mine().length; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(mine().length, 1, JSON.stringify(gcp.functions.deliveries));
      assert.deepEqual(mine()[0].parameters, { recipient: 'gs://churn-data/incoming/day-7.csv' });
      // The delivery is recorded when the function has answered (the run exists a moment before).
      for (let i = 0; i < 100 && !gcp.functions.deliveries.some((x) => x.object === 'incoming/day-7.csv'); i++) await new Promise((r) => setTimeout(r, 50));
      const first = gcp.functions.deliveries.find((x) => x.object === 'incoming/day-7.csv')!;
      assert.equal(first.status, 204);
      const again = await gcp.functions.redeliver(first, 'churn-data');
      assert.equal(again.status, 204);
      assert.equal(mine().length, 1, 'the same event twice: one run');
      // An object outside the prefix starts nothing.
      await fetch(`${root}/upload/storage/v1/b/churn-data/o?uploadType=media&name=${encodeURIComponent('other/x.csv')}`, { method: 'POST', body: data });
      for (let i = 0; i < 50 && !gcp.functions.deliveries.some((x) => x.object === 'other/x.csv'); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(emu.runs.filter((x) => x.displayName.includes('x.csv')).length, 0);
      // Redeploying updates it (PATCH), listing shows it, removing deletes it.
      const again2 = await client.deploy({ projectId: 'proj', region: 'europe-west1', functionId: 'retrain-churn', runtime: 'nodejs20', entryPoint: 'retrain', zip: zipFunctionSource(fnDir).zip, bucket: 'churn-data' });
      assert.equal(again2.created, false);
      assert.deepEqual((await client.list('proj', 'europe-west1')).map((f) => [f.name, f.state]), [['projects/proj/locations/europe-west1/functions/retrain-churn', 'ACTIVE']]);
      await client.remove('projects/proj/locations/europe-west1/functions/retrain-churn');
      assert.equal(await client.get('projects/proj/locations/europe-west1/functions/retrain-churn'), undefined);
    } finally { await gcp.stop(); }
  });

  it('a missing bucket, a source without package.json and a disabled API each fail with the reason, and say what was left', async function () {
    this.timeout(30_000);
    const gcp = new GcpEmulator({ stepMs: 50, disabledApis: ['off-project'] });
    const root = await gcp.start();
    try {
      const client = new FunctionsClient(new NodeTransport(), root, undefined, { pollMs: 50 });
      const fnDir = path.join(dir, 'deploy2');
      write(fnDir, retrainFiles('node', cfg));
      const zip = zipFunctionSource(fnDir).zip;
      await assert.rejects(client.deploy({ projectId: 'proj', region: 'r1', functionId: 'retrain-a', runtime: 'nodejs20', entryPoint: 'retrain', zip, bucket: 'nowhere' }), /Bucket nowhere could not be validated\. Please verify that the bucket exists/);
      assert.equal((await client.get('projects/proj/locations/r1/functions/retrain-a'))?.state, 'FAILED', 'a failed create leaves a FAILED function, as Cloud Functions does');
      gcp.addBucket('b', 'proj');
      fs.rmSync(path.join(fnDir, 'package.json'));
      await assert.rejects(client.deploy({ projectId: 'proj', region: 'r1', functionId: 'retrain-b', runtime: 'nodejs20', entryPoint: 'retrain', zip: zipFunctionSource(fnDir).zip, bucket: 'b' }), /Build failed: the nodejs20 source has no package\.json/);
      await assert.rejects(client.deploy({ projectId: 'off-project', region: 'r1', functionId: 'retrain-c', runtime: 'nodejs20', entryPoint: 'retrain', zip, bucket: 'b' }), /Enable the API at https:\/\/console\.developers\.google\.com\/apis\/api\/cloudfunctions\.googleapis\.com/);
    } finally { await gcp.stop(); }
  });
});

describe('the generated retrain function, starting Vertex AI pipeline jobs', function () {
  this.timeout(60_000);
  let vx: VertexEmulator;
  let dir: string;
  let vcfg: RetrainConfig;
  before(async () => {
    vx = new VertexEmulator({ stepMs: 50 });
    await vx.start();
    // The training pipeline as a template version tagged "latest" in the emulator's KFP repository.
    const spec = YAML.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), 'utf8')) as Record<string, unknown>;
    const form = new FormData();
    form.append('tags', 'latest');
    form.append('content', new Blob([JSON.stringify(spec)]), 'hello.json');
    const answer = await (await fetch(vx.templateRepoUrl('pipelines'), { method: 'POST', body: form })).text();
    assert.match(answer, /^[^/]+\/sha256:[0-9a-f]{64}$/);
    vcfg = { backend: 'vertex', project: vx.project, region: vx.region, apiRoot: vx.url, templateUri: `${vx.templateRepoUrl('pipelines')}/${answer.split('/')[0]}/latest`, pipelineRoot: 'gs://churn-data/root', parameterName: 'recipient', prefix: 'incoming/', suffix: '.csv', runNamePrefix: 'retrain', labels: { trigger: 'new-data' } };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-retrain-vertex-'));
  });
  after(async () => { await vx.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('checks its Vertex settings', () => {
    assert.deepEqual(checkRetrainConfig(vcfg), []);
    assert.deepEqual(checkRetrainConfig({ ...vcfg, templateUri: 'x', pipelineRoot: 's3://b' }), [
      'templateUri must name a template version or tag (https://REGION-kfp.pkg.dev/PROJECT/REPO/PACKAGE/TAG)', 'pipelineRoot must be a gs:// URI (the runs\' output folder)',
    ]);
  });

  it('Node.js: through the real Functions Framework, one pipeline job for an event delivered twice, from the template', async () => {
    const node = path.join(dir, 'node');
    write(node, retrainFiles('node', vcfg));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(node, 'node_modules'), 'dir');
    const r = await run(process.execPath, ['--test', 'test/'], { cwd: node, env: { ...process.env, KFP_TEST_HOST: '', VERTEX_TEST_ROOT: vx.url, RETRAIN_CONFIG: JSON.stringify({}) } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /# pass 3/);
    const jobs = [...vx.jobs.values()].map((j) => j.job as { name: string; displayName: string; templateUri: string; templateMetadata?: { version: string }; runtimeConfig: { parameterValues: Record<string, string>; gcsOutputDirectory: string }; labels: Record<string, string> });
    assert.equal(jobs.length, 1, 'one job for the event delivered twice');
    assert.match(jobs[0].name, /\/pipelineJobs\/retrain-[0-9a-f]{40}$/);
    assert.equal(jobs[0].templateUri, vcfg.templateUri);
    assert.match(jobs[0].templateMetadata!.version, /^sha256:/, 'the server resolved the tag');
    assert.match(jobs[0].runtimeConfig.parameterValues.recipient, /^gs:\/\/test-bucket\/incoming\/test-\d+\.csv$/);
    assert.equal(jobs[0].runtimeConfig.gcsOutputDirectory, 'gs://churn-data/root');
    assert.equal(jobs[0].labels.trigger, 'new-data');
    assert.ok(vx.requests.every((x) => x.auth === undefined), 'no token to a root that is not Google\'s');
  });

  it('Python: the same logic with the standard library', async function () {
    try { execFileSync('python3', ['--version'], { stdio: 'ignore' }); } catch { console.log('      (skipped: no python3)'); this.skip(); }
    const py = path.join(dir, 'py');
    write(py, retrainFiles('python', { ...vcfg, runNamePrefix: 'pyretrain' }));
    const before = vx.jobs.size;
    const r = await run('python3', ['-m', 'unittest', 'discover', '-s', 'test', '-v'], { cwd: py, env: { ...process.env, KFP_TEST_HOST: '', VERTEX_TEST_ROOT: vx.url } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /Ran 3 tests/);
    assert.doesNotMatch(r.stderr, /skipped/);
    assert.equal(vx.jobs.size, before + 1);
  });
});
