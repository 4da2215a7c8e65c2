// Credentials never reach a message: values the request carried are cut out of
// every text built from the server's answer, and URLs lose their user info.
import * as assert from 'node:assert/strict';
import { BearerAuth, CookieAuth } from '../../src/core/auth/simple';
import { GoogleAuthProvider, isGoogleAccessTokenHost } from '../../src/core/auth/google';
import { parseEndpoints } from '../../src/core/endpoints';
import { KfpClient } from '../../src/core/kfp/client';
import { KfpError } from '../../src/core/kfp/errors';
import { redact, redactUrl, secretsOfHeaders } from '../../src/core/util/redact';
import { KfpEmulator } from '../emulator/server';

describe('redaction of credentials', () => {
  it('cuts user info and credential query values from URLs', () => {
    assert.equal(redactUrl('https://alice:pa55word@kf.example.com/pipeline'), 'https://***@kf.example.com/pipeline');
    assert.equal(redactUrl('http://localhost:8080/?token=abcd1234&x=1'), 'http://localhost:8080/?token=***&x=1');
    assert.equal(redactUrl('http://localhost:8080'), 'http://localhost:8080');
    assert.deepEqual(secretsOfHeaders({ authorization: 'Bearer tok-123456', cookie: 'a=cookieval1; authservice_session=s3ss10n', 'kubeflow-userid': 'alice' }), ['Bearer tok-123456', 'tok-123456', 'cookieval1', 's3ss10n']);
    assert.equal(redact('Authorization: Bearer tok-123456 seen', ['Bearer tok-123456', 'tok-123456']), 'Authorization: *** seen');
  });

  it('a gateway that echoes the request headers puts no token and no cookie into the error', async () => {
    const emu = new KfpEmulator({ seed: 'none' });
    const url = await emu.start();
    try {
      const token = 'eyJhbGciOi-secret-token-value';
      emu.addFault({ match: 'GET /apis/v2beta1/pipelines', status: 500, body: JSON.stringify({ code: 13, message: `upstream failed; request headers: authorization=Bearer ${token}`, details: [{ echoed: token }] }) });
      const c = new KfpClient({ baseUrl: url, auth: new BearerAuth(token) });
      const e = await c.listPipelines().catch((x: unknown) => x) as KfpError;
      assert.ok(e instanceof KfpError, String(e));
      assert.ok(!e.message.includes(token) && !String(e.serverMessage).includes(token) && !JSON.stringify(e.details).includes(token), e.message);
      assert.match(e.message, /authorization=\*\*\*/);
      const cookie = 'c00kie-session-value';
      emu.addFault({ match: 'GET /apis/v2beta1/experiments', status: 502, body: `bad gateway for cookie authservice_session=${cookie}` });
      const c2 = new KfpClient({ baseUrl: url, auth: new CookieAuth(cookie) });
      const e2 = await c2.listExperiments().catch((x: unknown) => x) as KfpError;
      assert.ok(!e2.message.includes(cookie), e2.message);
    } finally { await emu.stop(); }
  });
});

describe('Google access tokens go only to Google hosts', () => {
  it('Add Endpoint and settings refuse auth google without iapClientId on any other host; the provider refuses to send one', async () => {
    for (const ok of ['https://abc-dot-us-central1.pipelines.googleusercontent.com', 'https://us-central1-aiplatform.googleapis.com']) assert.equal(isGoogleAccessTokenHost(ok), true, ok);
    for (const bad of ['http://abc.pipelines.googleusercontent.com', 'https://evil.example.com', 'https://googleusercontent.com.evil.io', 'http://localhost:8080']) assert.equal(isGoogleAccessTokenHost(bad), false, bad);
    const r = parseEndpoints([{ name: 'x', url: 'https://kfp.example.com', auth: 'google' }, { name: 'iap', url: 'https://kfp.example.com', auth: 'google', iapClientId: '1-a.apps.googleusercontent.com' }]);
    assert.deepEqual(r.endpoints.map((e) => e.name), ['iap']);
    assert.match(r.problems[0].message, /iapClientId/);
    let asked = 0;
    const source = { accessToken: async () => { asked++; return { token: 'ya29.secret' }; }, idToken: async () => ({ token: 'id' }) };
    const p = new GoogleAuthProvider(undefined, source, Date.now, 'http://kfp.internal:8080');
    await assert.rejects(p.headers(), /Not sent/);
    assert.equal(asked, 0, 'no token was even fetched');
    const ok = new GoogleAuthProvider(undefined, source, Date.now, 'https://abc.pipelines.googleusercontent.com');
    assert.deepEqual(await ok.headers(), { authorization: 'Bearer ya29.secret' });
  });
});

