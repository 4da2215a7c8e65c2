import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildGraph, leaves, GraphNode } from '../../src/core/graph/model';
import { countStates, graphFromWorkflow, mergeTaskDetails, taskDetailsFromWorkflow } from '../../src/core/graph/runState';
import { workflowOfRun } from '../../src/core/logs/podLogs';
import { viewGraph } from '../../src/core/runView/viewModel';
import { parsePipelineText } from '../../src/core/pipeline/spec';
import { KfpClient } from '../../src/core/kfp/client';
import type { JsonObject } from '../../src/core/kfp/types';
import { buildWorkflow, taskDetails } from '../emulator/workflow';
import { KfpEmulator } from '../emulator/server';
import { sharedDir } from '../emulator/openapi';

const FIX = path.resolve(__dirname, '../../../test/fixtures/pipelines');

function samples(): Array<[string, JsonObject]> {
  const shared = sharedDir();
  const dir = shared ? path.join(shared, 'kfp-samples/compiled') : FIX;
  return fs.readdirSync(dir).filter((f) => f.startsWith('valid__') || (!shared && /\.yaml$/.test(f) && !f.includes('argo')))
    .map((f) => [f, parsePipelineText(fs.readFileSync(path.join(dir, f), 'utf8')).spec!] as [string, JsonObject]);
}

type Comp = { dag?: { tasks?: Record<string, { componentRef?: { name?: string }; dependentTasks?: string[]; inputs?: { parameters?: Record<string, { taskOutputParameter?: { producerTask?: string } }>; artifacts?: Record<string, { taskOutputArtifact?: { producerTask?: string } }> } }> } };

describe('pipeline graph', () => {
  it('every valid sample yields a graph whose tasks and edges match its spec, at every level', () => {
    for (const [f, spec] of samples()) {
      const g = buildGraph(spec);
      const comps = (spec.components ?? {}) as Record<string, Comp>;
      const check = (node: GraphNode, comp: Comp) => {
        const tasks = comp.dag?.tasks ?? {};
        assert.deepEqual(node.children?.map((c) => c.key).sort(), Object.keys(tasks).sort(), `${f}: tasks of ${node.id}`);
        const expected = new Set<string>();
        for (const [k, t] of Object.entries(tasks)) {
          for (const d of t.dependentTasks ?? []) expected.add(`${d}->${k}`);
          for (const p of Object.values(t.inputs?.parameters ?? {})) if (p.taskOutputParameter?.producerTask && p.taskOutputParameter.producerTask in tasks) expected.add(`${p.taskOutputParameter.producerTask}->${k}`);
          for (const a of Object.values(t.inputs?.artifacts ?? {})) if (a.taskOutputArtifact?.producerTask && a.taskOutputArtifact.producerTask in tasks) expected.add(`${a.taskOutputArtifact.producerTask}->${k}`);
        }
        assert.deepEqual(new Set(node.edges?.map(([a, b]) => `${a}->${b}`)), expected, `${f}: edges of ${node.id}`);
        for (const c of node.children ?? []) if (comps[c.componentRef]?.dag) check(c, comps[c.componentRef]);
      };
      check(g.root, (spec.root ?? {}) as Comp);
    }
  });

  it('knows loops, conditions and exit handlers', function () {
    const shared = sharedDir();
    if (!shared) this.skip();
    const read = (f: string) => buildGraph(parsePipelineText(fs.readFileSync(path.join(shared!, 'kfp-samples/compiled', f), 'utf8')).spec!);
    const loops = read('valid__parallel_and_nested__pipeline_with_loops.yaml');
    assert.deepEqual(loops.root.children!.filter((c) => c.kind === 'loop').map((c) => c.key), ['for-loop-1', 'for-loop-2', 'for-loop-4']);
    assert.match(loops.byId.get('root/for-loop-4')!.iterator!.items!, /A_a/);
    const exit = read('valid__failing__pipeline_with_exit_handler.yaml');
    assert.equal(exit.byId.get('root/exit-handler-1')!.kind, 'exitHandler');
    assert.equal(exit.byId.get('root/print-op')!.triggerStrategy, 'ALL_UPSTREAM_TASKS_COMPLETED');
    const cond = read('valid__essential__pipeline_with_nested_conditions.yaml');
    assert.equal(cond.byId.get('root/condition-1/condition-2')!.kind, 'condition');
    assert.match(cond.byId.get('root/condition-1')!.condition!, /flip-coin-op-Output/);
  });
});

