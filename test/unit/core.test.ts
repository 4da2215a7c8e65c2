import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeFilter, encodeFilterV1, nameContains } from '../../src/core/kfp/filter';
import { serverMessageOf, httpError } from '../../src/core/kfp/errors';
import { parseTime, isFinished } from '../../src/core/kfp/types';
import { cookieHeader, ServiceAccountTokenAuth, BearerAuth } from '../../src/core/auth/simple';
import { GoogleAuthProvider, GoogleTokenSource, jwtExpiry, REFRESH_MARGIN_MS } from '../../src/core/auth/google';
import { KubeconfigAuth } from '../../src/core/auth/kubeconfig';
import { parseEndpoints, validateUrl, isInverseProxyHost } from '../../src/core/endpoints';
import { fromV1Run, v1RunState } from '../../src/core/kfp/v1';
import { goQueryUnescape } from '../emulator/server';
import { check, loadSpecs, sharedDir, findOperation, responseSchema } from '../emulator/openapi';

describe('filter encoding', () => {
  it('survives the server\'s double unescape (query decoding, then url.QueryUnescape)', () => {
    const f = nameContains('a+b 100% /x', 'display_name');
    const inUrl = new URLSearchParams({ filter: encodeFilter(f) }).toString();
    const once = new URLSearchParams(inUrl).get('filter')!;
    assert.deepEqual(JSON.parse(goQueryUnescape(once)), f);
  });
  it('a single encoding would corrupt + (the bug the double encoding avoids)', () => {
    const f = nameContains('a+b');
    const once = new URLSearchParams(new URLSearchParams({ filter: JSON.stringify(f) }).toString()).get('filter')!;
    assert.notDeepEqual(JSON.parse(goQueryUnescape(once)), f);
  });
  it('v1beta1 uses op numbers', () => {
    const v = JSON.parse(decodeURIComponent(encodeFilterV1(nameContains('x'))));
    assert.deepEqual(v, { predicates: [{ key: 'name', string_value: 'x', op: 9 }] });
  });
});

describe('error bodies', () => {
  it('reads google.rpc.Status, grpc-gateway v1, upload and plain text shapes', () => {
    assert.equal(serverMessageOf('{"code":5,"message":"Run x not found","details":[]}').message, 'Run x not found');
    assert.equal(serverMessageOf('{"error":"old style","code":3,"message":"old style"}').message, 'old style');
    assert.equal(serverMessageOf('{"error_message":"exists","error_details":"AlreadyExists"}').message, 'exists');
    assert.equal(serverMessageOf('bad file\n').message, 'bad file');
    assert.match(serverMessageOf('<!DOCTYPE html><html>login</html>').message!, /HTML page/);
    const e = httpError(409, '{"error_message":"name taken"}', 'Upload pipeline');
    assert.equal(e.isConflict, true);
    assert.match(e.message, /Upload pipeline: Conflict \(409\): name taken/);
  });
});

describe('time and state', () => {
  it('reads the epoch as unset', () => {
    assert.equal(parseTime('1970-01-01T00:00:00Z'), undefined);
    assert.equal(parseTime(undefined), undefined);
    assert.equal(parseTime('2024-05-01T10:00:00Z')?.toISOString(), '2024-05-01T10:00:00.000Z');
    assert.equal(isFinished('CANCELED'), true);
    assert.equal(isFinished('CANCELING'), false);
  });
  it('maps v1 status strings', () => {
    assert.equal(v1RunState('Terminating'), 'CANCELING');
    assert.equal(v1RunState('Error'), 'FAILED');
    const r = fromV1Run({ id: '1', name: 'n', status: 'Succeeded', resource_references: [{ key: { type: 'EXPERIMENT', id: 'e' } }] });
    assert.equal(r.experiment_id, 'e');
    assert.equal(r.state, 'SUCCEEDED');
  });
});

