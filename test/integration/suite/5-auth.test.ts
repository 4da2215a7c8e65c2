// The auth kinds through the bundled extension: the kubeconfig and Google
// libraries are separate bundles loaded on first use, so they are exercised here.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KfpEmulator } from '../../emulator/server';
import { addEndpoint, clearEndpoints, emulator, root, children, run } from './helpers';

describe('auth kinds in the bundled extension', () => {
  let emu: KfpEmulator;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-auth-'));
  const ns = 'kubeflow-user-example-com';
  const saved = { KUBECONFIG: process.env.KUBECONFIG, GOOGLE_APPLICATION_CREDENTIALS: process.env.GOOGLE_APPLICATION_CREDENTIALS };

  before(async () => {
    await clearEndpoints();
    emu = await emulator({ multiUser: true, tokens: { 'sa-token': 'system:serviceaccount:team:default-editor', 'kube-token': 'alice@example.com' }, access: { 'alice@example.com': [ns], 'system:serviceaccount:team:default-editor': [ns] } });
  });
  after(async () => {
    process.env.KUBECONFIG = saved.KUBECONFIG;
    if (saved.GOOGLE_APPLICATION_CREDENTIALS === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved.GOOGLE_APPLICATION_CREDENTIALS;
    await clearEndpoints();
    await emu.stop();
  });

  it('serviceAccount: reads the projected token file', async () => {
    const token = path.join(dir, 'token');
    fs.writeFileSync(token, 'sa-token\n');
    await addEndpoint('sa', emu.url, { auth: 'serviceAccount', tokenPath: token, namespace: ns });
    const r = await run('kfp.endpoint.testConnection', 'sa');
    assert.equal(r.connected, true, JSON.stringify(r.checks));
    assert.ok((await children(await root('Runs'))).length > 0);
  });

  it('userHeader: sends kubeflow-userid', async () => {
    await addEndpoint('hdr', emu.url, { auth: 'userHeader', userId: 'alice@example.com', namespace: ns });
    const r = await run('kfp.endpoint.testConnection', 'hdr');
    assert.equal(r.connected, true, JSON.stringify(r.checks));
    assert.ok(emu.requests.some((q) => q.headers['kubeflow-userid'] === 'alice@example.com'));
  });

  it('kubeconfig: the token of the chosen context, through the separately bundled @kubernetes/client-node', async () => {
    const kc = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kc, [
      'apiVersion: v1', 'kind: Config', 'current-context: dev',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: alice, user: {token: kube-token}}, {name: nobody, user: {token: wrong}}]',
      'contexts: [{name: dev, context: {cluster: c, user: nobody}}, {name: prod, context: {cluster: c, user: alice}}]',
    ].join('\n'));
    process.env.KUBECONFIG = kc;
    await addEndpoint('kube', emu.url, { auth: 'kubeconfig', kubeContext: 'prod', namespace: ns });
    const r = await run('kfp.endpoint.testConnection', 'kube');
    assert.equal(r.connected, true, JSON.stringify(r.checks));
    await addEndpoint('kube-missing', emu.url, { auth: 'kubeconfig', kubeContext: 'staging', namespace: ns });
    const bad = await run('kfp.endpoint.testConnection', 'kube-missing');
    assert.equal(bad.connected, false);
    assert.match(JSON.stringify(bad.checks), /no context named \\"staging\\"/);
  });

  it('google: loads google-auth-library and says how to get credentials when there are none', async () => {
    process.env.GOOGLE_APPLICATION_CREDENTIALS = path.join(dir, 'missing-key.json');
    // Never probe the GCE metadata server from a test.
    process.env.METADATA_SERVER_DETECTION = 'none';
    await addEndpoint('gcp', emu.url, { auth: 'google', iapClientId: '123-abc.apps.googleusercontent.com' });
    const r = await run('kfp.endpoint.testConnection', 'gcp');
    assert.equal(r.connected, false);
    const detail = JSON.stringify(r.checks);
    assert.match(detail, /Could not get Google credentials/);
    assert.match(detail, /gcloud auth application-default login/);
  });
});
