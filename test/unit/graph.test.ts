import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildGraph, GraphNode, GraphTooLargeError } from '../../src/core/graph/model';
import { viewGraph } from '../../src/core/runView/viewModel';
import { parsePipelineText } from '../../src/core/pipeline/spec';
import type { JsonObject } from '../../src/core/kfp/types';
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

describe('specs that would never end', () => {
  const selfCalling = [
    'pipelineInfo: {name: loop-forever}', 'schemaVersion: 2.1.0',
    'root: {dag: {tasks: {a: {componentRef: {name: comp-a}, taskInfo: {name: a}}}}}',
    'components:', '  comp-a: {dag: {tasks: {x: {componentRef: {name: comp-b}, taskInfo: {name: x}}, y: {componentRef: {name: comp-b}, taskInfo: {name: y}}}}}',
    '  comp-b: {dag: {tasks: {z: {componentRef: {name: comp-a}, taskInfo: {name: z}}}}}',
    'deploymentSpec: {executors: {}}',
  ].join('\n');

  it('validation says a component calls itself, at the reference', () => {
    const p = parsePipelineText(selfCalling);
    const m = p.problems.find((x) => /calls itself/.test(x.message));
    assert.ok(m, JSON.stringify(p.problems));
    assert.match(m.message, /"comp-a" calls itself \(comp-a → comp-b → comp-a\)/);
    assert.equal(m.start.line, 5);
  });

  it('the graph builder draws a recursive component once, and stops at a step limit on exponential specs', () => {
    // That these end at all is the test (mocha's timeout catches one that does not); their speed is not timed here.
    const g = buildGraph(parsePipelineText(selfCalling).spec!);
    assert.equal(g.byId.get('root/a/x/z')?.recursive, true);
    // Thirty levels of a component used twice: 2^30 steps if expanded.
    const comps: Record<string, unknown> = { 'comp-leaf': { executorLabel: 'e' } };
    for (let i = 0; i < 30; i++) comps[`comp-${i}`] = { dag: { tasks: { l: { componentRef: { name: i === 29 ? 'comp-leaf' : `comp-${i + 1}` } }, r: { componentRef: { name: i === 29 ? 'comp-leaf' : `comp-${i + 1}` } } } } };
    const wide = { pipelineInfo: { name: 'w' }, root: { dag: { tasks: { t: { componentRef: { name: 'comp-0' } } } } }, components: comps, deploymentSpec: { executors: { e: { container: { image: 'x' } } } } } as unknown as JsonObject;
    assert.throws(() => buildGraph(wide, 50_000), GraphTooLargeError);
  });
});
