// TLS settings end to end through a proxy: a loopback CONNECT proxy in front of a
// loopback HTTPS server whose certificate only the endpoint's CA file vouches for.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeTransport } from '../../src/core/http/transport';

function haveOpenssl(): boolean {
  try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

describe('TLS options behind a proxy', () => {
  let dir: string;
  let server: https.Server;
  let proxy: http.Server;
  let target: string;
  let proxyUrl: string;
  const tunnels: string[] = [];
  before(async function () {
    if (!haveOpenssl()) { console.log('    (skipped: no openssl to make a test certificate)'); this.skip(); }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_q, r) => { r.writeHead(200, { 'content-type': 'application/json' }); r.end('{"ok":true}'); });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    target = `https://localhost:${(server.address() as net.AddressInfo).port}/apis/v2beta1/healthz`;
    proxy = http.createServer((_q, r) => { r.writeHead(405); r.end(); });
    proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      tunnels.push(String(req.url));
      const [host, port] = String(req.url).split(':');
      const up = net.connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
    });
    await new Promise<void>((res) => proxy.listen(0, '127.0.0.1', res));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    server?.close();
    proxy?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies caFile to the target server through the proxy', async () => {
    const t = new NodeTransport({ ca: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), proxy: proxyUrl });
    const res = await t.request({ method: 'GET', url: new URL(target), timeoutMs: 5000 });
    assert.equal(res.status, 200);
    assert.ok(tunnels.length >= 1, 'the request went through the proxy');
    t.dispose();
  });

  it('still refuses the unknown certificate without the CA, and honours insecureSkipTlsVerify through the proxy', async () => {
    const strict = new NodeTransport({ proxy: proxyUrl });
    await assert.rejects(strict.request({ method: 'GET', url: new URL(target), timeoutMs: 5000 }), /self-signed|certificate/i);
    strict.dispose();
    const lax = new NodeTransport({ proxy: proxyUrl, rejectUnauthorized: false });
    assert.equal((await lax.request({ method: 'GET', url: new URL(target), timeoutMs: 5000 })).status, 200);
    lax.dispose();
  });
});

describe('answers too large to hold', () => {
  it('refuses a list larger than the limit with a message naming the setting, without holding it', async () => {
    const { KfpClient } = await import('../../src/core/kfp/client.js');
    // A server that streams a 300 MB JSON list (no length declared), and one that declares it.
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const srv = http.createServer((q, r) => {
      if (q.url?.includes('declared')) { r.writeHead(200, { 'content-type': 'application/json', 'content-length': String(700 * 1024 * 1024) }); r.write('{"runs":['); return; }
      r.writeHead(200, { 'content-type': 'application/json' });
      r.write('{"runs":[');
      const pump = () => { while (sent < 300) { sent++; if (!r.write(chunk)) { r.once('drain', pump); return; } } r.end(']}'); };
      r.on('close', () => { sent = 1e9; });
      pump();
    });
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
    try {
      global.gc?.();
      const before = process.memoryUsage().rss;
      const c = new KfpClient({ baseUrl: url, maxResponseBytes: 64 * 1024 * 1024 });
      await assert.rejects(c.listRuns({}), /List runs: the server's answer is larger than 64 MiB, so it was not read \(setting kfp\.maxResponseSize\)/);
      const grew = (process.memoryUsage().rss - before) / 1048576;
      console.log(`      (a 300 MB list refused at 64 MiB: the process grew by ${grew.toFixed(0)} MiB)`);
      assert.ok(grew < 200, `grew ${grew} MiB`);
      const d = new KfpClient({ baseUrl: `${url}/declared`, maxResponseBytes: 64 * 1024 * 1024 });
      await assert.rejects(d.listRuns({}), /larger than 64 MiB/);
    } finally { srv.close(); }
  });
});