describe('run state from task_details (shaped as the real server sends them)', () => {
  it('maps every node of every sample to its task, derives executor pod names and spots cached steps', () => {
    let cachedSeen = 0;
    for (const [f, spec] of samples()) {
      const g = buildGraph(spec);
      const view = buildWorkflow(spec, 'abcdef12-0000', 0, 100_000, 1, false);
      const details = taskDetails(view, 'abcdef12-0000');
      assert.ok(details.every((d) => !d.pod_name && !d.parent_task_id), 'no pod_name, no parent_task_id, as the real server');
      const st = mergeTaskDetails(g, details);
      assert.equal(st.workflowName, view.name);
      const podsFound = new Set<string>();
      const visit = (n: GraphNode, id: string) => {
        if (n.kind === 'task' || n.kind === 'importer') {
          const s = st.nodes.get(id);
          assert.ok(s, `${f}: ${id} has a state`);
          assert.equal(s.state, 'SUCCEEDED', `${f}: ${id}`);
          if (s.podName) podsFound.add(s.podName); else { assert.equal(s.cached, true, `${f}: ${id} without a pod is cached`); cachedSeen++; }
          return;
        }
        if (n.kind === 'loop') { for (const it of st.iterations.get(id) ?? []) for (const c of n.children ?? []) visit(c, `${id}[${it.index}]/${c.key}`); return; }
        for (const c of n.children ?? []) visit(c, `${id}/${c.key}`);
      };
      visit(g.root, 'root');
      assert.deepEqual([...podsFound].sort(), [...view.pods.keys()].sort(), `${f}: executor pods`);
      assert.deepEqual(st.unmatched, [], `${f}: every node placed`);
    }
    assert.ok(cachedSeen > 0, 'some steps came from the cache');
  });

  it('a failing run: the failed step, the steps that never started, counts over loop iterations', () => {
    const spec = parsePipelineText(fs.readFileSync(path.join(FIX, 'hello_pipeline.yaml'), 'utf8')).spec!;
    const g = buildGraph(spec);
    const st = mergeTaskDetails(g, taskDetails(buildWorkflow(spec, 'run-1', 0, 1000, 1, true), 'run-1'));
    assert.equal(st.nodes.get('root/shout')?.state, 'FAILED');
    assert.equal(st.nodes.get('root/say-hello')?.state, 'SUCCEEDED');
    const fan = { pipelineInfo: { name: 'fan' }, root: { dag: { tasks: { loop: { componentRef: { name: 'comp-for-loop-1' }, taskInfo: { name: 'loop' }, parameterIterator: { itemInput: 'x', items: { raw: '[1,2,3,4]' } } } } } }, components: { 'comp-for-loop-1': { dag: { tasks: { a: { componentRef: { name: 'comp-a' }, taskInfo: { name: 'a' } }, b: { componentRef: { name: 'comp-a' }, taskInfo: { name: 'b' }, dependentTasks: ['a'] } } } }, 'comp-a': { executorLabel: 'exec-a' } }, deploymentSpec: { executors: { 'exec-a': { container: { image: 'x' } } } } } as unknown as JsonObject;
    const fg = buildGraph(fan);
    const half = mergeTaskDetails(fg, taskDetails(buildWorkflow(fan, 'run-2', 0, 8000, 0.5, false), 'run-2'));
    assert.equal(half.iterations.get('root/loop')?.length, 3, 'iterations that started');
    assert.deepEqual(countStates(fg.root, half), { SUCCEEDED: 4, RUNNING: 1, PENDING: 1 });
    assert.equal(leaves(fg.root).length, 2);
  });

  it('reads a v1 run from its workflow, with compressedNodes', () => {
    const nodes = {
      wf: { id: 'wf', type: 'DAG', phase: 'Running', children: ['wf-1'] },
      'wf-1': { id: 'wf-1', type: 'Pod', displayName: 'fetch', templateName: 'fetch', phase: 'Succeeded', children: ['wf-2'] },
      'wf-2': { id: 'wf-2', type: 'Pod', displayName: 'score', templateName: 'score', phase: 'Running' },
    };
    const wf = { metadata: { name: 'wf' }, status: { compressedNodes: gzipSync(JSON.stringify(nodes)).toString('base64') } };
    const { graph, state } = graphFromWorkflow(wf);
    assert.deepEqual(graph.root.edges, [['wf-1', 'wf-2']]);
    assert.equal(state.nodes.get('root/wf-2')?.state, 'RUNNING');
    assert.equal(state.nodes.get('root/wf-1')?.podName, 'wf-fetch-1');
  });

  it('the emulator serves task_details that fit the official API and the mapping', async () => {
    const emu = new KfpEmulator({ seed: 'none', runDurationMs: 10_000 });
    const client = new KfpClient({ baseUrl: await emu.start() });
    try {
      await client.connect();
      const spec = parsePipelineText(fs.readFileSync(path.join(FIX, 'hello_pipeline.yaml'), 'utf8')).spec!;
      const run = await client.createRun({ display_name: 'r', pipeline_spec: spec });
      emu.clock.advance(4_000);
      const mid = await client.getRun(run.run_id!);
      const st = mergeTaskDetails(buildGraph(spec), mid.run_details?.task_details ?? []);
      assert.equal(st.nodes.get('root/say-hello')?.state, 'RUNNING');
      emu.clock.advance(20_000);
      const done = await client.getRun(run.run_id!);
      const st2 = mergeTaskDetails(buildGraph(spec), done.run_details?.task_details ?? []);
      assert.equal(st2.nodes.get('root/shout')?.state, 'SUCCEEDED');
      assert.deepEqual(emu.violations, []);
    } finally { await emu.stop(); }
  });
});

