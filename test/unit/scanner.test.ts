import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mightHavePipeline, parseParams, scanPython } from '../../src/core/python/scanner';

const WS = path.resolve(__dirname, '../../../test/fixtures/workspace');

describe('Python pipeline scanner', () => {
  it('finds a v2 pipeline with a multi-line decorator, its name, description and typed parameters', () => {
    const src = [
      'from kfp import dsl, compiler',
      '',
      '@dsl.pipeline(',
      '    name="my-pipe",',
      "    description='does (things), really',",
      ')',
      'def my_pipeline(',
      '    text: str = "a, b",',
      '    n: int = 3,',
      '    ratio: float = 0.5,',
      '    flags: list = [1, 2],',
      '    cfg: dict = {"a": (1, 2)},',
      '    on: bool = True,',
      '    required_one: str,',
      ') -> None:',
      '    task = comp(text=text)',
      '',
      '    other(n=n)',
      'x = 1',
    ].join('\n');
    const r = scanPython(src);
    assert.equal(r.pipelines.length, 1);
    const p = r.pipelines[0];
    assert.deepEqual({ fn: p.functionName, name: p.displayName, desc: p.description, dec: p.decoratorLine, def: p.defLine, end: p.endLine },
      { fn: 'my_pipeline', name: 'my-pipe', desc: 'does (things), really', dec: 2, def: 6, end: 17 });
    assert.deepEqual(p.params, [
      { name: 'text', annotation: 'str', default: '"a, b"' },
      { name: 'n', annotation: 'int', default: '3' },
      { name: 'ratio', annotation: 'float', default: '0.5' },
      { name: 'flags', annotation: 'list', default: '[1, 2]' },
      { name: 'cfg', annotation: 'dict', default: '{"a": (1, 2)}' },
      { name: 'on', annotation: 'bool', default: 'True' },
      { name: 'required_one', annotation: 'str', default: undefined },
    ]);
  });

  it('knows the import forms people use', () => {
    const forms: Array<[string, string]> = [
      ['import kfp', '@kfp.dsl.pipeline(name="a")'],
      ['import kfp.dsl as dsl', '@dsl.pipeline'],
      ['from kfp import dsl as kd', '@kd.pipeline()'],
      ['from kfp.dsl import pipeline', '@pipeline(name="a")'],
      ['from kfp.dsl import pipeline as kfp_pipeline', '@kfp_pipeline'],
      ['from kfp.v2 import dsl', '@dsl.pipeline(name="v2-compat")'],
      ['import kfp as k', '@k.dsl.pipeline'],
    ];
    for (const [imp, dec] of forms) {
      const r = scanPython(`${imp}\n\n${dec}\ndef p(a: str = 'x'):\n    pass\n`);
      assert.equal(r.pipelines.length, 1, `${imp} / ${dec}`);
      assert.equal(r.pipelines[0].functionName, 'p');
    }
  });

  it('ignores decorators that are not KFP\'s', () => {
    const r = scanPython('import airflow\nfrom mylib import pipeline\n\n@pipeline\ndef a():\n    pass\n\n@airflow.dsl.pipeline\ndef b():\n    pass\n');
    assert.equal(r.pipelines.length, 0);
    assert.equal(r.importsKfp, false);
  });

  it('keeps a KFP decorator across other decorators', () => {
    const r = scanPython('from kfp import dsl\nimport functools\n\n@dsl.pipeline(name="x")\n@functools.wraps(f)\ndef p():\n    pass\n');
    assert.equal(r.pipelines[0]?.functionName, 'p');
    assert.equal(r.pipelines[0]?.decoratorLine, 3);
  });

  it('finds components, container components, loaded components and v1 ContainerOps', () => {
    const src = [
      'import kfp',
      'from kfp import dsl, components',
      'from kfp.components import load_component_from_file',
      'from kfp.dsl import (',
      '    component,',
      '    container_component,',
      ')',
      'a = load_component_from_file("comp/a.yaml")',
      'b = kfp.components.load_component_from_url("https://x/y.yaml")',
      'c = components.load_component_from_text(TEXT)',
      '@component(base_image="python:3.11")',
      'def add(x: int, y: int) -> int:',
      '    return x + y',
      '@container_component',
      'def echo(msg: str):',
      '    return dsl.ContainerSpec(image="alpine", command=["echo", msg])',
      '@dsl.pipeline(name="old")',
      'def old():',
      '    op = dsl.ContainerOp(',
      '        name="fetch",',
      '        image="busybox",',
      '        file_outputs={"rows": "/tmp/rows"},',
      '    )',
      '    dsl.ContainerOp(name="score", image="busybox")',
    ].join('\n');
    const r = scanPython(src);
    assert.deepEqual(r.components.map((c) => `${c.kind}:${c.functionName}`), ['component:add', 'containerComponent:echo']);
    assert.deepEqual(r.loadedComponents.map((c) => `${c.variable}:${c.source}:${c.argument ?? ''}`), ['a:file:comp/a.yaml', 'b:url:https://x/y.yaml', 'c:text:']);
    assert.deepEqual(r.containerOps.map((o) => `${o.name}:${o.hasFileOutputs}`), ['fetch:true', 'score:false']);
    assert.deepEqual(r.pipelines.map((p) => p.functionName), ['old']);
  });

  it('reads the sample workspace', () => {
    const v2 = scanPython(fs.readFileSync(path.join(WS, 'pipelines/training_pipeline.py'), 'utf8'));
    assert.deepEqual(v2.pipelines.map((p) => `${p.functionName}:${p.displayName}`), ['churn_training:churn-training']);
    assert.deepEqual(v2.components.map((c) => c.functionName), ['evaluate']);
    assert.equal(v2.loadedComponents.length, 2);
    const v1 = scanPython(fs.readFileSync(path.join(WS, 'pipelines/legacy_v1.py'), 'utf8'));
    assert.deepEqual(v1.pipelines.map((p) => p.functionName), ['legacy_scoring']);
    assert.equal(v1.containerOps.length, 2);
    assert.ok(mightHavePipeline(fs.readFileSync(path.join(WS, 'pipelines/legacy_v1.py'), 'utf8')));
    assert.equal(mightHavePipeline('print("hello")'), false);
  });

  it('splits parameters only at top-level commas', () => {
    assert.deepEqual(parseParams('a, b: "x,y" = "1,2", *args, c=(1, 2), **kw').map((p) => p.name), ['a', 'b', 'c']);
  });
});