describe('the commit of a workspace, without running git', () => {
  it('reads HEAD through loose refs, packed refs, a detached HEAD and a worktree\'s gitdir; a `git` in the folder never runs', async () => {
    const fsp = await import('node:fs/promises');
    const os = await import('node:os');
    const p = await import('node:path');
    const { gitShortSha } = await import('../../src/core/util/gitHead.js');
    const dir = await fsp.mkdtemp(p.join(os.tmpdir(), 'kfp-git-'));
    const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    await fsp.mkdir(p.join(dir, '.git/refs/heads'), { recursive: true });
    await fsp.writeFile(p.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
    await fsp.writeFile(p.join(dir, '.git/refs/heads/main'), `${sha}\n`);
    // A hostile `git` in the folder (as on Windows, where the current folder is searched first) is never run.
    await fsp.writeFile(p.join(dir, 'git'), '#!/bin/sh\ntouch ran\n', { mode: 0o755 });
    await fsp.mkdir(p.join(dir, 'pipelines'));
    assert.equal(await gitShortSha(p.join(dir, 'pipelines')), 'a1b2c3d');
    await fsp.rm(p.join(dir, '.git/refs/heads/main'));
    await fsp.writeFile(p.join(dir, '.git/packed-refs'), `# pack-refs with: peeled\n${sha.replace('a1', 'ff')} refs/heads/main\n`);
    assert.equal(await gitShortSha(dir), 'ffb2c3d');
    await fsp.writeFile(p.join(dir, '.git/HEAD'), `${sha}\n`);
    assert.equal(await gitShortSha(dir), 'a1b2c3d');
    const wt = await fsp.mkdtemp(p.join(os.tmpdir(), 'kfp-wt-'));
    await fsp.mkdir(p.join(dir, '.git/worktrees/w'), { recursive: true });
    await fsp.writeFile(p.join(dir, '.git/worktrees/w/HEAD'), 'ref: refs/heads/main\n');
    await fsp.writeFile(p.join(dir, '.git/worktrees/w/commondir'), '../..\n');
    await fsp.writeFile(p.join(wt, '.git'), `gitdir: ${p.join(dir, '.git/worktrees/w')}\n`);
    assert.equal(await gitShortSha(wt), 'ffb2c3d');
    assert.equal(await gitShortSha(os.tmpdir()), undefined);
    await assert.rejects(fsp.stat(p.join(dir, 'ran')), 'the planted git did not run');
  });
});

describe('answers of the wrong shape', () => {
  it('name the field that is wrong, drop null items, survive deep nesting', async () => {
    const emu = new KfpEmulator({ seed: 'samples' });
    const c = new KfpClient({ baseUrl: await emu.start() });
    try {
      await c.connect();
      const cases: Array<[string, string, RegExp]> = [
        ['null', 'null', /List runs: the server's answer is null, not a JSON object/],
        ['a string list', '{"runs": "none"}', /List runs: "runs" in the server's answer is a string, not a list/],
        ['a bare list', '[]', /answer is a list, not a JSON object/],
      ];
      for (const [what, body, re] of cases) {
        emu.addFault({ match: 'GET /apis/v2beta1/runs', status: 200, body, count: 1 });
        await assert.rejects(c.listRuns({}), re, what);
      }
      // JSON nested 200,000 deep: read without a crash, and a list of lists holds no run.
      emu.addFault({ match: 'GET /apis/v2beta1/runs', status: 200, body: `{"runs": [${'['.repeat(200_000)}${']'.repeat(200_000)}]}`, count: 1 });
      assert.deepEqual((await c.listRuns({})).items, []);
      emu.addFault({ match: 'GET /apis/v2beta1/runs', status: 200, body: '{"runs": [null, {"run_id": "r1", "display_name": "ok"}, 3]}', count: 1 });
      assert.deepEqual((await c.listRuns({})).items.map((r) => r.run_id), ['r1']);
    } finally { await emu.stop(); }
  });
});

describe('Kubernetes answers', () => {
  it('carry no kubeconfig token back into an error', async () => {
    const http = await import('node:http');
    const token = 'kube-secret-token-123';
    const srv = http.createServer((_q, r) => { r.writeHead(401, { 'content-type': 'application/json' }); r.end(JSON.stringify({ kind: 'Status', message: `Unauthorized: Bearer ${token}` })); });
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    try {
      const { workflowOfRun } = await import('../../src/core/logs/podLogs.js');
      const port = (srv.address() as { port: number }).port;
      const e = await workflowOfRun({ server: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${token}` } }, 'kubeflow', 'r').catch((x: Error) => x);
      assert.ok(e instanceof Error);
      assert.match(e.message, /401: Unauthorized: \*\*\*/);
      assert.ok(!e.message.includes(token));
    } finally { srv.close(); }
  });
});
