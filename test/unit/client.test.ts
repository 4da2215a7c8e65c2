import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KfpClient } from '../../src/core/kfp/client';
import { KfpError } from '../../src/core/kfp/errors';
import { nameContains } from '../../src/core/kfp/filter';
import { BearerAuth, CookieAuth, UserHeaderAuth } from '../../src/core/auth/simple';
import { KfpEmulator } from '../emulator/server';
import { sharedDir } from '../emulator/openapi';

async function withEmulator(opts: ConstructorParameters<typeof KfpEmulator>[0], fn: (e: KfpEmulator, c: KfpClient) => Promise<void>, clientOpts: Partial<ConstructorParameters<typeof KfpClient>[0]> = {}): Promise<void> {
  const e = new KfpEmulator(opts);
  const url = await e.start();
  try {
    const c = new KfpClient({ baseUrl: url, timeoutMs: 5000, ...clientOpts });
    await fn(e, c);
    assert.deepEqual(e.violations, [], 'the emulator saw traffic that does not match the official API');
  } finally {
    await e.stop();
  }
}

describe('KfpClient against the emulator', function () {
  before(function () {
    if (!sharedDir()) console.log('    (../shared absent: contract checks against the official swagger are off)');
  });

  it('detects v2beta1 and reads the API server healthz', () => withEmulator({}, async (_e, c) => {
    const info = await c.connect();
    assert.equal(info.apiVersion, 'v2beta1');
    assert.equal(info.viaUiServer, false);
    assert.equal(info.version, '2.5.0');
  }));

  it('recognises the UI server healthz and still uses v2beta1', () => withEmulator({ uiServer: true }, async (_e, c) => {
    const info = await c.connect();
    assert.equal(info.viaUiServer, true);
    assert.equal(info.apiVersion, 'v2beta1');
  }));

  it('falls back to v1beta1 on a KFP 1.x server and reads everything through it', () => withEmulator({ apiVersion: 'v1beta1' }, async (_e, c) => {
    const info = await c.connect();
    assert.equal(info.apiVersion, 'v1beta1');
    const pipelines = await c.listPipelines({ pageSize: 5 });
    assert.ok(pipelines.items.length > 0);
    assert.ok(pipelines.items[0].pipeline_id && pipelines.items[0].display_name);
    const versions = await c.listPipelineVersions(pipelines.items[0].pipeline_id!);
    assert.ok(versions.items.length >= 1);
    const exps = await c.listExperiments({ sortBy: 'created_at desc' });
    assert.ok(exps.items.some((x) => x.storage_state === 'ARCHIVED'));
    const runs = await c.listRuns({ experimentId: exps.items[0].experiment_id, pageSize: 3 });
    for (const r of runs.items) assert.ok(r.state, 'v1 status mapped to a v2 state');
    const run = await c.getRun(runs.items[0].run_id!);
    assert.equal(run.run_id, runs.items[0].run_id);
    const jobs = await c.listRecurringRuns();
    assert.ok(jobs.items.some((j) => j.status === 'DISABLED') && jobs.items.some((j) => j.status === 'ENABLED'));
    await assert.rejects(c.createExperiment('x'), /v2beta1/);
  }));

  it('pages with page_token, keeping sort_by and the filter, and never asks for more than 200', () => withEmulator({ extraRuns: 450 }, async (e, c) => {
    await c.connect();
    const seen = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await c.listRuns({ pageSize: 1000, pageToken: token, sortBy: 'created_at desc', filter: nameContains('bulk', 'display_name') });
      assert.ok(page.items.length <= 200);
      for (const r of page.items) seen.add(r.run_id!);
      token = page.nextPageToken;
      pages++;
    } while (token);
    assert.equal(seen.size, 450);
    assert.equal(pages, 3);
    const urls = e.requests.filter((r) => r.url.includes('/runs?')).map((r) => new URL(r.url, 'http://x').searchParams);
    assert.ok(urls.every((q) => q.get('page_size') === '200'));
  }));

  it('the server rejects a page token used with another sort order, with its own message', () => withEmulator({ extraRuns: 30 }, async (_e, c) => {
    await c.connect();
    const first = await c.listRuns({ pageSize: 10, sortBy: 'created_at desc' });
    await assert.rejects(c.listRuns({ pageSize: 10, sortBy: 'display_name', pageToken: first.nextPageToken }),
      (err: KfpError) => err.status === 400 && /page token does not match/.test(err.message));
  }));

  it('encodes the filter so that + and % in a value survive the server\'s second unescape', () => withEmulator({ seed: 'none' }, async (_e, c) => {
    await c.connect();
    const names = ['a+b 100%', 'a b 100%', 'plain'];
    for (const n of names) await c.createExperiment(n);
    const found = await c.listExperiments({ filter: nameContains('a+b 100%', 'display_name') });
    assert.deepEqual(found.items.map((x) => x.display_name), ['a+b 100%']);
  }));

  it('reads recurring runs from the camelCase recurringRuns key, enables and disables them', () => withEmulator({}, async (_e, c) => {
    await c.connect();
    const page = await c.listRecurringRuns();
    assert.equal(page.items.length, 2);
    const disabled = page.items.find((r) => r.status === 'DISABLED')!;
    await c.enableRecurringRun(disabled.recurring_run_id!);
    assert.equal((await c.getRecurringRun(disabled.recurring_run_id!)).status, 'ENABLED');
    await c.disableRecurringRun(disabled.recurring_run_id!);
    assert.equal((await c.getRecurringRun(disabled.recurring_run_id!)).status, 'DISABLED');
  }));

  it('treats the epoch as "not finished" and moves runs through their states on the emulator clock', () => withEmulator({ seed: 'none', runDurationMs: 10_000 }, async (e, c) => {
    await c.connect();
    const spec = JSON.parse(JSON.stringify((await import('js-yaml')).load(fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/pipelines/hello_pipeline.yaml'), 'utf8'))));
    const run = await c.createRun({ display_name: 'r1', pipeline_spec: spec, runtime_config: { parameters: { recipient: 'kfp' } } });
    assert.equal(run.state, 'PENDING');
    assert.equal(run.finished_at, '1970-01-01T00:00:00Z');
    e.clock.advance(5_000);
    assert.equal((await c.getRun(run.run_id!)).state, 'RUNNING');
    e.clock.advance(10_000);
    const done = await c.getRun(run.run_id!);
    assert.equal(done.state, 'SUCCEEDED');
    assert.notEqual(done.finished_at, '1970-01-01T00:00:00Z');
    assert.deepEqual(done.state_history?.map((h) => h.state), ['PENDING', 'RUNNING', 'SUCCEEDED']);
  }));

  it('terminates, retries, archives and deletes runs', () => withEmulator({ seed: 'none' }, async (e, c) => {
    await c.connect();
    const run = await c.createRun({ display_name: 'long', pipeline_spec: { pipelineInfo: { name: 'x' }, root: {} } });
    await c.terminateRun(run.run_id!);
    e.clock.advance(2_000);
    assert.equal((await c.getRun(run.run_id!)).state, 'CANCELED');
    await c.retryRun(run.run_id!);
    assert.equal((await c.getRun(run.run_id!)).state, 'RUNNING');
    await c.archiveRun(run.run_id!);
    assert.equal((await c.getRun(run.run_id!)).storage_state, 'ARCHIVED');
    await c.deleteRun(run.run_id!);
    await assert.rejects(c.getRun(run.run_id!), (err: KfpError) => err.isNotFound && /not found/i.test(err.message));
  }));

  it('uploads a pipeline as multipart uploadfile, gets 409 for a taken name, and uploads a version', () => withEmulator({ seed: 'none' }, async (_e, c) => {
    await c.connect();
    const file = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/pipelines/hello_pipeline.yaml'));
    const p = await c.uploadPipeline('hello_pipeline.yaml', file, { name: 'hello', tags: { team: 'ml' } });
    assert.equal(p.display_name, 'hello');
    await assert.rejects(c.uploadPipeline('hello_pipeline.yaml', file, { name: 'hello' }),
      (err: KfpError) => err.isConflict && /already exists/.test(err.message));
    const v = await c.uploadPipelineVersion(p.pipeline_id!, 'hello_pipeline.yaml', file, { name: 'hello-v2' });
    assert.equal(v.pipeline_id, p.pipeline_id);
    assert.ok(v.pipeline_spec && (v.pipeline_spec as { pipelineInfo?: unknown }).pipelineInfo);
    assert.equal((await c.getPipelineByName('hello'))?.pipeline_id, p.pipeline_id);
    assert.equal(await c.getPipelineByName('nope'), undefined);
    await assert.rejects(c.uploadPipeline('model.pkl', file), /\.yaml/);
    await assert.rejects(c.uploadPipeline('big.yaml', Buffer.alloc(33 * 1024 * 1024)), /32 MiB/);
  }));

  it('reads the upload error shape {error_message, error_details}', () => withEmulator({ seed: 'none' }, async (_e, c) => {
    await c.connect();
    await assert.rejects(c.uploadPipeline('x.yaml', Buffer.from('pipelineInfo: {}\nroot: {}\n')),
      (err: KfpError) => err.status === 400 && /pipelineInfo\.name is empty/.test(err.message));
  }));

  it('the server rejects unknown request fields, as protojson does', () => withEmulator({ seed: 'none' }, async (_e, c) => {
    await c.connect();
    await assert.rejects(c.createRun({ display_name: 'x', pipeline_spec: {}, ...({ bogus: 1 } as object) }),
      (err: KfpError) => err.status === 400 && /unknown field/.test(err.message));
  }));

  for (const status of [401, 403, 500, 503]) {
    it(`reports an injected ${status} with the server's message`, () => withEmulator({}, async (e, c) => {
      e.addFault({ match: 'GET /apis/v2beta1/runs$', status, count: 1 });
      await c.connect();
      await assert.rejects(c.listRuns(), (err: KfpError) => err.status === status && err.message.includes(`injected fault ${status}`));
      assert.ok((await c.listRuns()).items.length > 0, 'the next call works again');
    }));
  }

  it('reports a dropped connection as a network error', () => withEmulator({}, async (e, c) => {
    e.addFault({ match: 'runs', drop: true, count: 1 });
    await c.connect();
    await assert.rejects(c.listRuns(), (err: KfpError) => err.kind === 'network');
  }));

  it('reports malformed JSON without crashing', () => withEmulator({}, async (e, c) => {
    e.addFault({ match: 'runs', malformed: true, count: 1 });
    await c.connect();
    await assert.rejects(c.listRuns(), (err: KfpError) => err.kind === 'malformed' && /not JSON/.test(err.message));
  }));

  it('times out on latency longer than the timeout', () => withEmulator({}, async (e) => {
    const c = new KfpClient({ baseUrl: e.url, timeoutMs: 200 });
    e.addFault({ match: 'runs', latencyMs: 1000, count: 1 });
    await c.connect();
    await assert.rejects(c.listRuns(), (err: KfpError) => err.kind === 'timeout' && /no answer within/.test(err.message));
  }));

  it('cancels through an AbortSignal', () => withEmulator({}, async (e, c) => {
    e.addFault({ match: 'runs', latencyMs: 1000, count: 1 });
    await c.connect();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(c.listRuns({}, ac.signal), (err: KfpError) => err.kind === 'cancelled');
  }));

  it('reports a refused connection', async () => {
    const c = new KfpClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 2000 });
    await assert.rejects(c.connect(), (err: KfpError) => err.kind === 'network' && /ECONNREFUSED/.test(err.message));
  });

  describe('multi-user', () => {
    const mu = { multiUser: true, tokens: { 'good-token': 'alice@example.com' }, access: { 'alice@example.com': ['kubeflow-user-example-com'] } };

    it('needs an identity, then a namespace', () => withEmulator(mu, async (e) => {
      const anon = new KfpClient({ baseUrl: e.url, namespace: 'kubeflow-user-example-com' });
      const info = await anon.connect();
      assert.equal(info.multiUser, true);
      await assert.rejects(anon.listRuns(), /no user identity header/);
      const noNs = new KfpClient({ baseUrl: e.url, auth: new BearerAuth('good-token') });
      await noNs.connect();
      await assert.rejects(noNs.listExperiments(), /namespace/);
      const ok = new KfpClient({ baseUrl: e.url, auth: new BearerAuth('good-token'), namespace: 'kubeflow-user-example-com' });
      await ok.connect();
      assert.ok((await ok.listExperiments()).items.length > 0);
      assert.ok((await ok.listRuns()).items.length > 0);
      const header = new KfpClient({ baseUrl: e.url, auth: new UserHeaderAuth('alice@example.com'), namespace: 'kubeflow-user-example-com' });
      assert.ok((await header.listRecurringRuns()).items.length > 0);
      const other = new KfpClient({ baseUrl: e.url, auth: new BearerAuth('good-token'), namespace: 'someone-else' });
      await assert.rejects(other.listRuns(), (err: KfpError) => err.status === 403);
      const badToken = new KfpClient({ baseUrl: e.url, auth: new BearerAuth('bad'), namespace: 'kubeflow-user-example-com' });
      await assert.rejects(badToken.listRuns(), (err: KfpError) => err.status === 401);
    }));

    it('follows no sign-in redirect: says a cookie is needed, then works with the session cookie under /pipeline', () => withEmulator({ ...mu, basePath: '/pipeline', sessions: { 'sess-123': 'alice@example.com' } }, async (e) => {
      const anon = new KfpClient({ baseUrl: e.url });
      await assert.rejects(anon.connect(), (err: KfpError) => err.status === 401 && /sign-in page/.test(err.message));
      const c = new KfpClient({ baseUrl: e.url, auth: new CookieAuth('sess-123'), namespace: 'kubeflow-user-example-com' });
      await c.connect();
      assert.ok((await c.listRuns()).items.length > 0);
      const pasted = new KfpClient({ baseUrl: e.url, auth: new CookieAuth('Cookie: authservice_session=sess-123'), namespace: 'kubeflow-user-example-com' });
      assert.ok((await pasted.listExperiments()).items.length > 0);
    }));
  });
});

describe('emulator state file', () => {
  it('keeps what was created across restarts', async () => {
    const file = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'kfp-state-')), 'state.json');
    const a = new KfpEmulator({ seed: 'none', stateFile: file });
    const c1 = new KfpClient({ baseUrl: await a.start() });
    await c1.createExperiment('kept');
    await a.stop();
    const b = new KfpEmulator({ seed: 'none', stateFile: file });
    const c2 = new KfpClient({ baseUrl: await b.start() });
    try {
      assert.deepEqual((await c2.listExperiments()).items.map((e) => e.display_name), ['kept']);
    } finally {
      await b.stop();
    }
  });
});
