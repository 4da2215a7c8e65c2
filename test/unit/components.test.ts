import * as assert from 'node:assert/strict';
import { describeComponent, findImageUses, parseComponentYaml, resolveCommandLine, usesOf } from '../../src/core/components/components';
import { imageFromTemplate, parseCloudBuildConfig, parseImage, substitute } from '../../src/core/components/images';

// The article's shape: one folder per step, a cloudbuild.yaml written for a trigger at the repository root.
const ARTICLE_CLOUDBUILD = `steps:
- name: 'gcr.io/cloud-builders/docker'
  dir: 'components/preprocess'
  args: ['build', '-t', 'gcr.io/$PROJECT_ID/preprocess:$SHORT_SHA', '-t', 'gcr.io/$PROJECT_ID/preprocess:latest', '.']
images: ['gcr.io/$PROJECT_ID/preprocess:$SHORT_SHA', 'gcr.io/$PROJECT_ID/preprocess:latest']
`;

const COMPONENT = `name: Preprocess
description: Splits the data
inputs:
- {name: bucket, type: String}
- {name: ratio, type: Float, default: '0.8'}
- {name: config, type: JSON, optional: true}
outputs:
- {name: train, type: Dataset}
implementation:
  container:
    image: gcr.io/my-proj/preprocess:v1
    command: [python, /app/main.py]
    args: [--bucket, {inputValue: bucket}, --ratio, {inputValue: ratio},
      {if: {cond: {isPresent: config}, then: [--config, {inputPath: config}]}},
      --out, {outputPath: train}, {concat: [--tag=, {inputValue: bucket}]}]
`;

