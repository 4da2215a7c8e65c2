// The cluster secret a pipeline's steps mount, from the code action on the line
// that mounts it to the Secret in the (emulated) cluster, through the bundled
// @kubernetes/client-node and the user's kubeconfig.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KfpEmulator } from '../../emulator/server';
import { api, emulator, run, waitFor } from './helpers';

describe('cluster credentials: the secret the steps mount', function () {
  this.timeout(60_000);
  let emu: KfpEmulator;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-secret-'));
  const saved = process.env.KUBECONFIG;
  const keyFile = path.join(dir, 'key.json');
  const key = (email: string) => JSON.stringify({ type: 'service_account', project_id: 'p', private_key_id: 'id1', private_key: '-----BEGIN PRIVATE KEY-----\nMIIsecretbytes\n-----END PRIVATE KEY-----\n', client_email: email });
  before(async () => {
    await api();
    emu = await emulator({ seed: 'none' });
    const kc = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kc, `apiVersion: v1\nkind: Config\ncurrent-context: dev\nclusters: [{name: c, cluster: {server: "${emu.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: admin}}]\ncontexts: [{name: dev, context: {cluster: c, user: u}}]\n`);
    process.env.KUBECONFIG = kc;
  });
  after(async () => {
    if (saved === undefined) delete process.env.KUBECONFIG; else process.env.KUBECONFIG = saved;
    await emu.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is offered on the line of use_gcp_secret (v1) and use_secret_as_volume (v2), and not elsewhere', async () => {
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'pipelines', 'with_secret.py');
    fs.writeFileSync(file, [
      'from kfp import dsl, gcp, kubernetes',
      'op = dsl.ContainerOp(name="train", image="i").apply(gcp.use_gcp_secret("user-gcp-sa"))',
      'kubernetes.use_secret_as_volume(task, secret_name="v2-sa", mount_path="/s")',
      '',
    ].join('\n'));
    try {
      const doc = await vscode.workspace.openTextDocument(file);
      const titles = async (line: number) => ((await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, new vscode.Range(line, 5, line, 5))) ?? []).map((a) => a.title);
      // Opening a Python file is an activation event: the provider is there once the extension is.
      await waitFor(async () => (await titles(1)).includes('Create cluster secret "user-gcp-sa" from a key file…'), 'the code action on use_gcp_secret');
      assert.ok((await titles(2)).includes('Create cluster secret "v2-sa" from a key file…'));
      assert.ok(!(await titles(0)).some((t) => /cluster secret/.test(t)));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    }
  });

  it('creates the secret, replaces it only when told to, and never returns the key', async () => {
    fs.writeFileSync(keyFile, key('runner@p.iam.gserviceaccount.com'));
    const made = await run('kfp.cluster.createSecret', { name: 'user-gcp-sa', namespace: 'kubeflow', keyFile });
    assert.equal(made.ok, true, made.error);
    assert.equal(made.action, 'created');
    assert.equal(made.dataKey, 'user-gcp-sa.json');
    assert.equal(made.serviceAccount, 'runner@p.iam.gserviceaccount.com');
    assert.ok(!JSON.stringify(made).includes('secretbytes'));
    const stored = () => Buffer.from(emu.kube.secrets.get('kubeflow/user-gcp-sa')!.data!['user-gcp-sa.json'], 'base64').toString();
    assert.equal(stored(), key('runner@p.iam.gserviceaccount.com'));

    fs.writeFileSync(keyFile, key('other@p.iam.gserviceaccount.com'));
    const kept = await run('kfp.cluster.createSecret', { name: 'user-gcp-sa', namespace: 'kubeflow', keyFile, replace: false });
    assert.equal(kept.ok, true);
    assert.equal(kept.cancelled, true);
    assert.match(stored(), /runner@/);
    const put = await run('kfp.cluster.createSecret', { name: 'user-gcp-sa', namespace: 'kubeflow', keyFile, replace: true });
    assert.equal(put.action, 'replaced');
    assert.match(stored(), /other@/);
  });

  it('says what is wrong with a file that is not a service-account key, and with a namespace that does not exist', async () => {
    fs.writeFileSync(keyFile, JSON.stringify({ type: 'authorized_user', client_id: 'x', refresh_token: 'r' }));
    const bad = await run('kfp.cluster.createSecret', { name: 'user-gcp-sa', namespace: 'kubeflow', keyFile });
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /user credential.*not a service-account key/);
    fs.writeFileSync(keyFile, key('runner@p.iam.gserviceaccount.com'));
    const nons = await run('kfp.cluster.createSecret', { name: 'user-gcp-sa', namespace: 'team-z', keyFile });
    assert.equal(nons.ok, false);
    assert.match(nons.error!, /namespaces "team-z" not found/);
  });
});
