import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KfpClient } from '../../src/core/kfp/client';
import { parsePipelineText } from '../../src/core/pipeline/spec';
import { expandName, PartialSubmitError, submitPipeline, SubmitRequest, UnknownOutcomeError } from '../../src/core/pipeline/submit';
import { KfpEmulator } from '../emulator/server';
import { sharedDir } from '../emulator/openapi';

const FIX = path.resolve(__dirname, '../../../test/fixtures/pipelines');

async function setup(opts: ConstructorParameters<typeof KfpEmulator>[0] = {}) {
  const emu = new KfpEmulator({ seed: 'none', ...opts });
  const client = new KfpClient({ baseUrl: await emu.start() });
  await client.connect();
  return { emu, client };
}

function request(file: string, extra: Partial<SubmitRequest> = {}): Omit<SubmitRequest, 'experiment'> {
  const content = fs.readFileSync(file);
  const parsed = parsePipelineText(content.toString('utf8'));
  return { parsed, fileName: path.basename(file), content, mode: 'upload', pipelineName: parsed.name!, versionName: `${parsed.name}-v2`, runName: 'run 1', parameters: {}, ...extra };
}

describe('submitting pipelines', () => {
  it('uploads a new pipeline, then a new version under the same name, and starts runs from them', async () => {
    const { emu, client } = await setup();
    try {
      const experiment = await client.createExperiment('exp');
      const first = await submitPipeline(client, { ...request(path.join(FIX, 'hello_pipeline.yaml'), { parameters: { recipient: 'kfp' } }), experiment });
      assert.deepEqual(first.created, ['pipeline', 'run']);
      assert.equal(first.run.pipeline_version_reference?.pipeline_id, first.pipeline?.pipeline_id);
      assert.deepEqual(first.run.runtime_config?.parameters, { recipient: 'kfp' });
      const second = await submitPipeline(client, { ...request(path.join(FIX, 'hello_pipeline.yaml')), experiment });
      assert.deepEqual(second.created, ['version', 'run']);
      assert.equal(second.pipeline?.pipeline_id, first.pipeline?.pipeline_id);
      assert.equal(second.version?.display_name, 'hello-pipeline-v2');
      assert.deepEqual(emu.violations, []);
    } finally { await emu.stop(); }
  });

  it('runs a spec directly, with its platform spec inline as {pipeline_spec, platform_spec}', async () => {
    const { emu, client } = await setup();
    try {
      const experiment = await client.createExperiment('exp');
      const r = await submitPipeline(client, { ...request(path.join(FIX, 'with_platform_spec.yaml'), { mode: 'direct' }), experiment });
      assert.deepEqual(r.created, ['run']);
      assert.ok(r.run.pipeline_spec && 'platform_spec' in r.run.pipeline_spec && 'pipeline_spec' in r.run.pipeline_spec);
      assert.equal(emu.pipelines.length, 0, 'nothing uploaded');
    } finally { await emu.stop(); }
  });

  it('says what was created when the run fails after an upload', async () => {
    const { emu, client } = await setup();
    try {
      const experiment = await client.createExperiment('exp');
      emu.addFault({ match: 'POST /apis/v2beta1/runs$', status: 500, count: 1 });
      await assert.rejects(submitPipeline(client, { ...request(path.join(FIX, 'hello_pipeline.yaml')), experiment }),
        (e: PartialSubmitError) => e instanceof PartialSubmitError && /pipeline "hello-pipeline" was uploaded, but starting the run failed/.test(e.message) && e.created.includes('pipeline'));
    } finally { await emu.stop(); }
  });

  it('refuses a v2 (IR) pipeline on a KFP 1.x server with a clear message, and runs a v1 Argo workflow there', async () => {
    const { emu, client } = await setup({ apiVersion: 'v1beta1', seed: 'samples' });
    try {
      const experiment = (await client.listExperiments()).items[0];
      await assert.rejects(submitPipeline(client, { ...request(path.join(FIX, 'hello_pipeline.yaml')), experiment }), /v1beta1 API \(KFP 1\.x\) and cannot run KFP v2 pipelines/);
      const argo = path.join(FIX, 'v1_argo.yaml');
      const r = await submitPipeline(client, { ...request(argo, { pipelineName: 'legacy', parameters: { date: '2024-02-02' } }), experiment });
      assert.deepEqual(r.created, ['pipeline', 'run']);
      assert.equal(r.run.state, 'PENDING');
      assert.deepEqual(emu.violations, []);
    } finally { await emu.stop(); }
  });

  it('uploads and runs every valid SDK-compiled sample', async function () {
    const shared = sharedDir();
    if (!shared) this.skip();
    const { emu, client } = await setup();
    try {
      const experiment = await client.createExperiment('samples');
      const dir = path.join(shared!, 'kfp-samples/compiled');
      for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('valid__'))) {
        const r = await submitPipeline(client, { ...request(path.join(dir, f)), experiment });
        assert.deepEqual(r.created, ['pipeline', 'run'], f);
      }
      assert.deepEqual(emu.violations, []);
    } finally { await emu.stop(); }
  });

  it('expands version name templates', () => {
    const d = new Date(2026, 10, 25, 9, 5, 7);
    assert.equal(expandName('${pipelineName}-${timestamp}-${gitShortSha}', { pipelineName: 'p', date: d, gitShortSha: 'abc1234' }), 'p-20261125-090507-abc1234');
    assert.equal(expandName('${pipelineName}-${date}-${gitShortSha}', { pipelineName: 'p', date: d }), 'p-20261125');
  });
});

