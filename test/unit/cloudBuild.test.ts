// Building a component folder on (emulated) Cloud Build, as gcloud builds submit does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { NodeTransport } from '../../src/core/http/transport';
import { CloudBuildClient, GcpError, stagingBucketName } from '../../src/core/cloudbuild/cloudBuild';
import { planSubmit, submitBuild } from '../../src/core/cloudbuild/submit';
import { componentTag, desiredTriggers, githubRepoOf, planTriggers, triggerName } from '../../src/core/cloudbuild/triggers';
import { GcpEmulator, tarEntries } from '../emulator/gcp';

describe('Cloud Build from the editor (against the emulator)', function () {
  this.timeout(30_000);
  let emu: GcpEmulator;
  let client: CloudBuildClient;
  let repo: string;
  beforeEach(async () => {
    emu = new GcpEmulator({ stepMs: 150, disabledApis: ['off-project'] });
    const url = await emu.start();
    client = new CloudBuildClient(new NodeTransport(), { cloudBuild: url, storage: url }, async () => 'secret-token');
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-repo-'));
    fs.mkdirSync(path.join(repo, 'components/prep'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'components/prep/Dockerfile'), 'FROM python:3.11\n');
    fs.writeFileSync(path.join(repo, 'components/prep/main.py'), 'print(1)\n');
    fs.writeFileSync(path.join(repo, 'components/prep/.gcloudignore'), '*.pyc\n');
    fs.writeFileSync(path.join(repo, 'components/prep/cache.pyc'), 'x');
  });
  afterEach(async () => { await emu.stop(); fs.rmSync(repo, { recursive: true, force: true }); });

  it('names the staging bucket as gcloud does', () => {
    assert.equal(stagingBucketName('my-proj'), 'my-proj_cloudbuild');
    assert.equal(stagingBucketName('example.com:google-proj'), 'example_com_elgoog-proj_cloudbuild');
  });

  it('stages the folder as gcloud packs it, builds, streams the whole log once, and sends no token to a non-Google host', async () => {
    const config = 'steps:\n- name: gcr.io/cloud-builders/docker\n  args: [build, -t, gcr.io/$PROJECT_ID/prep:$SHORT_SHA, .]\nimages: [gcr.io/$PROJECT_ID/prep:$SHORT_SHA]\n';
    const input = { projectId: 'proj', folder: path.join(repo, 'components/prep'), repoRoot: repo, configText: config, git: { commitSha: '0123456789abcdef0123456789abcdef01234567' } };
    const plan = planSubmit(input);
    assert.equal(plan.root, input.folder);
    // Trigger-only built-ins are filled in the request from the repository; the rest is left to Cloud Build.
    assert.deepEqual(plan.build.images, ['gcr.io/$PROJECT_ID/prep:0123456']);
    let log = '';
    const statuses: string[] = [];
    const r = await submitBuild(client, input, plan, { onLog: (t) => { log += t; }, onStatus: (b) => statuses.push(b.status!), pollMs: 50 });
    assert.equal(r.build.status, 'SUCCESS');
    assert.ok(statuses.includes('WORKING'));
    // The uploaded tarball holds what gcloud would upload: the .gcloudignore rules applied.
    const obj = emu.buckets.get('proj_cloudbuild')!.objects.get(r.object)!;
    assert.deepEqual(tarEntries(gunzipSync(obj.data)).sort(), ['.gcloudignore', 'Dockerfile', 'main.py']);
    assert.match(r.object, /^source\/\d+\.\d{6}-[0-9a-f]{32}\.tgz$/);
    // The log arrived in pieces (Range reads), each byte once, in order.
    const whole = emu.buckets.get('123456789.cloudbuild-logs.googleusercontent.com')!.objects.get(`log-${r.build.id}.txt`)!.data.toString('utf8');
    assert.equal(log, whole);
    assert.match(log, /^starting build "[0-9a-f-]+"\n/);
    assert.match(log, /DONE\n$/);
    const ranged = emu.requests.filter((q) => q.url.includes(`log-${r.build.id}.txt`));
    assert.ok(ranged.length >= 2, `${ranged.length} log reads`);
    assert.ok(emu.requests.every((q) => q.auth === undefined), 'no credential went to the emulator (not a Google host)');
  });

  it('uploads from the repository root when the config\'s steps run in dir: (written for a trigger), and says so', async () => {
    fs.writeFileSync(path.join(repo, 'README.md'), 'x');
    const config = 'steps:\n- name: gcr.io/cloud-builders/docker\n  dir: components/prep\n  args: [build, -t, gcr.io/p/prep, .]\n';
    const plan = planSubmit({ projectId: 'proj', folder: path.join(repo, 'components/prep'), repoRoot: repo, configText: config });
    assert.equal(plan.root, repo);
    assert.match(plan.why, /repository root: the steps of cloudbuild.yaml run in dir: components\/prep/);
    // The root's own rules apply (it has none and no git files: every file), not the folder's.
    assert.ok(plan.snapshot.files.some((f) => f.path === 'components/prep/cache.pyc'));
  });

  it('without a config: one docker build-and-push step, as gcloud builds submit --tag', () => {
    const plan = planSubmit({ projectId: 'proj', folder: path.join(repo, 'components/prep'), repoRoot: repo, tag: 'gcr.io/p/prep:1' });
    assert.deepEqual(plan.build.steps, [{ name: 'gcr.io/cloud-builders/docker', args: ['build', '--no-cache', '-t', 'gcr.io/p/prep:1', '.'] }]);
    assert.deepEqual(plan.build.images, ['gcr.io/p/prep:1']);
  });

  it('a failing step fails the build with its reason; cancelling cancels the build on the server', async () => {
    const failing = 'steps:\n- name: busybox\n  args: [sh, -c, exit 3]\n';
    const input = { projectId: 'proj', folder: path.join(repo, 'components/prep'), repoRoot: repo, configText: failing };
    const f = await submitBuild(client, input, planSubmit(input), { pollMs: 50 });
    assert.equal(f.build.status, 'FAILURE');
    assert.match(f.build.statusDetail ?? '', /step exited with non-zero status: 3/);
    const slow = 'steps:\n- {name: busybox, args: [sleep, "1"]}\n- {name: busybox, args: [sleep, "1"]}\n- {name: busybox, args: [sleep, "1"]}\n- {name: busybox, args: [sleep, "1"]}\n';
    const input2 = { ...input, configText: slow };
    const ac = new AbortController();
    const pending = submitBuild(client, input2, planSubmit(input2), { pollMs: 50, signal: ac.signal, onStatus: (b) => { if (b.status === 'WORKING') ac.abort(); } });
    const c = await pending;
    assert.equal(c.build.status, 'CANCELLED');
    assert.ok(emu.requests.some((q) => /:cancel$/.test(q.url)));
  });

  it('uploads a source over 5 MiB as gcloud\'s storage client does: a resumable session in chunks, resumed after failed chunks', async () => {
    const big = path.join(repo, 'big.bin');
    const data = randomBytes(12 * 1024 * 1024 + 12345);
    fs.writeFileSync(big, data);
    emu.addBucket('proj_cloudbuild', 'proj');
    emu.options.failUploadChunks = 2;
    const progress: number[] = [];
    const obj = await client.uploadFile('proj_cloudbuild', 'source/x.tgz', big, { chunkBytes: 1024 * 1024, onProgress: (n) => progress.push(n) });
    assert.equal(obj.size, String(data.length));
    assert.ok(emu.buckets.get('proj_cloudbuild')!.objects.get('source/x.tgz')!.data.equals(data), 'the object is the file, byte for byte');
    const puts = emu.requests.filter((q) => q.method === 'PUT');
    assert.ok(puts.every((q) => (q.bytes ?? 0) <= 1024 * 1024), 'no request carries more than a chunk');
    assert.equal(puts.filter((q) => (q.bytes ?? 0) > 0).length, 13 + 2, 'thirteen chunks, two of them sent twice');
    assert.equal(puts.filter((q) => q.bytes === 0).length, 2, 'the session asked where it was after each failure');
    assert.deepEqual(progress.slice(-1), [data.length]);
    // 5 MiB or less: one media request.
    fs.writeFileSync(big, data.subarray(0, 1000));
    await client.uploadFile('proj_cloudbuild', 'source/small.tgz', big);
    assert.ok(emu.requests.some((q) => q.url.includes('uploadType=media') && q.url.includes('small.tgz')));
  });

  it('never sends the source to another host than the storage API, whatever Location the session names', async () => {
    const sent: string[] = [];
    const fake = { request: async (r: { method: string; url: URL }) => { sent.push(`${r.method} ${r.url.host}`); return { status: 200, headers: { location: 'https://evil.example/upload?upload_id=1' }, body: Buffer.alloc(0) }; } };
    const c = new CloudBuildClient(fake, { cloudBuild: 'https://cloudbuild.googleapis.com', storage: 'https://storage.googleapis.com' }, async () => 'tok');
    const big = path.join(repo, 'big2.bin');
    fs.writeFileSync(big, Buffer.alloc(6 * 1024 * 1024));
    await assert.rejects(c.uploadFile('b', 'o', big), /upload session is on another host \(https:\/\/evil\.example\); nothing was sent/);
    assert.deepEqual(sent, ['POST storage.googleapis.com']);
  });

  it('refuses a staging bucket another project owns, uploading nothing', async () => {
    emu.addBucket('proj_cloudbuild', 'someone-else');
    const input = { projectId: 'proj', folder: path.join(repo, 'components/prep'), repoRoot: repo, tag: 'gcr.io/p/x' };
    await assert.rejects(submitBuild(client, input, planSubmit(input)), (e: Error) => /owned by another project.*Nothing was uploaded/.test(e.message));
    assert.equal(emu.buckets.get('proj_cloudbuild')!.objects.size, 0);
  });

  it('a disabled API names the page that enables it', async () => {
    const input = { projectId: 'off-project', folder: path.join(repo, 'components/prep'), repoRoot: repo, tag: 'gcr.io/p/x' };
    await assert.rejects(submitBuild(client, input, planSubmit(input)), (e: GcpError) => e.reason === 'SERVICE_DISABLED' && /Enable the API at https:\/\/console\.developers\.google\.com\/apis\/api\/cloudbuild\.googleapis\.com\/overview\?project=off-project/.test(e.message));
  });
});

