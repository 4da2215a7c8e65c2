// A KFP v1 pipeline (the Argo Workflow the v1 SDK compiles) uploaded to and run on
// a KFP 2 server, as KFP 2 runs v1 templates: the run view draws it from the run's
// live workflow (v1beta1 workflow_manifest), with each step's state and pod, and
// each step's log. (../shared/kfp-samples holds no v1-SDK-compiled workflow: only the
// stand-in v1 compile of the demo's legacy pipeline is run here.)
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KfpClient } from '../../src/core/kfp/client';
import { isArgoWorkflowSpec, runGraph } from '../../src/core/graph/forRun';
import { podLog } from '../../src/core/logs/podLogs';
import { KfpEmulator } from '../emulator/server';

const ROOT = path.resolve(__dirname, '../../..');

describe('KFP v1 pipelines on a KFP 2 server', function () {
  this.timeout(30_000);
  let emu: KfpEmulator;
  let client: KfpClient;
  before(async () => {
    emu = new KfpEmulator({ seed: 'none', runDurationMs: 20_000 });
    client = new KfpClient({ baseUrl: await emu.start() });
    await client.connect();
  });
  after(async () => { await emu.stop(); });

  async function runV1(file: string, name: string, display = 'v1 run') {
    const p = await client.uploadPipeline(path.basename(file), fs.readFileSync(file), { name });
    const v = (await client.listPipelineVersions(p.pipeline_id!, { pageSize: 1 })).items[0];
    assert.ok(isArgoWorkflowSpec(v.pipeline_spec), 'a KFP 2 server returns a v1 version\'s spec as its Argo Workflow');
    return client.createRun({ display_name: display, pipeline_version_reference: { pipeline_id: p.pipeline_id, pipeline_version_id: v.pipeline_version_id } });
  }

  it('draws the run from its workflow, with states, pods and logs, and says it is a v1 pipeline', async () => {
    const run = await runV1(path.join(ROOT, 'test/fixtures/pipelines/v1_argo.yaml'), 'legacy');
    // Before it runs: said, nothing invented.
    const before = await runGraph(client, await client.getRun(run.run_id!));
    assert.equal(before.state.v1OnV2, true);
    assert.match(before.state.limits!, /KFP v1 pipeline.*appear once its workflow runs/);
    emu.clock.advance(30_000);
    const done = await client.getRun(run.run_id!);
    const { graph, state } = await runGraph(client, done);
    assert.equal(state.source, 'workflow-v1-run');
    assert.equal(state.v1OnV2, true);
    const steps = [...graph.byId.values()].filter((n) => n.id !== 'root').map((n) => n.name).sort();
    assert.deepEqual(steps, ['fetch', 'score']);
    const states = [...state.nodes.values()];
    assert.ok(states.length >= 2 && states.every((s) => s.state === 'SUCCEEDED'), JSON.stringify(states));
    const fetchState = [...state.nodes.entries()].find(([id]) => graph.byId.get(id)?.name === 'fetch')![1];
    assert.match(fetchState.podName ?? '', /^legacy-scoring-/);
    // Its log, from the UI server's route on the same endpoint.
    const lines: string[] = [];
    for await (const b of podLog({ client }, { podName: fetchState.podName!, namespace: 'kubeflow', runId: run.run_id!, running: false, runCreatedAt: done.created_at })) lines.push(...b.lines);
    assert.ok(lines.some((l) => /\[fetch\] done/.test(l)), lines.slice(-3).join('\n'));
  });

});
