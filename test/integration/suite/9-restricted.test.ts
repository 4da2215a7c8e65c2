// Runs only in the pass where the workspace is NOT trusted (KFP_SUITE=restricted).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { KfpEmulator } from '../../emulator/server';
import { VertexEmulator } from '../../emulator/vertex';
import { parsePipelineText } from '../../../src/core/pipeline/spec';
import { addEndpoint, children, clearEndpoints, emulator, root, run } from './helpers';

const ROOT = path.resolve(__dirname, '../../../..');

describe('Restricted Mode (untrusted workspace)', () => {
  let emu: KfpEmulator;
  before(async () => { await clearEndpoints(); emu = await emulator(); await addEndpoint('emu', emu.url); });
  after(async () => { await clearEndpoints(); await emu.stop(); });

  it('the workspace is untrusted in this pass', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  it('browsing the server still works', async () => {
    assert.ok((await children(await root('Runs'))).length > 0);
  });

  it('compiling (which runs the pipeline\'s code) is refused with a message', async () => {
    process.env.PYTHONPATH = path.join(ROOT, 'test/fixtures/python/kfp-v2-standin');
    const r = await run('kfp.pipeline.compile', { file: 'pipelines/training_pipeline.py' });
    assert.equal(r.ok, false);
    assert.equal(r.kind, 'untrusted');
    assert.match(r.error!, /Restricted Mode/);
    const runs = emu.runs.length;
    const viaRun = await run('kfp.pipeline.run', { file: 'pipelines/training_pipeline.py' });
    assert.equal(viaRun.ok, false);
    assert.equal(emu.runs.length, runs);
  });

  it('building a component (which runs a container engine on the folder) is refused with a message', async () => {
    const r = await run('kfp.component.build', { dir: 'components/preprocess' });
    assert.equal(r.ok, false);
    assert.match(r.error!, /trust the workspace first/);
  });

  it('uploading an already compiled file runs no code and is allowed', async () => {
    const r = await run('kfp.pipeline.run', { file: path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), openRun: false });
    assert.equal(r.ok, true, r.error);
  });

  it('a Vertex AI endpoint can be browsed and its runs opened; converting v1 code (which runs an interpreter) is refused', async () => {
    const vx = new VertexEmulator({ stepMs: 50 });
    await vx.start();
    try {
      await vx.seed(parsePipelineText(fs.readFileSync(path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), 'utf8')).spec as Record<string, unknown>);
      const added = await run('kfp.endpoint.add', { name: 'vertex', kind: 'vertex', project: vx.project, region: vx.region, apiRoot: vx.url, pipelineRoot: 'gs://demo-bucket/root' });
      assert.equal(added.ok, true, added.error);
      const runs = await children(await root('Pipeline runs'));
      assert.equal(runs.length, 3);
      const id = (runs[0] as unknown as { run: { run_id: string } }).run.run_id;
      assert.equal((await run('kfp.run.open', id)).ok, true);
      const conv = await run('kfp.pipeline.convertToV2', { file: 'pipelines/legacy_v1.py', preview: false });
      assert.equal(conv.ok, false);
      assert.match(conv.error!, /trust the workspace first/);
    } finally {
      await run('kfp.endpoint.select', 'emu');
      await vx.stop();
    }
  });
});
