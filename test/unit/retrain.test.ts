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
    cfg = { kfpHost: url, auth: 'none', pipelineId: p.pipeline_id, parameterName: 'message', prefix: 'incoming/', suffix: '.csv', runNamePrefix: 'retrain' };
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
    assert.deepEqual(runs[0].parameters, { message: `gs://test-bucket/incoming/${/test-\d+\.csv/.exec(runs[0].displayName)![0]}` });
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
});
