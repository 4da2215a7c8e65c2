// Snippets, the placeholder grammar and the YAML schemas the extension contributes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import * as yaml from 'js-yaml';
import { sharedDir } from '../emulator/openapi';

const ROOT = path.resolve(__dirname, '../../..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const schema = (name: string) => new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(read(`syntaxes/schemas/${name}`)));

describe('authoring aids', () => {
  it('every contributed snippet file, grammar and schema exists and parses', () => {
    const pkg = JSON.parse(read('package.json')) as { contributes: { snippets: Array<{ path: string }>; grammars: Array<{ path: string }>; yamlValidation: Array<{ url: string }> } };
    for (const s of pkg.contributes.snippets) {
      const snippets = JSON.parse(read(s.path)) as Record<string, { prefix: string | string[]; body: string[] }>;
      assert.ok(Object.keys(snippets).length > 0, s.path);
      for (const [name, sn] of Object.entries(snippets)) assert.ok(sn.prefix && sn.body.length, `${s.path}: ${name}`);
    }
    for (const g of pkg.contributes.grammars) JSON.parse(read(g.path));
    for (const v of pkg.contributes.yamlValidation) JSON.parse(read(v.url));
  });

  it('the Python snippets cover the constructs the issue lists', () => {
    const names = Object.values(JSON.parse(read('snippets/python.json')) as Record<string, { body: string[] }>).map((s) => s.body.join('\n')).join('\n');
    for (const needle of ['@dsl.component', '@dsl.container_component', '@dsl.pipeline', 'dsl.ParallelFor', 'dsl.If', 'dsl.ExitHandler', 'dsl.importer', 'dsl.ContainerOp', 'file_outputs']) {
      assert.ok(names.includes(needle), needle);
    }
  });

  it('the injection grammar matches v1 and v2 placeholders', () => {
    const g = JSON.parse(read('syntaxes/kfp-placeholders.injection.tmLanguage.json')) as { repository: { 'v1-placeholder': { match: string }; 'v2-placeholder': { begin: string; end: string } } };
    const v1 = new RegExp(g.repository['v1-placeholder'].match);
    assert.deepEqual(['{inputValue: x}', '{outputPath: model_dir}', '{inputPath: data}'].map((s) => v1.exec(s)?.[2]), ['inputValue', 'outputPath', 'inputPath']);
    assert.equal(v1.exec('{name: x}'), null);
    const text = "--x {{$.inputs.parameters['x']}} --y {{$.outputs.parameters['y'].output_file}}";
    assert.equal(text.match(new RegExp(g.repository['v2-placeholder'].begin, 'g'))?.length, 2);
  });

  it('the component.yaml schema accepts the sample components and rejects a typo', () => {
    const validate = schema('component.schema.json');
    for (const f of ['preprocess', 'train']) assert.ok(validate(yaml.load(read(`test/fixtures/workspace/components/${f}/component.yaml`))), JSON.stringify(validate.errors));
    assert.equal(validate({ name: 'x', implementation: { container: { image: 'a', args: [{ inputValu: 'x' }] } } }), false);
  });

  it('the cloudbuild.yaml schema accepts the samples and rejects a step without a name', () => {
    const validate = schema('cloudbuild.schema.json');
    assert.ok(validate(yaml.load(read('test/fixtures/workspace/components/train/cloudbuild.yaml'))), JSON.stringify(validate.errors));
    assert.equal(validate({ steps: [{ args: ['build'] }] }), false);
  });

  it('the pipeline spec schema accepts every valid SDK-compiled sample and rejects the invalid ones', function () {
    const shared = sharedDir();
    if (!shared) this.skip();
    const validate = schema('pipeline-spec.schema.json');
    const dir = path.join(shared!, 'kfp-samples/compiled');
    for (const f of fs.readdirSync(dir)) {
      const doc = yaml.loadAll(fs.readFileSync(path.join(dir, f), 'utf8'))[0];
      assert.equal(validate(doc), f.startsWith('valid__'), `${f}: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
    }
  });
});
