// Real container engines for the tests (../shared/container-builds.md): Debian's
// Docker engine started with private paths and no host network changes, Debian's
// docker-registry on loopback, buildah with vfs storage and chroot isolation.
// Nothing is pulled: test images are FROM scratch with a static busybox.
// `.ci/run` installs the packages; tests that need one skip, saying why, without it.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface RealEngines {
  /** DOCKER_HOST of the private engine (undefined when dockerd is not installed). */
  dockerHost?: string;
  docker?: string;
  buildah?: string;
  /** Extra arguments buildah needs here (private storage, vfs). */
  buildahGlobal: string[];
  /** host:port of the loopback registry. */
  registry?: string;
  busybox?: string;
  why: string[];
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const has = (p: string) => { try { fs.accessSync(p, fs.constants.X_OK); return true; } catch { return false; } };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

async function until(what: string, ms: number, ok: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try { if (await ok()) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`${what} did not come up within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Starts what is installed; `docker: false` leaves the machine's own Docker engine alone (the demo uses it). */
export async function startRealEngines(o: { docker?: boolean; registryPort?: number } = {}): Promise<RealEngines> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-engines-'));
  const procs: ChildProcess[] = [];
  const why: string[] = [];
  const out: RealEngines = { buildahGlobal: [], why, env: {}, stop: async () => undefined };
  out.busybox = ['/bin/busybox', '/usr/bin/busybox'].find(has);
  if (!out.busybox) why.push('busybox-static is not installed (the test images copy it)');
  // The Docker engine.
  const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find(has);
  const docker = ['/usr/bin/docker', '/usr/local/bin/docker'].find(has);
  if (o.docker === false) { /* the caller has an engine */ } else if (dockerd && docker && process.getuid?.() === 0) {
    const sock = path.join(dir, 'docker.sock');
    const p = spawn(dockerd, ['--data-root', path.join(dir, 'dd'), '--exec-root', path.join(dir, 'dx'), '--pidfile', path.join(dir, 'dockerd.pid'),
      '-H', `unix://${sock}`, '--iptables=false', '--ip6tables=false', '--bridge=none'], { stdio: ['ignore', fs.openSync(path.join(dir, 'dockerd.log'), 'a'), fs.openSync(path.join(dir, 'dockerd.log'), 'a')] });
    procs.push(p);
    try {
      await until('dockerd', 30_000, () => { execFileSync(docker, ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, stdio: 'pipe' }); return true; });
      out.dockerHost = `unix://${sock}`;
      out.docker = docker;
    } catch (e) {
      why.push(`dockerd did not start: ${(e as Error).message}; ${fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').split('\n').slice(-3).join(' ')}`);
    }
  } else why.push(!dockerd || !docker ? 'the Docker engine (Debian docker.io) is not installed' : 'dockerd needs root here');
  // The registry.
  const registry = ['/usr/bin/docker-registry'].find(has);
  if (registry) {
    const port = o.registryPort ?? await freePort();
    const cfg = path.join(dir, 'registry.yml');
    fs.writeFileSync(cfg, `version: 0.1\nstorage: { filesystem: { rootdirectory: ${path.join(dir, 'registry')} } }\nhttp: { addr: 127.0.0.1:${port} }\nlog: { level: error }\n`);
    procs.push(spawn(registry, ['serve', cfg], { stdio: 'ignore' }));
    try {
      await until('docker-registry', 15_000, async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 200);
      out.registry = `127.0.0.1:${port}`;
    } catch (e) { why.push((e as Error).message); }
  } else why.push('docker-registry is not installed');
  const buildah = ['/usr/bin/buildah'].find(has);
  if (buildah) {
    out.buildah = buildah;
    // Private storage; a storage.conf passed through CONTAINERS_STORAGE_CONF so that buildah run by the extension uses it too.
    const conf = path.join(dir, 'storage.conf');
    fs.writeFileSync(conf, `[storage]\ndriver = "vfs"\nrunroot = "${path.join(dir, 'bh-run')}"\ngraphroot = "${path.join(dir, 'bh')}"\n`);
    out.env.CONTAINERS_STORAGE_CONF = conf;
    out.env.BUILDAH_ISOLATION = 'chroot';
  } else why.push('buildah is not installed');
  if (out.dockerHost) out.env.DOCKER_HOST = out.dockerHost;
  out.stop = async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode !== null ? undefined : Promise.race([new Promise((r) => p.once('exit', r)), new Promise((r) => setTimeout(r, 8000))]))));
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    // dockerd leaves mounts under its data root.
    try {
      for (const m of fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(dir)).reverse()) {
        try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* gone */ }
      }
    } catch { /* not Linux */ }
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  return out;
}

/** A component folder whose image is FROM scratch with busybox: `main.sh`-like behaviour from busybox's own applets. */
export function writeScratchComponent(dir: string, busybox: string, o: { failAtRun?: boolean } = {}): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(busybox, path.join(dir, 'busybox'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), [
    '# A step image with nothing but busybox',
    'FROM scratch',
    'COPY busybox /bin/busybox',
    o.failAtRun ? 'RUN ["/bin/busybox", "sh", "-c", "echo failing on purpose; exit 3"]' : 'RUN ["/bin/busybox", "mkdir", "-p", "/app"]',
    'ENTRYPOINT ["/bin/busybox"]',
    '',
  ].join('\n'));
}
