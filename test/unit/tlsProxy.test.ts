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
