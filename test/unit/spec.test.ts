import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { parsePipelineText, pipelineParameters, specForRun, parseParameterValue } from '../../src/core/pipeline/spec';
import { sharedDir } from '../emulator/openapi';
import type { JsonObject } from '../../src/core/kfp/types';

const FIX = path.resolve(__dirname, '../../../test/fixtures/pipelines');

describe('compiled pipeline files', () => {
  const shared = sharedDir();

  it('every valid SDK-compiled sample parses as IR with no problem', function () {
    if (!shared) this.skip();
    const dir = path.join(shared!, 'kfp-samples/compiled');
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('valid__'));
    assert.ok(files.length >= 10);
    for (const f of files) {
      const p = parsePipelineText(fs.readFileSync(path.join(dir, f), 'utf8'));
      assert.equal(p.kind, 'ir', f);
      assert.deepEqual(p.problems.filter((x) => x.severity === 'error'), [], f);
      assert.ok(p.name, f);
    }
  });

  it('the invalid samples get clear messages at the right line', function () {
    if (!shared) this.skip();
    const dir = path.join(shared!, 'kfp-samples/compiled');
    const noName = parsePipelineText(fs.readFileSync(path.join(dir, 'invalid__no_name.yaml'), 'utf8'));
    assert.match(noName.problems[0].message, /no name/);
    assert.equal(noName.problems[0].start.line, 15);
    const unknown = parsePipelineText(fs.readFileSync(path.join(dir, 'invalid__invalid_yaml.yaml'), 'utf8'));
    const msg = unknown.problems.map((p) => `${p.start.line}: ${p.message}`).join('\n');
    assert.match(msg, /^2: Unknown top-level key "components_1"/m);
    assert.match(msg, /not in "components"/, 'tasks that refer to the missing components are reported too');
  });

  it('the backend-compiled Argo workflows parse as Argo', function () {
    if (!shared) this.skip();
    const dir = path.join(shared!, 'kfp-samples/argo-workflows');
    for (const f of fs.readdirSync(dir)) {
      const p = parsePipelineText(fs.readFileSync(path.join(dir, f), 'utf8'));
      assert.equal(p.kind, 'argo', f);
      assert.deepEqual(p.problems, [], f);
      assert.ok(pipelineParameters(p).every((x) => !x.name.startsWith('components-')));
    }
  });

  it('reads parameters with types, defaults and optional flags', () => {
    const p = parsePipelineText(fs.readFileSync(path.join(FIX, 'hello_pipeline.yaml'), 'utf8'));
    assert.deepEqual(pipelineParameters(p), [{ name: 'recipient', type: 'STRING', default: 'world', optional: true, description: undefined }]);
  });

  it('wraps a platform spec as {pipeline_spec, platform_spec}', () => {
    const p = parsePipelineText(fs.readFileSync(path.join(FIX, 'with_platform_spec.yaml'), 'utf8'));
    assert.deepEqual(p.problems, []);
    const s = specForRun(p);
    assert.ok('pipeline_spec' in s && 'platform_spec' in s);
  });

  it('explains empty files, non-YAML, duplicate keys, unrelated YAML and bad references', () => {
    assert.match(parsePipelineText('# only a comment\n').problems[0].message, /empty/);
    assert.match(parsePipelineText('a: [1, 2\n').problems[0].message, /./);
    assert.match(parsePipelineText('a: 1\na: 2\n').problems[0].message, /unique|duplicate/i);
    assert.match(parsePipelineText('steps:\n- name: x\n').problems[0].message, /neither a KFP pipeline spec/);
    const bad = parsePipelineText([
      'pipelineInfo: {name: x}', 'schemaVersion: 2.1.0', 'components:', '  comp-a: {executorLabel: exec-missing}',
      'root:', '  dag:', '    tasks:', '      a: {componentRef: {name: comp-a}, dependentTasks: [ghost]}', '      b: {componentRef: {name: comp-nope}}',
    ].join('\n'));
    const m = bad.problems.map((p) => `${p.start.line}: ${p.message}`).join('\n');
    assert.match(m, /^3: Executor "exec-missing"/m);
    assert.match(m, /^7: Task "a" depends on "ghost"/m);
    assert.match(m, /^8: Task "b" refers to component "comp-nope"/m);
  });

  it('parses typed parameter values', () => {
    assert.equal(parseParameterValue('NUMBER_INTEGER', '42'), 42);
    assert.throws(() => parseParameterValue('NUMBER_INTEGER', '4.2'), /whole number/);
    assert.equal(parseParameterValue('NUMBER_DOUBLE', '0.5'), 0.5);
    assert.equal(parseParameterValue('BOOLEAN', 'False'), false);
    assert.deepEqual(parseParameterValue('LIST', '[1, "a"]'), [1, 'a']);
    assert.throws(() => parseParameterValue('STRUCT', '[1]'), /mapping/);
    assert.equal(parseParameterValue('STRING', ' keep spaces '), ' keep spaces ');
  });
});

