// Step outputs from ML Metadata over gRPC-web, as the KFP UI reads them.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { buildGraph } from '../../src/core/graph/model';
import { KfpClient } from '../../src/core/kfp/client';
import type { JsonObject } from '../../src/core/kfp/types';
import { grpcWebFrame, grpcWebParse, MlmdClient, placeExecutions, storagePath } from '../../src/core/mlmd/client';
import { MLMD_DESCRIPTOR } from '../../src/core/mlmd/schema';
import { KfpEmulator } from '../emulator/server';
import { everything } from '../fixtures/everything';

function kfpRepo(): string | undefined {
  for (const d of [process.env.KFP_REPO, '/work/.mirror/kubeflow+pipelines/repo'].filter(Boolean) as string[]) if (fs.existsSync(d)) return d;
  return undefined;
}

describe('ML Metadata', () => {
  it('the message descriptor matches the real ml-metadata .proto files field by field', function () {
    const repo = kfpRepo();
    if (!repo) { console.log('    (skipped: no kubeflow/pipelines snapshot, which vendors the ml-metadata protos; set KFP_REPO)'); this.skip(); }
    const gitDir = fs.existsSync(path.join(repo!, '.git')) ? path.join(repo!, '.git') : repo!;
    const real = new protobuf.Root();
    for (const f of ['metadata_store.proto', 'metadata_store_service.proto']) {
      const text = execFileSync('git', ['--git-dir', gitDir, 'show', `HEAD:third_party/ml-metadata/ml_metadata/proto/${f}`], { encoding: 'utf8' });
      protobuf.parse(text, real, { keepCase: true });
    }
    // Our flat names for nested real ones.
    const realName: Record<string, string> = { EventStep: 'Event.Path.Step', EventPath: 'Event.Path', EventType: 'Event.Type', ArtifactState: 'Artifact.State', ExecutionState: 'Execution.State' };
    let fields = 0;
    for (const [name, def] of Object.entries(MLMD_DESCRIPTOR.nested.ml_metadata.nested) as Array<[string, { fields?: Record<string, { id: number; type: string; rule?: string; keyType?: string }>; values?: Record<string, number> }]>) {
      const r = real.lookup(`ml_metadata.${realName[name] ?? name}`);
      assert.ok(r, `ml_metadata.${name} exists`);
      if (def.values) { for (const [k, v] of Object.entries(def.values)) assert.equal((r as protobuf.Enum).values[k], v, `${name}.${k}`); continue; }
      const t = r as protobuf.Type;
      for (const [fname, f] of Object.entries(def.fields ?? {})) {
        const rf = t.fields[fname];
        assert.ok(rf, `${name}.${fname} is a field of the real message`);
        assert.equal(rf.id, f.id, `${name}.${fname} number`);
        const realType = rf.type.replace(/^(Event\.Path\.Step|Event\.Path|Event\.Type|Artifact\.State|Execution\.State|Path|Step|Type|State)$/, (x) => x);
        const mine = f.type.replace(/^google\.protobuf\./, '');
        const ours = ({ EventStep: 'Step', EventPath: 'Path', EventType: 'Type', ArtifactState: 'State', ExecutionState: 'State' } as Record<string, string>)[mine] ?? mine;
        assert.equal(realType.replace(/^google\.protobuf\./, '').split('.').pop(), ours, `${name}.${fname} type`);
        assert.equal(Boolean(rf.repeated), f.rule === 'repeated', `${name}.${fname} repeated`);
        assert.equal(rf instanceof protobuf.MapField, Boolean(f.keyType), `${name}.${fname} map`);
        fields++;
      }
    }
    assert.ok(fields > 40, `${fields} fields checked`);
  });

  it('frames gRPC-web messages and reads data and trailer frames', () => {
    const f = grpcWebFrame(Buffer.from('abc'));
    assert.deepEqual([...f], [0, 0, 0, 0, 3, 97, 98, 99]);
    const trailer = grpcWebFrame(Buffer.from('grpc-status:5\r\ngrpc-message:no%20such'), 0x80);
    const parsed = grpcWebParse(Buffer.concat([f, trailer]));
    assert.equal(parsed.message?.toString(), 'abc');
    assert.deepEqual(parsed.trailers, { 'grpc-status': '5', 'grpc-message': 'no%20such' });
    assert.throws(() => grpcWebParse(Buffer.from([0, 0, 0, 0, 9, 1])), /cut short/);
    assert.deepEqual(storagePath('minio://mlpipeline/v2/artifacts/p/r/t/x/model'), { source: 'minio', bucket: 'mlpipeline', key: 'v2/artifacts/p/r/t/x/model' });
    assert.deepEqual(storagePath('gs://b/k/l'), { source: 'gcs', bucket: 'b', key: 'k/l' });
  });

  it('places every execution of a run on its graph: steps, loop iterations, the cache, outputs and artifacts', async () => {
    const emu = new KfpEmulator({ seed: 'none', runDurationMs: 10_000, oracle: { cached: (p) => p === 'root/exit-handler-1/prepare' } });
    const client = new KfpClient({ baseUrl: await emu.start() });
    try {
      await client.connect();
      const spec = everything();
      const run = await client.createRun({ display_name: 'mlmd', pipeline_spec: spec as JsonObject });
      const none = await new MlmdClient(client).runData(run.run_id!).catch((e: Error) => e);
      assert.match(String(none), /no context for run/, 'before the run starts there is no context');
      emu.clock.advance(30_000);
      const data = await new MlmdClient(client).runData(run.run_id!);
      const steps = placeExecutions(buildGraph(spec), data);
      const rec = emu.runs.find((r) => r.id === run.run_id)!;
      const sim = emu.workflowOf(rec, emu.clock.now())!.run!;
      let checked = 0;
      for (const [p, t] of sim.steps) {
        if (t.phase === 'Omitted' || t.phase === 'Skipped') { assert.equal(steps.get(p), undefined, `${p} did not run`); continue; }
        const s = steps.get(p);
        assert.ok(s, `an execution for ${p}`);
        assert.equal(s.podName, t.podName, `pod of ${p}`);
        assert.equal(s.state, t.cached ? 'CACHED' : t.phase === 'Failed' ? 'FAILED' : 'COMPLETE', `state of ${p}`);
        assert.equal(Boolean(s.cachedExecutionId), Boolean(t.cached), `cached_execution_id of ${p}`);
        assert.deepEqual(s.outputs, { Output: `${p.split('/').pop()}.Output value` });
        assert.equal(s.artifacts.filter((a) => a.direction === 'output').length, 1);
        assert.match(s.artifacts[0].uri!, new RegExp(`^minio://mlpipeline/v2/artifacts/everything/${run.run_id}/`));
        checked++;
      }
      assert.ok(checked >= 10, `${checked} steps`);
      assert.ok(steps.get('root/exit-handler-1/for-loop-2[1]/for-loop-3[2]/score'), 'nested loop iterations are placed by iteration_index');
      // The artifact reads through the UI server's /artifacts/get at the URI's bucket and key.
      const art = storagePath(steps.get('root/exit-handler-1/prepare')!.artifacts[0].uri!)!;
      const text = await client.getText('artifacts/get', { source: art.source, bucket: art.bucket, key: art.key }, undefined, 'Read artifact');
      assert.match(text, /^model,value/);
      assert.ok(emu.requests.some((r) => r.url === '/ml_metadata.MetadataStoreService/GetEventsByExecutionIDs'));
    } finally { await emu.stop(); }
  });

  it('under a base path (Kubeflow serves KFP under /pipeline) the calls go to the server root, and a non-gRPC answer is explained', async () => {
    const emu = new KfpEmulator({ seed: 'none', basePath: '/pipeline', runDurationMs: 10_000 });
    const client = new KfpClient({ baseUrl: await emu.start() });
    try {
      await client.connect();
      const run = await client.createRun({ display_name: 'bp', pipeline_spec: everything() });
      emu.clock.advance(30_000);
      const data = await new MlmdClient(client).runData(run.run_id!);
      assert.ok(data.executions.length > 5);
      emu.addFault({ match: 'ml_metadata', status: 200, body: '<html>sign in</html>', count: 4 });
      await assert.rejects(new MlmdClient(client).runData(run.run_id!), /not gRPC-web .*KFP UI server/);
    } finally { await emu.stop(); }
  });
});