describe('the scanner on what users really write', () => {
  it('does not read a return annotation as parameters', () => {
    const r = scanPython(['from kfp import dsl', '@dsl.component', 'def split(text: str, n: int = 2) -> NamedTuple("Outputs", [("left", str), ("right", str)]):', '    pass', '', '@dsl.pipeline(name="p")', 'def p(a: str,', '      b: int = 1,', ') -> None:', '    split(text=a)'].join('\n'));
    assert.deepEqual(r.components[0].params.map((x) => x.name), ['text', 'n']);
    assert.deepEqual(r.pipelines[0].params.map((x) => x.name), ['a', 'b']);
  });

  it('knows @dsl.notebook_component, decorators with comments or a space after @, and ignores decorators inside strings', () => {
    const r = scanPython([
      'from kfp import dsl', '', 'DOC = """', 'Example:', '@dsl.pipeline(name="not-real")', 'def fake():', '    pass', '"""', '',
      '@dsl.notebook_component(base_image="python:3.11")', 'def explore(x: int):', '    pass', '',
      '@dsl.pipeline  # the training pipeline', 'def first():', '    pass', '', '@ dsl.pipeline(name="second")', 'def second():', '    pass',
      "s = '@dsl.pipeline'",
    ].join('\n'));
    assert.deepEqual(r.pipelines.map((x) => x.functionName), ['first', 'second']);
    assert.deepEqual(r.components.map((x) => x.functionName), ['explore']);
  });

  it('stays linear on an unclosed @dsl.pipeline( (every keystroke while typing one)', () => {
    const body = Array.from({ length: 10_000 }, (_, i) => `x_${i} = call(${i}, "text (with brackets]")`).join('\n');
    const text = `from kfp import dsl\n@dsl.pipeline(\n${body}\n@dsl.pipeline(name="later")\ndef later():\n    pass\n`;
    // Its speed is a figure of `npm run bench` (bench/scanner.ts); here, that the scan gets past it.
    const r = scanPython(text);
    assert.deepEqual(r.pipelines.map((x) => x.functionName), ['later'], 'the scan goes on past the unclosed decorator');
  });
});