describe('YAML as the KFP SDK (PyYAML) writes it', () => {
  it('reads long quoted strings folded at the indentation of the list\'s dash, as PyYAML and the backend do, and leaves block scalars alone', () => {
    const text = [
      '# PIPELINE DEFINITION', 'components:', '  comp-a:', '    executorLabel: exec-a',
      'deploymentSpec:', '  executors:', '    exec-a:', '      container:', '        args:', '        - --executor_input',
      '        - "this is a long string that PyYAML folds over', '        several lines at the dash\'s indentation"',
      "        - 'a single-quoted one that it''s also folding", "        here'",
      '        command:', '        - sh', '        - -c', '        - |', '          echo "not closed here', '          exit 0',
      '        image: python:3.11',
      'pipelineInfo:', '  name: folded', 'root:', '  dag:', '    tasks:', '      a:', '        componentRef:', '          name: comp-a', '        taskInfo:', '          name: a',
      'schemaVersion: 2.1.0', 'sdkVersion: kfp-2.14.0', '',
    ].join('\n');
    const p = parsePipelineText(text);
    assert.deepEqual(p.problems, []);
    const c = ((p.spec!.deploymentSpec as JsonObject).executors as Record<string, { container: { args: string[]; command: string[] } }>)['exec-a'].container;
    assert.deepEqual(c.args, ['--executor_input', 'this is a long string that PyYAML folds over several lines at the dash\'s indentation', 'a single-quoted one that it\'s also folding here']);
    assert.equal(c.command[2], 'echo "not closed here\nexit 0\n');
    // The same values as PyYAML reads (the SDK's own library), where python3 has it.
    let py: string | undefined;
    try { py = execFileSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] }); } catch { /* no PyYAML here */ }
    if (py) assert.deepEqual(p.spec, JSON.parse(py));
    else console.log('      (PyYAML is not installed: the comparison with it was skipped)');
  });
});

describe('YAML problems', () => {
  it('end in a full stop, not a dangling colon, are said once each, and at most five', () => {
    const text = 'a: "x\nb: [1, 2\nc: {d: 1\n  e: "unterminated\n' + 'f: [\n'.repeat(20);
    const msgs = parsePipelineText(text).problems.map((x) => x.message);
    assert.ok(msgs.length <= 6, msgs.join(' | '));
    assert.ok(msgs.every((m) => !/:\s*$/.test(m) && !/at line \d+, column \d+/.test(m)), msgs.join(' | '));
    assert.equal(new Set(msgs).size, msgs.length);
  });
});

describe('which files are compiled pipelines', () => {
  it('a JSON file that only mentions "pipelineInfo" is not one; top-level IR keys or an Argo Workflow are', async () => {
    const { looksLikePipeline } = await import('../../src/core/pipeline/spec.js');
    assert.equal(looksLikePipeline('{"docs": {"pipelineInfo": "see the KFP docs"}, "name": "x"}', true), false);
    assert.equal(looksLikePipeline('{"pipelineInfo": {"name": "p"}, "root": {}}', true), true);
    assert.equal(looksLikePipeline('{"pipeline_spec": {"pipelineInfo": {"name": "p"}, "root": {}}}', true), true);
    assert.equal(looksLikePipeline('{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow"}', true), true);
    assert.equal(looksLikePipeline('notes:\n  pipelineInfo: not top level\n', false), false);
    assert.equal(looksLikePipeline('# PIPELINE DEFINITION\npipelineInfo:\n  name: p\n', false), true);
  });
});

describe('parameters of backend-compiled v2 workflows', () => {
  it('offers none of the spec-carrying arguments (components-*, implementations-*, kubernetes-comp-*)', () => {
    const wf = ['apiVersion: argoproj.io/v1alpha1', 'kind: Workflow', 'metadata: {generateName: p-}', 'spec:', '  entrypoint: entrypoint', '  arguments:', '    parameters:',
      '    - {name: components-abc, value: "{}"}', '    - {name: implementations-abc, value: "{}"}', '    - {name: kubernetes-comp-train, value: "{\\"secretAsEnv\\": []}"}', '    - {name: message, value: hello}',
      '  templates:', '  - name: entrypoint', '    dag: {tasks: []}'].join('\n');
    const p = parsePipelineText(wf);
    assert.deepEqual(pipelineParameters(p).map((x) => x.name), ['message']);
  });
});
