// Runs the integration suite inside a real VS Code: the VS Code server from the
// `code-server` npm package, driven by headless Chromium through playwright-core
// (see ../shared/vscode-harness.md). Nothing is downloaded from outside the npm
// registry and Debian. Also used by the demo to start the same server.
import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const CODE_SERVER_DIR = path.join(ROOT, '.vscode-test/code-server/node_modules/code-server');
export const SERVER_MAIN = path.join(CODE_SERVER_DIR, 'lib/vscode/out/server-main.js');
export const CHROMIUM = process.env.KFP_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function ensureCodeServer(): void {
  if (fs.existsSync(SERVER_MAIN)) return;
  execFileSync('bash', [path.join(ROOT, 'scripts/install-code-server.sh')], { stdio: 'inherit' });
}

export function vscodeVersion(): string {
  const product = JSON.parse(fs.readFileSync(path.join(CODE_SERVER_DIR, 'lib/vscode/product.json'), 'utf8')) as { version?: string; commit?: string };
  const pkg = JSON.parse(fs.readFileSync(path.join(CODE_SERVER_DIR, 'package.json'), 'utf8')) as { version?: string };
  return `VS Code ${product.version} (commit ${product.commit?.slice(0, 10)}) from code-server ${pkg.version}`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface ServerHandle { port: number; url: string; dataDir: string; process: ChildProcess; stop(): Promise<void> }

export async function startServer(opts: { settings?: Record<string, unknown>; env?: NodeJS.ProcessEnv; port?: number; host?: string; quiet?: boolean }): Promise<ServerHandle> {
  ensureCodeServer();
  const port = opts.port ?? await freePort();
  const host = opts.host ?? '127.0.0.1';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-vscode-data-'));
  fs.mkdirSync(path.join(dataDir, 'data/User'), { recursive: true });
  fs.mkdirSync(path.join(dataDir, 'data/Machine'), { recursive: true });
  // Our own settings also go to the remote machine's settings, which the server always serves (the browser's copy
  // of the user settings is kept in its own storage, and a reload does not always read it back in time).
  const ours = Object.fromEntries(Object.entries(opts.settings ?? {}).filter(([k]) => k.startsWith('kfp.')));
  fs.writeFileSync(path.join(dataDir, 'data/Machine/settings.json'), JSON.stringify(ours, null, 2));
  fs.writeFileSync(path.join(dataDir, 'data/User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false, 'update.mode': 'none', 'workbench.tips.enabled': false,
    ...(opts.settings ?? {}),
  }, null, 2));
  const child = spawn(process.execPath, [SERVER_MAIN, '--host', host, '--port', String(port), '--without-connection-token', '--accept-server-license-terms', '--server-data-dir', dataDir],
    { env: { ...process.env, ...(opts.env ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const onData = (b: Buffer) => { for (const l of b.toString().split('\n')) if (l.trim()) { lines.push(l); if (!opts.quiet && process.env.KFP_TEST_VERBOSE) console.log(`[server] ${l}`); } };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`VS Code server exited: ${lines.slice(-20).join('\n')}`);
    try { const r = await fetch(url + '/version'); if (r.status < 500) break; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('VS Code server did not answer within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port, url, dataDir, process: child,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The page URL that opens a folder with the development extension (and, optionally, a test suite). */
export function workbenchUrl(server: ServerHandle, folder: string, testsPath?: string): string {
  const payload: string[][] = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${ROOT}`]];
  if (testsPath) payload.push(['extensionTestsPath', `vscode-remote://127.0.0.1:${server.port}${testsPath}`]);
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** A fresh copy of the sample workspace, so tests never touch the fixture. */
export function copyWorkspace(): string {
  const src = path.join(ROOT, 'test/fixtures/workspace');
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-workspace-'));
  fs.cpSync(src, dest, { recursive: true });
  return dest;
}