describe('auth providers', () => {
  it('builds cookie headers from a bare value, name=value or a pasted Cookie header', () => {
    assert.equal(cookieHeader('abc', 'authservice_session'), 'authservice_session=abc');
    assert.equal(cookieHeader('_oauth2_proxy=xyz', 'authservice_session'), '_oauth2_proxy=xyz');
    assert.equal(cookieHeader('Cookie: a=1; b=2', 'x'), 'a=1; b=2');
  });
  it('says how to set a missing token', async () => {
    await assert.rejects(new BearerAuth(undefined).headers(), (e: Error & { hint?: string }) => /No bearer token/.test(e.message) && /Set Endpoint Credential/.test(e.hint ?? ''));
    assert.deepEqual(await new BearerAuth('Bearer abc').headers(), { authorization: 'Bearer abc' });
  });
  it('reads a service-account token file on each request (it rotates)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-sa-'));
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'one\n');
    const a = new ServiceAccountTokenAuth(undefined, { KF_PIPELINES_SA_TOKEN_PATH: file });
    assert.deepEqual(await a.headers(), { authorization: 'Bearer one' });
    fs.writeFileSync(file, 'two');
    assert.deepEqual(await a.headers(), { authorization: 'Bearer two' });
    await assert.rejects(new ServiceAccountTokenAuth(path.join(dir, 'missing')).headers(), /Cannot read the service-account token/);
  });
  it('reads the token of a kubeconfig context through @kubernetes/client-node', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-kc-'));
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', 'current-context: a',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
      'users: [{name: u, user: {token: tok-a}}, {name: cert, user: {client-certificate-data: Zm9v, client-key-data: Zm9v}}]',
      'contexts: [{name: a, context: {cluster: c, user: u}}, {name: b, context: {cluster: c, user: cert}}]',
    ].join('\n'));
    assert.deepEqual(await new KubeconfigAuth(undefined, file).headers(), { authorization: 'Bearer tok-a' });
    await assert.rejects(new KubeconfigAuth('b', file).headers(), /has no token/);
    await assert.rejects(new KubeconfigAuth('zzz', file).headers(), /no context named "zzz"/);
  });
  it('refreshes a Google ID token before it expires, and after a 401', async () => {
    let now = 1_000_000_000_000;
    let calls = 0;
    const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ exp: exp / 1000, aud: 'client' })).toString('base64url')}.s`;
    const source: GoogleTokenSource = {
      async idToken(aud) { calls++; assert.equal(aud, 'client-id'); const t = jwt(now + 3600_000); return { token: t, expiresAt: jwtExpiry(t) }; },
      async accessToken() { throw new Error('not used'); },
    };
    const g = new GoogleAuthProvider('client-id', source, () => now);
    const h1 = await g.headers();
    await g.headers();
    assert.equal(calls, 1, 'cached while fresh');
    now += 3600_000 - REFRESH_MARGIN_MS + 1;
    const h2 = await g.headers();
    assert.equal(calls, 2, 'refreshed inside the margin');
    assert.notEqual(h1.authorization, h2.authorization);
    await g.invalidate();
    await g.headers();
    assert.equal(calls, 3, 'refreshed after a 401');
  });
  it('explains how to get Google credentials when there are none', async () => {
    const g = new GoogleAuthProvider(undefined, { idToken: async () => { throw new Error('x'); }, accessToken: async () => { throw new Error('Could not load the default credentials'); } });
    await assert.rejects(g.headers(), (e: Error & { hint?: string }) => /Could not load the default credentials/.test(e.message) && /gcloud auth application-default login/.test(e.hint ?? ''));
  });
});

describe('endpoint settings', () => {
  it('keeps valid endpoints and explains each bad one', () => {
    const { endpoints, problems } = parseEndpoints([
      { name: 'local', url: 'http://localhost:8080' },
      { name: 'local', url: 'http://localhost:9090' },
      { name: 'noscheme', url: 'localhost:8080' },
      { name: 'api', url: 'http://h/apis/v2beta1' },
      { name: 'weird', url: 'http://h', auth: 'magic' },
      { url: 'http://h' },
      'x',
    ]);
    assert.deepEqual(endpoints.map((e) => e.name), ['local']);
    assert.equal(problems.length, 6);
    assert.match(problems.map((p) => p.message).join('\n'), /defined twice[\s\S]*must start with http|not a URL/);
    assert.match(validateUrl('http://h/apis/v2beta1/')!, /without \/apis/);
    assert.equal(isInverseProxyHost('https://abc-dot-us-central1.pipelines.googleusercontent.com'), true);
  });
});

describe('emulator contract checks', function () {
  before(function () { if (!sharedDir()) this.skip(); });
  it('flag a response field the official API does not have, and a wrong int64 type', () => {
    const specs = loadSpecs()!;
    const { spec, op } = findOperation(specs, 'GET', '/apis/v2beta1/recurringruns')!;
    const schema = responseSchema(op, 200)!;
    assert.deepEqual(check(spec, schema, { recurringRuns: [{ recurring_run_id: 'x', max_concurrency: '2' }] }, 'r'), []);
    assert.match(check(spec, schema, { recurring_runs: [] }, 'r').join(), /recurring_runs: not a field/);
    assert.match(check(spec, schema, { recurringRuns: [{ max_concurrency: 2 }] }, 'r').join(), /int64/);
    assert.match(check(spec, schema, { recurringRuns: [{ status: 'ON' }] }, 'r').join(), /not one of/);
  });
});