describe('CI triggers per component folder (against the emulator)', () => {
  let emu: GcpEmulator;
  let client: CloudBuildClient;
  beforeEach(async () => {
    emu = new GcpEmulator();
    const url = await emu.start();
    client = new CloudBuildClient(new NodeTransport(), { cloudBuild: url, storage: url }, undefined);
  });
  afterEach(async () => { await emu.stop(); });

  const components = [{ dir: 'components/preprocess', cloudbuild: 'components/preprocess/cloudbuild.yaml' }, { dir: 'components/train', cloudbuild: 'components/train/cloudbuild.yaml' }, { dir: 'components/no-config' }];

  async function apply(plan: ReturnType<typeof planTriggers>): Promise<void> {
    for (const p of plan) {
      if (p.action === 'create') await client.createTrigger('proj', p.desired!);
      if (p.action === 'update') await client.updateTrigger('proj', p.existing!.id!, p.desired!);
    }
  }

  it('plans one trigger per folder with a cloudbuild.yaml, applies it, and a second plan changes nothing', async () => {
    const repo = { kind: 'github' as const, ...githubRepoOf('git@github.com:acme/churn-model.git')! };
    assert.deepEqual(repo, { kind: 'github', owner: 'acme', name: 'churn-model' });
    const desired = desiredTriggers({ components, repo, branch: '^main$' });
    assert.deepEqual(desired.map((t) => [t.name, t.includedFiles, t.filename, t.github?.push?.branch]), [
      ['kfp-components-preprocess', ['components/preprocess/**'], 'components/preprocess/cloudbuild.yaml', '^main$'],
      ['kfp-components-train', ['components/train/**'], 'components/train/cloudbuild.yaml', '^main$'],
    ]);
    // Someone else's trigger is never touched or called orphaned.
    await client.createTrigger('proj', { name: 'their-trigger', github: { owner: 'acme', name: 'other', push: { branch: '.*' } }, filename: 'cloudbuild.yaml' });
    const first = planTriggers(desired, await client.listTriggers('proj'));
    assert.deepEqual(first.map((p) => p.action), ['create', 'create']);
    await apply(first);
    const again = planTriggers(desiredTriggers({ components, repo, branch: '^main$' }), await client.listTriggers('proj'));
    assert.deepEqual(again.map((p) => p.action), ['unchanged', 'unchanged']);
    // A changed branch updates both in place (same IDs); a folder gone leaves its trigger orphaned, not deleted.
    const ids = (await client.listTriggers('proj')).map((t) => t.id).sort();
    const changed = planTriggers(desiredTriggers({ components: components.slice(1), repo, branch: '^release$' }), await client.listTriggers('proj'));
    assert.deepEqual(changed.map((p) => [p.action, p.name, p.changes]), [['update', 'kfp-components-train', ['github']], ['orphaned', 'kfp-components-preprocess', []]]);
    await apply(changed);
    assert.deepEqual((await client.listTriggers('proj')).map((t) => t.id).sort(), ids);
    assert.equal((await client.listTriggers('proj')).find((t) => t.name === 'kfp-components-train')!.github!.push!.branch, '^release$');
  });

  it('2nd-gen repository connections, long folder names, and running a trigger by hand', async () => {
    const repo = { kind: 'connection' as const, repository: 'projects/proj/locations/europe-west1/connections/gh/repositories/churn-model' };
    const long = 'components/' + 'a-very-long-folder-name/'.repeat(4) + 'step';
    const [t] = desiredTriggers({ components: [{ dir: long, cloudbuild: `${long}/cloudbuild.yaml` }], repo, branch: '^main$' });
    assert.ok(t.name!.length <= 64 && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(t.name!), t.name!);
    assert.equal(triggerName('kfp', long), t.name, 'stable');
    assert.deepEqual(t.repositoryEventConfig, { repository: repo.repository, push: { branch: '^main$' } });
    const created = await client.createTrigger('proj', t);
    const build = await client.runTrigger('proj', created.id!, 'main');
    assert.equal(build.buildTriggerId, created.id);
  });

  it('a trigger\'s build runs like any build, and a component\'s recent builds are those tagged for it plus its trigger\'s', async () => {
    const [t] = desiredTriggers({ components: [components[1]], repo: { kind: 'github', owner: 'me', name: 'churn' }, branch: '^main$' });
    const trig = await client.createTrigger('proj', t);
    const fromTrigger = await client.runTrigger('proj', trig.id!, 'main');
    assert.deepEqual(fromTrigger.source, { repoSource: { branchName: 'main' } });
    let log = '';
    const end = await client.follow('proj', fromTrigger, { pollMs: 50, onLog: (x) => { log += x; } });
    assert.equal(end.status, 'SUCCESS');
    assert.match(log, /Fetching the repository at branch main/);
    // An editor build of the same folder is tagged with the folder's tag; another folder's is not listed.
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-tags-'));
    try {
      for (const d of ['components/train', 'components/preprocess']) { fs.mkdirSync(path.join(repo, d), { recursive: true }); fs.writeFileSync(path.join(repo, d, 'Dockerfile'), 'FROM scratch\n'); }
      const cfg = 'steps:\n- name: gcr.io/cloud-builders/docker\n  args: [build, .]\ntags: [mine]\n';
      const plan = planSubmit({ projectId: 'proj', folder: path.join(repo, 'components/train'), repoRoot: repo, configText: cfg });
      assert.deepEqual(plan.build.tags, ['mine', 'kfp-vscode', componentTag('components/train')]);
      const ed = await submitBuild(client, { projectId: 'proj', folder: path.join(repo, 'components/train'), repoRoot: repo, configText: cfg }, plan, { pollMs: 50 });
      const other = planSubmit({ projectId: 'proj', folder: path.join(repo, 'components/preprocess'), repoRoot: repo, configText: cfg });
      await submitBuild(client, { projectId: 'proj', folder: path.join(repo, 'components/preprocess'), repoRoot: repo, configText: cfg }, other, { pollMs: 50 });
      const recent = await client.recentBuilds('proj', componentTag('components/train'), trig.id!);
      assert.deepEqual(recent.map((b) => b.id), [ed.build.id, fromTrigger.id], 'newest first, the other folder left out');
      assert.ok(emu.requests.some((q) => decodeURIComponent(q.url).includes('filter=tags="kfp-components-train"')));
      await assert.rejects(client.listBuilds('proj', 'images:"x"'), /invalid filter/);
    } finally { fs.rmSync(repo, { recursive: true, force: true }); }
  });
});
