import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KfpClient } from '../../src/core/kfp/client';
import { buildGraph } from '../../src/core/graph/model';
import { runState } from '../../src/core/graph/forRun';
import { kubernetesLog, podLog, LogTarget, wholePodLog } from '../../src/core/logs/podLogs';
import { parsePipelineText } from '../../src/core/pipeline/spec';
import { KfpEmulator } from '../emulator/server';

const FIX = path.resolve(__dirname, '../../../test/fixtures/pipelines');

async function runningStep(emu: KfpEmulator, client: KfpClient) {
  const spec = parsePipelineText(fs.readFileSync(path.join(FIX, 'hello_pipeline.yaml'), 'utf8')).spec!;
  const run = await client.createRun({ display_name: 'logs', pipeline_spec: spec });
  emu.clock.advance(3_000);
  const r = await client.getRun(run.run_id!);
  const st = await runState({ client }, r, buildGraph(spec));
  assert.equal(st.source, 'workflow-v1beta1');
  const s = st.nodes.get('root/say-hello')!;
  assert.equal(s.state, 'RUNNING');
  const target: LogTarget = { podName: s.podName!, namespace: 'kubeflow', runId: run.run_id!, workflowName: st.workflowName, runCreatedAt: r.created_at, running: true, archiveKey: s.archiveKey };
  return { target, run: r, graph: buildGraph(spec) };
}

describe('step logs', () => {
  let emu: KfpEmulator;
  let client: KfpClient;
  beforeEach(async () => {
    emu = new KfpEmulator({ seed: 'none', runDurationMs: 20_000, logLinesPerSecond: 20 });
    client = new KfpClient({ baseUrl: await emu.start() });
    await client.connect();
  });
  afterEach(async () => { await emu.stop(); });

  it('follows a running step through the Kubernetes API and resumes after a dropped stream without repeating a line', async () => {
    const { target } = await runningStep(emu, client);
    const conn = { server: emu.url, headers: {} };
    emu.addFault({ match: '/log$', dropAfterMs: 150, count: 2 });
    const tick = setInterval(() => emu.clock.advance(400), 40);
    const got: string[] = [];
    try {
      for await (const lines of kubernetesLog(conn, target)) got.push(...lines);
    } finally { clearInterval(tick); }
    const found = (emu as unknown as { podOf(p: string, n: number): { plan: { task: string; start: number; end?: number; state: 'SUCCEEDED' } } }).podOf(target.podName, emu.clock.now());
    const expected = emu.logLines(target.podName, found.plan, emu.clock.now()).map((l) => l.text);
    assert.ok(expected.length > 100, `a long log (${expected.length} lines)`);
    assert.deepEqual(got, expected, 'every line once, in order');
    assert.equal(emu.requests.filter((r) => r.url.includes('/log?')).length, 3, 'two drops, two resumes');
    assert.ok(emu.requests.filter((r) => r.url.includes('/log?')).slice(1).every((r) => r.url.includes('sinceTime=')));
  });

  it('falls back to the UI server, then to the archived log when the pod is gone', async () => {
    const { target, run, graph } = await runningStep(emu, client);
    emu.clock.advance(60_000 + 600_001); // the run finished and its pods were deleted
    // The finished pod's archived log key comes from the workflow (its main-logs artifact), not from a key format.
    const later = await runState({ client }, await client.getRun(run.run_id!), graph);
    const key = later.nodes.get('root/say-hello')?.archiveKey;
    assert.match(key ?? '', /^private-artifacts\/kubeflow\/.+\/main\.log$/);
    const done = { ...target, running: false, archiveKey: key };
    const conn = async () => ({ server: emu.url, headers: {} });
    const batches: string[] = [];
    for await (const b of podLog({ kubernetes: conn, client }, done)) batches.push(b.source);
    assert.deepEqual(batches, ['ui-server']);
    emu.addFault({ match: '/k8s/pod/logs$', status: 500, body: 'Could not get main container logs: pod not found', count: 1 });
    const arch: Array<{ source: string; lines: string[] }> = [];
    for await (const b of podLog({ kubernetes: conn, client }, done)) arch.push(b);
    assert.equal(arch[0].source, 'archive');
    assert.match(arch[0].lines[arch[0].lines.length - 1], /done$/);
  });

  it('streams a whole log for a document chunk by chunk, and starts over when a source breaks part-way', async () => {
    const big = new KfpEmulator({ seed: 'none', runDurationMs: 20_000, logLinesPerSecond: 5_000 });
    const c2 = new KfpClient({ baseUrl: await big.start() });
    try {
      await c2.connect();
      const { target } = await runningStep(big, c2);
      big.clock.advance(60_000);
      const done = { ...target, running: false };
      const found = (big as unknown as { podOf(p: string, n: number): { plan: { task: string; start: number; end?: number; state: 'SUCCEEDED' } } }).podOf(target.podName, big.clock.now());
      const expected = big.logLines(target.podName, found.plan, big.clock.now()).map((l) => l.text + '\n').join('');
      // The UI server over a slow link: the chunks come one by one, the first long before the last.
      big.addFault({ match: '/k8s/pod/logs', bytesPerSecond: 2 * 1024 * 1024, count: 1 });
      const seen: Array<{ bytes: number; at: number; source: string; restart: boolean }> = [];
      const parts: Buffer[] = [];
      const t0 = Date.now();
      const r = await wholePodLog({ client: c2 }, done, (c, source, restart) => { if (restart) parts.length = 0; parts.push(c); seen.push({ bytes: c.length, at: Date.now() - t0, source, restart }); });
      assert.equal(r.source, 'ui-server');
      assert.ok(expected.length > 1_000_000, `${expected.length} bytes`);
      assert.equal(Buffer.concat(parts).toString('utf8'), expected);
      assert.ok(seen.length >= 10, `${seen.length} chunks`);
      assert.ok(seen[0].at < seen[seen.length - 1].at, 'the first chunk came before the last');
      assert.ok(seen.every((x) => !x.restart));
      // The Kubernetes stream breaks after its first bytes: the UI server's log replaces what had arrived.
      big.addFault({ match: '/log$', dropAfterMs: 100, bytesPerSecond: 256 * 1024, count: 1 });
      parts.length = 0; seen.length = 0;
      const r2 = await wholePodLog({ client: c2, kubernetes: async () => ({ server: big.url, headers: {} }) }, done, (c, source, restart) => { if (restart) parts.length = 0; parts.push(c); seen.push({ bytes: c.length, at: 0, source, restart }); });
      assert.equal(r2.source, 'ui-server');
      assert.equal(seen[0].source, 'kubernetes');
      assert.equal(seen.find((x) => x.source === 'ui-server')?.restart, true);
      assert.equal(Buffer.concat(parts).toString('utf8'), expected);
      assert.match(r2.skipped.join(' '), /Kubernetes: /);
    } finally { await big.stop(); }
  });

  it('says which sources failed when none has the log', async () => {
    const t: LogTarget = { podName: 'nope-system-container-impl-1', namespace: 'kubeflow', runId: 'x', workflowName: 'nope', runCreatedAt: '2026-01-01T00:00:00Z', running: false };
    const it = podLog({ kubernetes: async () => ({ server: emu.url, headers: {} }), client }, t);
    await assert.rejects(it.next(), /Kubernetes: .*404.*not found.*UI server: .*archive:/s);
  });
});
