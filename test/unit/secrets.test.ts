// The cluster credentials: key files recognised, uses found in pipeline code, and
// the secret created and replaced through the real @kubernetes/client-node against
// the emulator's Kubernetes secrets routes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applySecret, describeServiceAccountKey, findSecretUses, kubeconfigSecretApi, secretManifest } from '../../src/core/cluster/secrets';
import { KfpEmulator } from '../emulator/server';

const PRIVATE = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC-not-a-real-key\n-----END PRIVATE KEY-----\n';
const key = (email = 'pipeline-runner@my-project.iam.gserviceaccount.com', id = 'abc123') => JSON.stringify({
  type: 'service_account', project_id: 'my-project', private_key_id: id, private_key: PRIVATE, client_email: email, client_id: '1',
  token_uri: 'https://oauth2.googleapis.com/token',
});

describe('cluster credentials: the key file', () => {
  it('says what a service-account key is without keeping its secret parts', () => {
    const info = describeServiceAccountKey(key());
    assert.deepEqual(info, { clientEmail: 'pipeline-runner@my-project.iam.gserviceaccount.com', projectId: 'my-project', privateKeyId: 'abc123' });
    assert.ok(!JSON.stringify(info).includes('PRIVATE'));
  });

  it('names the fix for files that are not service-account keys', () => {
    assert.throws(() => describeServiceAccountKey('not json'), /not JSON.*keys create/);
    assert.throws(() => describeServiceAccountKey(JSON.stringify({ type: 'authorized_user', refresh_token: 'r' })), /user credential.*application-default login.*Workload Identity/);
    assert.throws(() => describeServiceAccountKey(JSON.stringify({ type: 'external_account' })), /workload identity federation/);
    assert.throws(() => describeServiceAccountKey(JSON.stringify({ type: 'service_account', client_email: 'a@b' })), /no private_key/);
    assert.throws(() => describeServiceAccountKey('[1]'), /not a service-account key/);
  });

  it('builds an Opaque secret with the key under {name}.json, where use_gcp_secret mounts it from', () => {
    const s = secretManifest({ name: 'user-gcp-sa', namespace: 'kubeflow', keyText: key() }, describeServiceAccountKey(key()));
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(Object.keys(s.data!), ['user-gcp-sa.json']);
    assert.equal(Buffer.from(s.data!['user-gcp-sa.json'], 'base64').toString('utf8'), key());
    assert.equal(s.metadata?.annotations?.['kfp-vscode/service-account'], 'pipeline-runner@my-project.iam.gserviceaccount.com');
  });
});

describe('cluster credentials: where pipeline code mounts a secret', () => {
  it('finds v1 use_gcp_secret (default and named) and v2 use_secret_as_volume / use_secret_as_env', () => {
    const src = [
      'from kfp import gcp, kubernetes',
      '# op.apply(gcp.use_gcp_secret("commented-out"))',
      'train = dsl.ContainerOp(name="train", image="i").apply(gcp.use_gcp_secret())',
      'prep.apply(use_gcp_secret("admin-gcp-sa"))',
      "prep.apply(gcp.use_gcp_secret(secret_name='other-sa', secret_volume_mount_path='/creds'))",
      'kubernetes.use_secret_as_volume(task, secret_name="user-gcp-sa", mount_path="/secret/gcp-credentials")',
      'kubernetes.use_secret_as_volume(',
      '    task,',
      '    "multi-line",  # a comment, with a comma',
      '    "/mnt/s",',
      ')',
      'kubernetes.use_secret_as_env(task, secret_name=name_var, secret_key_to_env={"k": "K"})',
      'def use_gcp_secret(x): pass',
    ].join('\n');
    const uses = findSecretUses(src).map((u) => [u.kind, u.name, u.line, u.mountPath]);
    assert.deepEqual(uses, [
      ['use_gcp_secret', 'user-gcp-sa', 2, '/secret/gcp-credentials'],
      ['use_gcp_secret', 'admin-gcp-sa', 3, '/secret/gcp-credentials'],
      ['use_gcp_secret', 'other-sa', 4, '/creds'],
      ['use_secret_as_volume', 'user-gcp-sa', 5, '/secret/gcp-credentials'],
      ['use_secret_as_volume', 'multi-line', 6, '/mnt/s'],
      ['use_secret_as_env', undefined, 11, undefined],
    ]);
    const first = findSecretUses(src)[0];
    assert.equal(src.split('\n')[first.line].slice(first.start, first.end), 'use_gcp_secret');
  });
});