describe('the Argo Workflow by its run label', () => {
  it('gives the same run state as task_details, through the Kubernetes API', async () => {
    const emu = new KfpEmulator({ seed: 'none', runDurationMs: 10_000 });
    const client = new KfpClient({ baseUrl: await emu.start() });
    try {
      await client.connect();
      const spec = parsePipelineText(fs.readFileSync(path.join(FIX, 'hello_pipeline.yaml'), 'utf8')).spec!;
      const run = await client.createRun({ display_name: 'wf', pipeline_spec: spec });
      emu.clock.advance(7_000);
      const wf = await workflowOfRun({ server: emu.url, headers: {} }, 'kubeflow', run.run_id!);
      assert.ok(wf);
      const fromWf = mergeTaskDetails(buildGraph(spec), taskDetailsFromWorkflow(wf as Parameters<typeof taskDetailsFromWorkflow>[0], run.run_id!));
      const fromApi = mergeTaskDetails(buildGraph(spec), (await client.getRun(run.run_id!)).run_details!.task_details!);
      assert.deepEqual([...fromWf.nodes.entries()].map(([k, v]) => [k, v.state, v.podName]), [...fromApi.nodes.entries()].map(([k, v]) => [k, v.state, v.podName]));
      assert.equal(await workflowOfRun({ server: emu.url, headers: {} }, 'kubeflow', 'no-such-run'), undefined);
    } finally { await emu.stop(); }
  });
});

describe('step inputs and outputs', () => {
  it('say where each input comes from, with the run\'s value for pipeline parameters', () => {
    const spec = parsePipelineText(fs.readFileSync(path.join(FIX, 'hello_pipeline.yaml'), 'utf8')).spec!;
    const vg = viewGraph(buildGraph(spec), { recipient: 'kfp' });
    const hello = vg.nodes.find((n) => n.id === 'root/say-hello')!;
    const shout = vg.nodes.find((n) => n.id === 'root/shout')!;
    assert.deepEqual(hello.inputs, ['name ← pipeline parameter recipient = "kfp"']);
    assert.deepEqual(hello.outputs, ['Output: STRING']);
    assert.deepEqual(shout.inputs, ['text ← output Output of say-hello']);
  });
});