describe('names that clash and creates that get no answer', () => {
  const hello = path.join(FIX, 'hello_pipeline.yaml');

  it('a version name from the template gets a suffix when taken (Upload then Run in the same second); a name the user gave is explained', async () => {
    const { emu, client } = await setup();
    try {
      const experiment = await client.createExperiment('exp');
      const same = { versionName: 'hello-pipeline-20261126-101500', versionNameFromTemplate: true };
      await submitPipeline(client, { ...request(hello, same), experiment }); // the pipeline, with its first version
      const a = await submitPipeline(client, { ...request(hello, same), experiment });
      const b = await submitPipeline(client, { ...request(hello, same), experiment });
      assert.deepEqual([a.version?.display_name, b.version?.display_name], ['hello-pipeline-20261126-101500', 'hello-pipeline-20261126-101500-2']);
      await assert.rejects(submitPipeline(client, { ...request(hello, { versionName: 'hello-pipeline-20261126-101500' }), experiment }), /has a version named "hello-pipeline-20261126-101500" already \(409\)\. Give another version name/);
      assert.deepEqual(emu.violations, []);
    } finally { await emu.stop(); }
  });

  it('a create whose answer never came is looked up: found, it is used and said; not found, the outcome is unknown, never "failed"', async () => {
    const emu = new KfpEmulator({ seed: 'none' });
    const client = new KfpClient({ baseUrl: await emu.start(), timeoutMs: 400 });
    try {
      await client.connect();
      const experiment = await client.createExperiment('exp');
      // The server is slow: the client gives up, the server still creates the pipeline (seen on real clusters 40 s later).
      emu.addFault({ match: 'POST /apis/v2beta1/pipelines/upload$', latencyMs: 700, count: 1 });
      const r = await submitPipeline(client, { ...request(hello), experiment, lookup: { tries: 5, delayMs: 300 } });
      assert.deepEqual(r.foundAfterNoAnswer, ['pipeline']);
      assert.deepEqual(r.created, ['pipeline', 'run']);
      assert.equal(emu.pipelines.length, 1, 'nothing was created twice');
      // The connection drops and nothing is created: the outcome is unknown, and the message says so.
      emu.addFault({ match: 'POST /apis/v2beta1/runs$', drop: true, count: 1 });
      const e = await submitPipeline(client, { ...request(hello, { mode: 'direct', runName: 'lost' }), experiment, lookup: { tries: 2, delayMs: 100 } }).catch((x: Error) => x);
      assert.ok(e instanceof UnknownOutcomeError, String(e));
      assert.match(e.message, /Starting the run "lost": no answer from the server .*; it may still have been created\. Refresh the explorer/);
      assert.ok(!/failed/.test(e.message));
    } finally { await emu.stop(); }
  });
});