describe('component folders', () => {
  it('image references split into repository, tag and digest, a registry port kept', () => {
    assert.deepEqual(parseImage('127.0.0.1:5000/team/step:v1'), { repository: '127.0.0.1:5000/team/step', tag: 'v1', digest: undefined });
    assert.deepEqual(parseImage('us-docker.pkg.dev/p/r/x@sha256:abc'), { repository: 'us-docker.pkg.dev/p/r/x', tag: undefined, digest: 'sha256:abc' });
    assert.deepEqual(parseImage('localhost:5000/x'), { repository: 'localhost:5000/x', tag: undefined, digest: undefined });
  });

  it('substitutes as Cloud Build does: $VAR, ${VAR}, $$; unknown names are listed, not guessed', () => {
    const r = substitute('gcr.io/$PROJECT_ID/${_NAME}:$SHORT_SHA-$$x-$TAG_NAME', { projectId: 'p', commitSha: '0123456789abcdef', user: { _NAME: 'train' } });
    assert.equal(r.text, 'gcr.io/p/train:0123456-$x-$TAG_NAME');
    assert.deepEqual(r.unresolved, ['TAG_NAME']);
  });

  it('reads the images of a cloudbuild.yaml: images:, else the -t of a docker build, else a kaniko destination; and its step dirs', () => {
    const a = parseCloudBuildConfig(ARTICLE_CLOUDBUILD);
    assert.deepEqual([a.imagesFrom, a.images.length, a.stepDirs], ['images', 2, ['components/preprocess']]);
    const b = parseCloudBuildConfig(`steps:\n- name: gcr.io/cloud-builders/docker\n  args: [build, --tag=gcr.io/p/x:1, .]\n`);
    assert.deepEqual([b.imagesFrom, b.images], ['docker-tag', ['gcr.io/p/x:1']]);
    const k = parseCloudBuildConfig(`steps:\n- name: gcr.io/kaniko-project/executor:latest\n  args: ['--destination=gcr.io/p/k:1', '--cache=true']\noptions: {logging: CLOUD_LOGGING_ONLY}\n`);
    assert.deepEqual([k.imagesFrom, k.images, k.logging], ['kaniko', ['gcr.io/p/k:1'], 'CLOUD_LOGGING_ONLY']);
    assert.match(parseCloudBuildConfig('steps: [').problems[0], /not valid YAML/);
  });

  it('names an image from the template: lower-case repository, the tag kept; says what the template misses', () => {
    assert.deepEqual(imageFromTemplate('{registry}/{folder}:{tag}', { registry: 'europe-docker.pkg.dev/P/ml', folder: 'Train_Model', path: 'steps/Train_Model', tag: 'abc1234' }), { image: 'europe-docker.pkg.dev/p/ml/train_model:abc1234', missing: [] });
    assert.deepEqual(imageFromTemplate('{registry}/{path}:{tag}', { folder: 'x', path: 'a/x', tag: 't' }).missing, ['registry']);
  });

  it('describes a folder: its files, the images of its cloudbuild.yaml with what is not known yet, its component inputs', () => {
    const files: Record<string, string> = { 'components/preprocess/cloudbuild.yaml': ARTICLE_CLOUDBUILD, 'components/preprocess/component.yaml': COMPONENT };
    const c = describeComponent('components/preprocess/Dockerfile', {
      filesIn: () => ['Dockerfile', 'cloudbuild.yaml', 'component.yaml', 'main.py'], read: (p) => files[p], context: { projectId: 'my-proj' }, tag: 'latest',
    });
    assert.equal(c.cloudbuild, 'components/preprocess/cloudbuild.yaml');
    assert.equal(c.imageSource, 'cloudbuild');
    assert.deepEqual(c.images, ['gcr.io/my-proj/preprocess:$SHORT_SHA', 'gcr.io/my-proj/preprocess:latest']);
    assert.deepEqual(c.unresolved, ['SHORT_SHA']);
    assert.deepEqual(c.spec!.inputs.map((i) => [i.name, i.optional]), [['bucket', false], ['ratio', true], ['config', true]]);
    const t = describeComponent('train/Containerfile', { filesIn: () => ['Containerfile'], read: () => undefined, context: {}, template: '{registry}/{folder}:{tag}', registry: '127.0.0.1:5000/ml', tag: 'abc1234' });
    assert.deepEqual([t.images, t.imageSource], [['127.0.0.1:5000/ml/train:abc1234'], 'template']);
    const none = describeComponent('x/Dockerfile', { filesIn: () => ['Dockerfile'], read: () => undefined, context: {}, template: '{registry}/{folder}:{tag}', tag: 't' });
    assert.match(none.problems[0], /needs \{registry\}: set kfp\.components\.registry/);
  });

  it('builds the try-out command line from component.yaml: values, input files, output paths, if/isPresent and concat', () => {
    const spec = parseComponentYaml(COMPONENT);
    const r = resolveCommandLine(spec, { bucket: 'gs://b/data.csv' }, '/kfp-try');
    assert.deepEqual(r.argv, ['python', '/app/main.py', '--bucket', 'gs://b/data.csv', '--ratio', '0.8', '--out', '/kfp-try/outputs/train', '--tag=gs://b/data.csv']);
    assert.deepEqual(r.outputFiles, { train: '/kfp-try/outputs/train' });
    const withConfig = resolveCommandLine(spec, { bucket: 'b', config: '{"a":1}' }, '/w');
    assert.ok(withConfig.argv.includes('--config') && withConfig.argv.includes('/w/inputs/config'));
    assert.deepEqual(resolveCommandLine(spec, {}, '/w').missing, ['bucket']);
  });

  it('finds where workspace files name an image, and which uses are a component\'s (any tag, unknown substitutions as wildcards)', () => {
    const py = [
      "op = dsl.ContainerOp(name='pre', image='gcr.io/my-proj/preprocess:v1', arguments=[])",
      '@dsl.component(base_image="python:3.11")',
      "    return dsl.ContainerSpec(image='gcr.io/my-proj/preprocess@sha256:abc', command=['x'])",
    ].join('\n');
    const uses = [
      ...findImageUses('pipeline.py', py),
      ...findImageUses('components/preprocess/component.yaml', COMPONENT),
      ...findImageUses('pipeline.yaml', 'deploymentSpec:\n  executors:\n    exec-pre:\n      container:\n        image: gcr.io/my-proj/preprocess:old\n'),
      ...findImageUses('pipeline.json', '{"deploymentSpec": {"executors": {"e": {"container": {"image": "gcr.io/other/x:1"}}}}}'),
    ];
    assert.deepEqual(uses.map((u) => [u.file, u.line, u.image, u.kind]), [
      ['pipeline.py', 0, 'gcr.io/my-proj/preprocess:v1', 'python'], ['pipeline.py', 1, 'python:3.11', 'python'], ['pipeline.py', 2, 'gcr.io/my-proj/preprocess@sha256:abc', 'python'],
      ['components/preprocess/component.yaml', 10, 'gcr.io/my-proj/preprocess:v1', 'component-yaml'],
      ['pipeline.yaml', 4, 'gcr.io/my-proj/preprocess:old', 'compiled-ir'],
      ['pipeline.json', 0, 'gcr.io/other/x:1', 'compiled-ir'],
    ]);
    // The ranges cover the name exactly (they are what an update replaces).
    const first = uses[0];
    assert.equal(py.split('\n')[0].slice(first.start, first.end), 'gcr.io/my-proj/preprocess:v1');
    const comp = { dir: 'components/preprocess', dockerfile: '', images: ['gcr.io/$PROJECT_ID/preprocess:$SHORT_SHA'], imageSource: 'cloudbuild' as const, unresolved: [], problems: [] };
    assert.deepEqual(usesOf(comp, uses).map((u) => u.image), ['gcr.io/my-proj/preprocess:v1', 'gcr.io/my-proj/preprocess@sha256:abc', 'gcr.io/my-proj/preprocess:v1', 'gcr.io/my-proj/preprocess:old']);
  });
});
