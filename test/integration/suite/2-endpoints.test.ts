import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { KfpEmulator } from '../../emulator/server';
import { addEndpoint, api, children, clearEndpoints, emulator, label, run } from './helpers';

describe('endpoints', () => {
  let emu: KfpEmulator;
  let emuMu: KfpEmulator;
  before(async () => {
    await clearEndpoints();
    emu = await emulator();
    emuMu = await emulator({ multiUser: true, basePath: '/pipeline', sessions: { 'session-abc': 'alice@example.com' }, access: { 'alice@example.com': ['kubeflow-user-example-com'] } });
  });
  after(async () => { await clearEndpoints(); await emu.stop(); await emuMu.stop(); });

  it('adds an endpoint from a script, makes it active and shows its API', async () => {
    const r = await run('kfp.endpoint.add', { name: 'local', url: emu.url });
    assert.deepEqual({ ok: r.ok, name: r.name, active: r.active }, { ok: true, name: 'local', active: true });
    const a = await api();
    assert.equal(a.endpoints.active()?.name, 'local');
    const roots = await children();
    assert.deepEqual(roots.map(label), ['Pipelines', 'Experiments', 'Runs', 'Recurring runs']);
    assert.equal(a.endpoints.connectionState, 'connected');
    assert.match(String(a.treeView.description), /local · v2beta1/);
  });

  it('refuses a bad URL and a duplicate name with a clear message, changing nothing', async () => {
    const before = vscode.workspace.getConfiguration('kfp').get<unknown[]>('endpoints');
    const bad = await run('kfp.endpoint.add', { name: 'x', url: 'localhost:8080' });
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /http:\/\/ or https:\/\//);
    const dup = await run('kfp.endpoint.add', { name: 'local', url: emu.url });
    assert.equal(dup.ok, false);
    assert.match(dup.error!, /exists already/);
    assert.deepEqual(vscode.workspace.getConfiguration('kfp').get<unknown[]>('endpoints'), before);
  });

  it('keeps a session cookie in secret storage, never in settings, and browses a multi-user Kubeflow under /pipeline', async () => {
    await addEndpoint('kubeflow', emuMu.url, { auth: 'cookie', namespace: 'kubeflow-user-example-com', secret: 'session-abc' });
    const settingsText = JSON.stringify(vscode.workspace.getConfiguration('kfp').get('endpoints'));
    assert.ok(!settingsText.includes('session-abc'), 'the cookie is not in settings');
    const a = await api();
    assert.equal(await a.endpoints.getSecret('kubeflow'), 'session-abc');
    const runs = await children((await children()).find((n) => label(n) === 'Runs'));
    assert.ok(runs.length > 0 && runs.every((n) => n.id.includes('/run:')), runs.map(label).join(','));
    const cookieSeen = emuMu.requests.some((r) => String(r.headers.cookie).includes('authservice_session=session-abc'));
    assert.ok(cookieSeen);
    assert.ok(emuMu.requests.filter((r) => r.url.includes('/runs?')).every((r) => r.url.includes('namespace=kubeflow-user-example-com')));
  });

  it('tests a connection and reports each step', async () => {
    const r = await run('kfp.endpoint.testConnection', 'kubeflow');
    assert.equal(r.connected, true);
    assert.equal(r.multiUser, true);
    const steps = (r.checks as Array<{ step: string; ok: boolean }>).map((c) => `${c.step}:${c.ok}`);
    assert.deepEqual(steps, ['URL:true', 'Credential:true', 'Server:true', 'Access:true']);
  });

  it('says what is wrong when the cookie is wrong or missing', async () => {
    await run('kfp.endpoint.setCredential', { name: 'kubeflow', value: 'expired' });
    const r = await run('kfp.endpoint.testConnection', 'kubeflow');
    assert.equal(r.connected, false);
    const server = (r.checks as Array<{ step: string; ok: boolean; detail: string }>).find((c) => c.step === 'Server')!;
    assert.match(server.detail, /sign-in page/);
    await run('kfp.endpoint.setCredential', { name: 'kubeflow', value: '' });
    const none = await run('kfp.endpoint.testConnection', 'kubeflow');
    assert.match(JSON.stringify(none.checks), /no cookie credential is stored/);
  });

  it('switches the active endpoint', async () => {
    const r = await run('kfp.endpoint.select', 'local');
    assert.equal(r.ok, true);
    assert.equal((await api()).endpoints.active()?.name, 'local');
    const missing = await run('kfp.endpoint.select', 'nope');
    assert.equal(missing.ok, false);
  });

  it('a failed connection empties the tree (the welcome view then offers Retry) and the status shows the error', async () => {
    await addEndpoint('dead', 'http://127.0.0.1:9', {});
    const a = await api();
    assert.deepEqual(await children(), []);
    assert.equal(a.endpoints.connectionState, 'error');
    assert.match(a.endpoints.error ?? '', /ECONNREFUSED/);
    const r = await run('kfp.endpoint.testConnection', 'dead');
    assert.equal(r.connected, false);
    assert.match(JSON.stringify(r.checks), /port-forward/);
  });

  it('falls back to v1beta1 on a KFP 1.x server and says so', async () => {
    const v1 = await emulator({ apiVersion: 'v1beta1' });
    try {
      await addEndpoint('kfp1', v1.url);
      const roots = await children();
      assert.equal(roots.length, 4);
      const a = await api();
      assert.match(String(a.treeView.description), /v1beta1 \(KFP 1\.x\)/);
      const pipelines = await children(roots[0]);
      assert.ok(pipelines.length > 0 && pipelines[0].id.includes('/pipeline:'));
      const versions = await children(pipelines[0]);
      assert.ok(versions.length > 0);
    } finally {
      await v1.stop();
    }
  });

  it('removes an endpoint and its secret', async () => {
    await addEndpoint('temp', emu.url, { auth: 'bearer', secret: 't0k' });
    const a = await api();
    assert.equal(await a.endpoints.getSecret('temp'), 't0k');
    const r = await run('kfp.endpoint.remove', 'temp', { skipConfirmation: true });
    assert.equal(r.removed, 'temp');
    assert.equal(await a.endpoints.getSecret('temp'), undefined);
  });

  it('with a workspace endpoint list, adding and removing endpoints never rewrites the user\'s own list', async () => {
    const cfg = () => vscode.workspace.getConfiguration('kfp');
    const userBefore = [{ name: 'mine', url: emu.url, comment: 'a field this version does not know, kept as written' }];
    await cfg().update('endpoints', userBefore, vscode.ConfigurationTarget.Global);
    await cfg().update('endpoints', [{ name: 'team', url: 'http://team.example.invalid' }], vscode.ConfigurationTarget.Workspace);
    try {
      const added = await run('kfp.endpoint.add', { name: 'another', url: emu.url, activate: false });
      assert.equal(added.ok, true, added.error);
      assert.equal(added.savedIn, 'user');
      assert.equal(added.hiddenByWorkspace, true, 'the result says the workspace list hides it');
      const user = cfg().inspect<unknown[]>('endpoints')!.globalValue as Array<{ name: string }>;
      assert.deepEqual(user.map((e) => e.name), ['mine', 'another'], 'the workspace\'s URLs were not copied into user settings');
      assert.deepEqual(user[0], userBefore[0], 'the user\'s entry is kept as written');
      const ws = await run('kfp.endpoint.add', { name: 'shared', url: emu.url, activate: false, target: 'workspace' });
      assert.equal(ws.savedIn, 'workspace');
      assert.deepEqual((cfg().inspect<unknown[]>('endpoints')!.workspaceValue as Array<{ name: string }>).map((e) => e.name), ['team', 'shared']);
      const removed = await run('kfp.endpoint.remove', 'team', { skipConfirmation: true });
      assert.deepEqual({ ok: removed.ok, from: removed.from }, { ok: true, from: 'workspace' });
      assert.deepEqual((cfg().inspect<unknown[]>('endpoints')!.globalValue as Array<{ name: string }>).map((e) => e.name), ['mine', 'another'], 'removing from the workspace leaves the user list');
      const gone = await run('kfp.endpoint.remove', 'another', { skipConfirmation: true });
      assert.equal(gone.ok, false, 'an endpoint hidden by the workspace list is not in effect here');
    } finally {
      await cfg().update('endpoints', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('endpoints', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('other extensions get a narrow API: the active endpoint without user info, and nothing that reaches a secret', async () => {
    await addEndpoint('with-userinfo', emu.url.replace('http://', 'http://bob:hunter22@'), { auth: 'bearer', secret: 'tok-do-not-share' });
    const pub = (await api()).publicApi;
    assert.deepEqual(Object.keys(pub).sort(), ['activeEndpoint', 'apiVersion', 'onDidChangeActiveEndpoint']);
    const active = pub.activeEndpoint()!;
    assert.equal(active.name, 'with-userinfo');
    assert.ok(!active.url.includes('hunter22') && !active.url.includes('bob'), active.url);
    assert.ok(!JSON.stringify(active).includes('tok-do-not-share'));
    assert.ok(Object.isFrozen(pub));
    await run('kfp.endpoint.remove', 'with-userinfo', { skipConfirmation: true });
  });
});