describe('cluster credentials: create or replace the secret (client-node against the emulator)', function () {
  this.timeout(20_000);
  let emu: KfpEmulator;
  let dir: string;
  let kubeconfig: string;
  before(async () => {
    emu = new KfpEmulator({ seed: 'none', kubernetes: { namespaces: ['kubeflow', 'team-a'], forbiddenTokens: ['limited'] } });
    const url = await emu.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-secret-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: dev',
      `clusters: [{name: c, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: admin, user: {token: admin-token}}, {name: limited, user: {token: limited}}]',
      'contexts: [{name: dev, context: {cluster: c, user: admin}}, {name: ro, context: {cluster: c, user: limited}}]',
    ].join('\n'));
  });
  after(async () => { await emu.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  const stored = (ns: string, name: string) => emu.kube.secrets.get(`${ns}/${name}`);

  it('creates it, asks before replacing it, keeps it when told no, replaces it when told yes', async () => {
    const api = await kubeconfigSecretApi({ file: kubeconfig });
    const made = await applySecret(api, { name: 'user-gcp-sa', namespace: 'kubeflow', keyText: key() }, async () => { throw new Error('not asked on create'); });
    assert.ok('action' in made && made.action === 'created');
    assert.equal(made.dataKey, 'user-gcp-sa.json');
    assert.equal(Buffer.from(stored('kubeflow', 'user-gcp-sa')!.data!['user-gcp-sa.json'], 'base64').toString(), key());

    let asked: unknown;
    const kept = await applySecret(api, { name: 'user-gcp-sa', namespace: 'kubeflow', keyText: key('other@p.iam.gserviceaccount.com', 'k2') }, async (e) => { asked = e; return false; });
    assert.ok('cancelled' in kept);
    assert.deepEqual(asked, { type: 'Opaque', keys: ['user-gcp-sa.json'], serviceAccount: 'pipeline-runner@my-project.iam.gserviceaccount.com', managedByUs: true, immutable: false, created: (asked as { created: string }).created });
    assert.equal(Buffer.from(stored('kubeflow', 'user-gcp-sa')!.data!['user-gcp-sa.json'], 'base64').toString(), key(), 'unchanged after No');

    const uid = stored('kubeflow', 'user-gcp-sa')!.metadata!.uid;
    const put = await applySecret(api, { name: 'user-gcp-sa', namespace: 'kubeflow', keyText: key('other@p.iam.gserviceaccount.com', 'k2') }, async () => true);
    assert.ok('action' in put && put.action === 'replaced');
    assert.equal(put.serviceAccount, 'other@p.iam.gserviceaccount.com');
    assert.equal(stored('kubeflow', 'user-gcp-sa')!.metadata!.uid, uid, 'the same object, replaced');
    assert.match(Buffer.from(stored('kubeflow', 'user-gcp-sa')!.data!['user-gcp-sa.json'], 'base64').toString(), /other@p/);
  });

  it('says which namespace is missing, which permission is lacking, and refuses a secret of another type', async () => {
    const api = await kubeconfigSecretApi({ file: kubeconfig });
    await assert.rejects(applySecret(api, { name: 's', namespace: 'nowhere', keyText: key() }, async () => true), (e: Error) => {
      assert.match(e.message, /namespaces "nowhere" not found.*profile namespace/);
      assert.ok(!e.message.includes('PRIVATE KEY') && !e.message.includes('not-a-real-key'));
      return true;
    });
    const ro = await kubeconfigSecretApi({ file: kubeconfig, context: 'ro' });
    await assert.rejects(applySecret(ro, { name: 's', namespace: 'team-a', keyText: key() }, async () => true), /cannot create resource "secrets".*Role in team-a.*create and update on secrets/);
    emu.kube.secrets.set('kubeflow/tls-one', { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'tls-one', namespace: 'kubeflow', resourceVersion: '1' }, data: {} });
    await assert.rejects(applySecret(api, { name: 'tls-one', namespace: 'kubeflow', keyText: key() }, async () => true), /type kubernetes\.io\/tls, not Opaque.*kubectl -n kubeflow delete secret tls-one/);
    await assert.rejects(applySecret(api, { name: 'Bad_Name', namespace: 'kubeflow', keyText: key() }, async () => true), /not a valid secret name/);
    await assert.rejects(kubeconfigSecretApi({ file: kubeconfig, context: 'staging' }), /no context named "staging"/);
  });

  it('says when no cluster answers, and what a plain-HTTP server needs', async () => {
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, fs.readFileSync(kubeconfig, 'utf8').replace(', insecure-skip-tls-verify: true', ''));
    await assert.rejects(applySecret(await kubeconfigSecretApi({ file: plain }), { name: 's', namespace: 'kubeflow', keyText: key() }, async () => true), /plain HTTP.*insecure-skip-tls-verify/);
    const cfg = path.join(dir, 'dead');
    fs.writeFileSync(cfg, 'apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:9", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n');
    const api = await kubeconfigSecretApi({ file: cfg });
    await assert.rejects(applySecret(api, { name: 's', namespace: 'kubeflow', keyText: key() }, async () => true), /no cluster answers.*kubeContext/);
  });
});
