// Component folders inside VS Code, with real engines: the Docker engine and
// buildah build a FROM scratch image, try it with the component's inputs, push it
// to a registry on loopback and point the workspace pipelines at what was pushed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { gunzipSync } from 'node:zlib';
import { api, run, waitFor } from './helpers';
import { GcpEmulator, tarEntries } from '../../emulator/gcp';

const REGISTRY = process.env.KFP_TEST_REGISTRY ?? '';
const BUSYBOX = process.env.KFP_TEST_BUSYBOX ?? '';

describe('component folders: build, try and push with real engines', function () {
  this.timeout(120_000);
  const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const dir = () => path.join(ws(), 'components', 'echo');
  const cfg = () => vscode.workspace.getConfiguration('kfp');

  before(async function () {
    if (!REGISTRY || !BUSYBOX || !process.env.DOCKER_HOST) {
      console.log(`      (skipped: no container engine here: ${process.env.KFP_TEST_ENGINES_WHY || 'not started'})`);
      this.skip();
    }
    fs.mkdirSync(dir(), { recursive: true });
    fs.copyFileSync(BUSYBOX, path.join(dir(), 'busybox'));
    fs.writeFileSync(path.join(dir(), 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "mkdir", "-p", "/app"]\nENTRYPOINT ["/bin/busybox"]\n');
    fs.writeFileSync(path.join(dir(), 'component.yaml'), [
      'name: Echo', 'inputs:', '- {name: message, type: String}', 'outputs:', '- {name: result, type: String}', 'implementation:', '  container:',
      `    image: ${REGISTRY}/ml/echo:old`,
      '    command: [/bin/busybox, sh, -c, \'echo "$0" > "$1"; echo wrote "$1"\', {inputValue: message}, {outputPath: result}]', '',
    ].join('\n'));
    fs.writeFileSync(path.join(ws(), 'pipelines', 'echo_pipeline.py'), [
      'from kfp import dsl', '', '', '@dsl.container_component', 'def echo(message: str):',
      `    return dsl.ContainerSpec(image="${REGISTRY}/ml/echo:old", command=["/bin/busybox", "echo"], args=[message])`, '',
    ].join('\n'));
    await cfg().update('components.registry', `${REGISTRY}/ml`, vscode.ConfigurationTarget.Global);
    await cfg().update('components.engine', 'docker', vscode.ConfigurationTarget.Global);
    await run('kfp.components.refresh');
  });
  after(async () => {
    for (const k of ['components.registry', 'components.engine']) await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(dir(), { recursive: true, force: true });
    fs.rmSync(path.join(ws(), 'pipelines', 'echo_pipeline.py'), { force: true });
  });

  type Listed = { dir: string; images: string[]; imageSource: string; uses: Array<{ file: string; image: string; kind: string }>; build?: { state: string }; push?: { digest?: string } };
  const listed = async (): Promise<Listed[]> => (await run('kfp.components.list')).components as Listed[];

  it('lists every folder with a Dockerfile, its image and where workspace pipelines use it', async () => {
    const all = await listed();
    assert.deepEqual(all.map((c) => c.dir).sort(), ['components/echo', 'components/preprocess', 'components/train']);
    const echo = all.find((c) => c.dir === 'components/echo')!;
    // No cloudbuild.yaml: the component.yaml names the image (the naming template is for folders where nothing does); it is a use too.
    assert.deepEqual([echo.images, echo.imageSource], [[`${REGISTRY}/ml/echo:old`], 'component.yaml']);
    assert.deepEqual(echo.uses.map((u) => [u.file, u.kind]).sort(), [['components/echo/component.yaml', 'component-yaml'], ['pipelines/echo_pipeline.py', 'python']]);
    const pre = all.find((c) => c.dir === 'components/preprocess')!;
    assert.equal(pre.imageSource, 'cloudbuild');
    // Its component.yaml and the v1 pipeline name it (and so do pipelines compiled by earlier tests).
    for (const f of ['components/preprocess/component.yaml', 'pipelines/legacy_v1.py']) assert.ok(pre.uses.some((u) => u.file === f), f);
    // The view shows them.
    const a = await api();
    const roots = await a.components.getChildren();
    assert.ok(roots.some((n) => (a.components.getTreeItem(n).label as string) === 'echo'));
  });

  it('builds with the Docker engine as a task, tries the image with the component\'s inputs, pushes it and updates the references', async () => {
    const b = await run('kfp.component.build', { dir: 'components/echo' });
    assert.equal(b.ok, true, b.error);
    assert.equal(b.engine, 'docker');
    assert.deepEqual(b.images, [`${REGISTRY}/ml/echo:old`]);
    // The try-out run: values with shell characters reach the program as they are.
    const t = await run('kfp.component.try', { dir: 'components/echo', inputs: { message: 'hi; $(touch /tmp/x) `id`' } });
    assert.equal(t.ok, true, t.error);
    assert.deepEqual(t.outputs, { result: 'hi; $(touch /tmp/x) `id`\n' });
    const p = await run('kfp.component.push', { dir: 'components/echo', update: 'digest', preview: false });
    assert.equal(p.ok, true, p.error);
    assert.match(p.digest as string, /^sha256:[0-9a-f]{64}$/);
    assert.equal(p.stale, 2);
    const up = p.updated as { edits: number; applied: boolean; to: string };
    assert.deepEqual([up.edits, up.applied], [2, true]);
    // Applied as a refactoring: the files are changed and saved (files.refactoring.autoSave).
    const pyPath = path.join(ws(), 'pipelines', 'echo_pipeline.py');
    const py = await waitFor(() => { const t = fs.readFileSync(pyPath, 'utf8'); return t.includes(`image="${REGISTRY}/ml/echo@${p.digest}"`) ? t : undefined; }, 'the pipeline file saved with the digest');
    assert.ok(py.includes('command=["/bin/busybox", "echo"]'), 'only the image changed');
    // The registry serves that digest.
    const head = await fetch(`http://${REGISTRY}/v2/ml/echo/manifests/${p.digest}`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    assert.equal(head.status, 200);
    // The view remembers the build and the push.
    await run('kfp.components.refresh');
    const echo = (await listed()).find((c) => c.dir === 'components/echo')!;
    assert.equal(echo.build?.state, 'succeeded');
    assert.equal(echo.push?.digest, p.digest);
    assert.ok(echo.uses.every((u) => u.image === `${REGISTRY}/ml/echo@${p.digest}`));
  });

  it('points the pipelines at a given image with Update Pipelines to the Pushed Image, and says what to pass when nothing was pushed', async () => {
    const r = await run('kfp.component.updateReferences', { dir: 'components/echo', image: `${REGISTRY}/ml/echo:v9`, preview: false });
    assert.equal(r.ok, true, r.error);
    assert.deepEqual([r.edits, r.applied, r.to], [2, true, `${REGISTRY}/ml/echo:v9`]);
    const pyPath = path.join(ws(), 'pipelines', 'echo_pipeline.py');
    await waitFor(() => fs.readFileSync(pyPath, 'utf8').includes(`image="${REGISTRY}/ml/echo:v9"`), 'the pipeline file saved with the tag');
    const none = await run('kfp.component.updateReferences', { dir: 'components/preprocess' });
    assert.equal(none.ok, false);
    assert.match(none.error!, /Push the image first, or pass \{image\}/);
  });

  it('puts a failing RUN at its Dockerfile line in the Problems view, and clears it when the build passes', async () => {
    const df = path.join(dir(), 'Dockerfile');
    const good = fs.readFileSync(df, 'utf8');
    fs.writeFileSync(df, good.replace('RUN ["/bin/busybox", "mkdir", "-p", "/app"]', 'RUN ["/bin/busybox", "sh", "-c", "echo broken; exit 7"]'));
    try {
      const b = await run('kfp.component.build', { dir: 'components/echo' });
      assert.equal(b.ok, false);
      assert.equal(b.line, 2);
      const diags = await waitFor(() => { const d = vscode.languages.getDiagnostics(vscode.Uri.file(df)); return d.length ? d : undefined; }, 'a diagnostic on the Dockerfile');
      assert.equal(diags[0].range.start.line, 2);
      assert.match(diags[0].message, /RUN failed: .*(non-zero code: 7|exit status 7)/);
    } finally { fs.writeFileSync(df, good); }
    const again = await run('kfp.component.build', { dir: 'components/echo' });
    assert.equal(again.ok, true, again.error);
    assert.equal(vscode.languages.getDiagnostics(vscode.Uri.file(df)).length, 0);
  });

  it('terminating the task cancels a running build', async () => {
    const df = path.join(dir(), 'Dockerfile');
    const good = fs.readFileSync(df, 'utf8');
    fs.writeFileSync(df, good + 'RUN ["/bin/busybox", "sleep", "60"]\n');
    try {
      const started = Date.now();
      const earlier = new Set(vscode.tasks.taskExecutions);
      const pending = run('kfp.component.build', { dir: 'components/echo' });
      const exec = await waitFor(() => vscode.tasks.taskExecutions.find((e) => !earlier.has(e) && e.task.definition.type === 'kfp-build' && e.task.definition.action === 'build'), 'the build task');
      await new Promise((r) => setTimeout(r, 1500));
      exec.terminate();
      const r = await pending;
      assert.equal(r.ok, false);
      assert.equal(r.cancelled, true);
      assert.ok(Date.now() - started < 30_000, 'it did not wait for the 60 s step');
    } finally { fs.writeFileSync(df, good); }
  });

  it('builds and pushes with buildah (no daemon)', async () => {
    await cfg().update('components.engine', 'buildah', vscode.ConfigurationTarget.Global);
    try {
      const t0 = Date.now();
      const b = await run('kfp.component.build', { dir: 'components/echo', image: `${REGISTRY}/ml/echo-buildah:1` });
      console.log(`      (buildah build: ${Date.now() - t0} ms)`);
      assert.equal(b.ok, true, b.error);
      assert.equal(b.engine, 'buildah');
      const t1 = Date.now();
      const p = await run('kfp.component.push', { dir: 'components/echo', update: 'none' });
      console.log(`      (buildah push: ${Date.now() - t1} ms)`);
      assert.equal(p.ok, true, p.error);
      assert.match(p.digest as string, /^sha256:/);
      const t = await run('kfp.component.try', { dir: 'components/echo', inputs: { message: 'x' } });
      assert.equal(t.ok, false);
      assert.match(t.error!, /Try runs a container: set kfp.components.engine to docker or podman/);
    } finally { await cfg().update('components.engine', 'docker', vscode.ConfigurationTarget.Global); }
  });

  it('auto passes over a docker client whose engine does not answer, for buildah', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    await cfg().update('components.engine', 'auto', vscode.ConfigurationTarget.Global);
    try {
      const b = await run('kfp.component.build', { dir: 'components/echo', image: `${REGISTRY}/ml/echo-auto:1` });
      assert.equal(b.ok, true, b.error);
      assert.equal(b.engine, 'buildah');
    } finally {
      process.env.DOCKER_HOST = saved;
      await cfg().update('components.engine', 'docker', vscode.ConfigurationTarget.Global);
    }
  });

  it('says what is wrong: no such folder, no engine', async () => {
    const r = await run('kfp.component.build', { dir: 'nowhere' });
    assert.equal(r.ok, false);
    assert.match(r.error!, /Pick a component/);
    await cfg().update('components.engine', 'podman', vscode.ConfigurationTarget.Global);
    try {
      const p = await run('kfp.component.build', { dir: 'components/echo' });
      assert.equal(p.ok, false);
      assert.match(p.error!, /podman was not found on PATH/);
    } finally { await cfg().update('components.engine', 'docker', vscode.ConfigurationTarget.Global); }
  });
});

describe('component folders: build on (emulated) Cloud Build', function () {
  this.timeout(60_000);
  let gcp: GcpEmulator;
  const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
  const cfg = () => vscode.workspace.getConfiguration('kfp');
  const sha = '89abcdef0123456789abcdef0123456789abcdef';
  before(async () => {
    gcp = new GcpEmulator({ stepMs: 200, disabledApis: ['no-api-project'] });
    await gcp.start();
    // A repository HEAD (read from the files, no git runs) gives $SHORT_SHA as a trigger would.
    fs.mkdirSync(path.join(ws(), '.git'), { recursive: true });
    fs.writeFileSync(path.join(ws(), '.git', 'HEAD'), `${sha}\n`);
    await cfg().update('cloudBuild.project', 'my-project', vscode.ConfigurationTarget.Global);
    await cfg().update('cloudBuild.apiRoot', gcp.url, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    for (const k of ['cloudBuild.project', 'cloudBuild.apiRoot']) await cfg().update(k, undefined, vscode.ConfigurationTarget.Global);
    fs.rmSync(path.join(ws(), '.git'), { recursive: true, force: true });
    await gcp.stop();
  });

  it('uploads the folder as gcloud would, builds it, streams its log into the task terminal and records the result', async () => {
    const r = await run('kfp.component.cloudBuild', { dir: 'components/preprocess' });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.status, 'SUCCESS');
    assert.deepEqual(r.images, [`europe-docker.pkg.dev/$PROJECT_ID/churn/preprocess:${sha.slice(0, 7)}`]);
    const [, bucket, object] = /^gs:\/\/([^/]+)\/(.+)$/.exec(r.source as string)!;
    assert.equal(bucket, 'my-project_cloudbuild');
    const entries = tarEntries(gunzipSync(gcp.buckets.get(bucket)!.objects.get(object)!.data)).sort();
    assert.deepEqual(entries, ['Dockerfile', 'cloudbuild.yaml', 'component.yaml', 'main.py']);
    // No Google credential went to a non-Google root.
    assert.ok(gcp.requests.every((q) => q.auth === undefined));
    await run('kfp.components.refresh');
    const pre = ((await run('kfp.components.list')).components as Array<{ dir: string; cloudBuild?: { state: string; buildId?: string } }>).find((c) => c.dir === 'components/preprocess')!;
    assert.deepEqual([pre.cloudBuild?.state, pre.cloudBuild?.buildId], ['succeeded', r.buildId]);
  });

  it('plans one CI trigger per component folder from the origin remote, applies it, and a second plan is all unchanged', async () => {
    fs.writeFileSync(path.join(ws(), '.git', 'config'), '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://github.com/acme/churn-model.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
    const dry = await run('kfp.components.ciTriggers', { apply: false });
    assert.equal(dry.ok, true, dry.error);
    assert.equal(dry.applied, false);
    assert.equal(gcp.triggers.size, 0, 'a plan creates nothing');
    const plan = dry.plan as Array<{ action: string; name: string; includedFiles: string[]; filename: string }>;
    assert.deepEqual(plan.map((p) => [p.action, p.name, p.includedFiles[0], p.filename]), [
      ['create', 'kfp-components-preprocess', 'components/preprocess/**', 'components/preprocess/cloudbuild.yaml'],
      ['create', 'kfp-components-train', 'components/train/**', 'components/train/cloudbuild.yaml'],
    ]);
    const applied = await run('kfp.components.ciTriggers', { apply: true });
    assert.equal(applied.ok, true, applied.error);
    assert.deepEqual(applied.done, ['kfp-components-preprocess', 'kfp-components-train']);
    assert.deepEqual([...gcp.triggers.values()].map((t) => [t.trigger.github?.owner, t.trigger.github?.name, t.trigger.github?.push?.branch]), [['acme', 'churn-model', '^main$'], ['acme', 'churn-model', '^main$']]);
    const again = await run('kfp.components.ciTriggers', { apply: true });
    assert.equal(again.summary, 'create 0, update 0, unchanged 2, orphaned 0');
  });

  it('runs a component\'s CI trigger by hand, and shows its trigger and recent builds (editor and trigger) under Cloud Build in the view', async () => {
    const ran = await run('kfp.component.runTrigger', { dir: 'components/preprocess', branch: 'main' });
    assert.equal(ran.ok, true, ran.error);
    assert.equal(ran.trigger, 'kfp-components-preprocess');
    const hist = await waitFor(async () => {
      const h = await run('kfp.component.cloudBuilds', { dir: 'components/preprocess' });
      const builds = h.builds as Array<{ id: string; status: string; fromTrigger: boolean }>;
      return builds.find((b) => b.id === ran.buildId)?.status === 'SUCCESS' ? h : undefined;
    }, 'the trigger\'s build to succeed', 20_000);
    assert.equal((hist.trigger as { name: string }).name, 'kfp-components-preprocess');
    const builds = hist.builds as Array<{ id: string; fromTrigger: boolean }>;
    assert.deepEqual(builds.map((b) => b.fromTrigger), [true, false], 'the trigger\'s build, then the editor build of the earlier test');
    // The same in the tree: Components → preprocess → Cloud Build → trigger, builds.
    const view = (await api()).components;
    const comp = (await view.getChildren()).find((n) => n.kind === 'component' && n.c.dir === 'components/preprocess')!;
    const cloud = (await view.getChildren(comp)).find((n) => n.kind === 'cloud')!;
    assert.ok(cloud, 'a Cloud Build node under the component');
    const items = (await view.getChildren(cloud)).map((n) => view.getTreeItem(n));
    assert.match(String(items[0].label), /^Trigger kfp-components-preprocess$/);
    assert.match(String(items[0].description), /^last build success/);
    assert.equal(items.length, 3);
    assert.deepEqual(items.slice(1).map((i) => i.command?.command), ['kfp.component.openBuild', 'kfp.component.openBuild']);
    const none = await run('kfp.component.runTrigger', { dir: 'components/nowhere' });
    assert.equal(none.ok, false);
  });

  it('a repository Cloud Build is not connected to is said, with the console page that connects it', async () => {
    gcp.options.connectedRepos = ['acme/churn-model'];
    try {
      const r = await run('kfp.components.ciTriggers', { apply: true, repo: 'acme/not-connected' });
      assert.equal(r.ok, false);
      assert.match(r.error!, /^Cloud Build is not connected to acme\/not-connected: connect it at https:\/\/console\.cloud\.google\.com\/cloud-build\/triggers\/connect\?project=\d+/);
      assert.match(String(r.connectUrl), /triggers\/connect\?project=/);
      assert.deepEqual(r.applied, [], 'nothing half-applied');
      assert.ok([...gcp.triggers.values()].every((t) => t.trigger.github?.name === 'churn-model'), 'the existing triggers are untouched');
    } finally { gcp.options.connectedRepos = undefined; }
  });

  it('a disabled Cloud Build API is said with the page that enables it', async () => {
    await cfg().update('cloudBuild.project', 'no-api-project', vscode.ConfigurationTarget.Global);
    try {
      const r = await run('kfp.component.cloudBuild', { dir: 'components/preprocess' });
      assert.equal(r.ok, false);
      assert.match(r.error!, /Enable the API at https:\/\/console\.developers\.google\.com\/apis\/api\/cloudbuild\.googleapis\.com\/overview\?project=no-api-project/);
    } finally { await cfg().update('cloudBuild.project', 'my-project', vscode.ConfigurationTarget.Global); }
  });
});
