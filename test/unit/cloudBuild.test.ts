// Building a component folder on (emulated) Cloud Build, as gcloud builds submit does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { NodeTransport } from '../../src/core/http/transport';
import { CloudBuildClient, GcpError, stagingBucketName } from '../../src/core/cloudbuild/cloudBuild';
import { planSubmit, submitBuild } from '../../src/core/cloudbuild/submit';
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
