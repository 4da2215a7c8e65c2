// Local builds with real engines: the Docker engine and buildah build FROM scratch
// images and push them to a real registry on loopback (test/containers/realEngines.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BuildOutputReader, buildArgs, chooseEngine, dockerfileInstructions, EngineKind, pushArgs, runArgs } from '../../src/core/containers/engine';
import { runProcess } from '../../src/core/containers/process';
import { parseImage } from '../../src/core/components/images';
import { RealEngines, startRealEngines, writeScratchComponent } from '../containers/realEngines';
import { parseComponentYaml, resolveCommandLine } from '../../src/core/components/components';
import { writeValidateStep } from '../../scripts/demoWorkspace';

describe('container engine arguments and output', () => {
  it('passes every value as one argument: an image name or build argument with shell characters injects nothing', () => {
    const evil = 'x:$(touch /tmp/pwned);`id`';
    const a = buildArgs('docker', { contextDir: '/w/step', dockerfile: '/w/step/Dockerfile', tags: [evil], buildArgs: { A: 'a b; rm -rf /' }, platform: 'linux/amd64', target: 't' });
    assert.deepEqual(a, ['build', '-f', '/w/step/Dockerfile', '-t', evil, '--build-arg', 'A=a b; rm -rf /', '--target', 't', '--platform', 'linux/amd64', '/w/step']);
    assert.equal(buildArgs('buildah', { contextDir: 'c', dockerfile: 'f', tags: [] })[0], 'bud');
    assert.deepEqual(runArgs('docker', { image: 'i:1', argv: ['python', 'main.py', '--x', '1'], mounts: [{ host: '/h', container: '/kfp-try' }] }),
      ['run', '--rm', '-v', '/h:/kfp-try', '--entrypoint', 'python', 'i:1', 'main.py', '--x', '1']);
    assert.throws(() => runArgs('buildah', { image: 'i', argv: [] }), /Try needs docker or podman/);
    assert.deepEqual(pushArgs('buildah', '127.0.0.1:5000/a/b:1', '/tmp/d'), ['push', '--tls-verify=false', '--digestfile', '/tmp/d', '127.0.0.1:5000/a/b:1']);
    assert.deepEqual(pushArgs('docker', 'gcr.io/p/b:1'), ['push', 'gcr.io/p/b:1']);
  });

  it('chooses an engine on PATH, ignoring relative PATH entries (a workspace folder must not supply one)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eng-'));
    try {
      fs.writeFileSync(path.join(dir, 'podman'), '#!/bin/sh\n', { mode: 0o755 });
      assert.deepEqual(chooseEngine('auto', {}, { PATH: dir }), { kind: 'podman', path: path.join(dir, 'podman') });
      assert.match((chooseEngine('auto', {}, { PATH: 'relative/bin' }) as { missing: string }).missing, /No container engine was found/);
      assert.match((chooseEngine('docker', { docker: 'bin/docker' }, { PATH: dir }) as { missing: string }).missing, /absolute path/);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  it('finds each instruction\'s line: comments, continuations, parser directives', () => {
    const text = ['# escape=`', '# a comment', 'FROM scratch', '', 'RUN echo a `', '  # inside', '    && echo b', 'COPY x /x', ''].join('\n');
    assert.deepEqual(dockerfileInstructions(text).map((i) => [i.line, i.keyword, i.text]), [[2, 'FROM', 'FROM scratch'], [4, 'RUN', 'RUN echo a && echo b'], [7, 'COPY', 'COPY x /x']]);
  });

  it('puts a failure at its instruction from each engine\'s output', () => {
    const ins = dockerfileInstructions('FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "exit 3"]\n');
    const outputs: Record<string, string[]> = {
      docker: ['Step 2/3 : COPY busybox /bin/busybox', ' ---> 4ce13ecfdec4', 'Step 3/3 : RUN ["/bin/busybox", "sh", "-c", "exit 3"]', ' ---> Running in deea0c0dbc41', "The command '/bin/busybox sh -c exit 3' returned a non-zero code: 3"],
      buildah: ['STEP 2/3: COPY busybox /bin/busybox', 'STEP 3/3: RUN ["/bin/busybox", "sh", "-c", "exit 3"]', 'subprocess exited with status 3', 'Error: building at STEP "RUN /bin/busybox sh -c exit 3": exit status 3'],
      buildkit: ['#5 [2/2] RUN ["/bin/busybox", "sh", "-c", "exit 3"]', '#5 ERROR: process "/bin/busybox sh -c exit 3" did not complete successfully: exit code: 3', '------', ' > [2/2] RUN ["/bin/busybox", "sh", "-c", "exit 3"]:', '------'],
    };
    for (const [engine, lines] of Object.entries(outputs)) {
      const r = new BuildOutputReader(ins);
      for (const l of lines) r.line(l);
      const f = r.failure();
      assert.equal(f.instruction?.line, 2, engine);
      assert.match(f.message, /exit (code|status)|non-zero code/, engine);
    }
  });
});

describe('real local builds, runs and pushes', function () {
  this.timeout(180_000);
  let eng: RealEngines;
  let ws: string;
  before(async () => {
    eng = await startRealEngines();
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-build-'));
  });
  after(async () => { await eng?.stop(); fs.rmSync(ws, { recursive: true, force: true }); });

  const engines: Array<{ kind: EngineKind; bin: () => string | undefined; global: () => string[] }> = [
    { kind: 'docker', bin: () => (eng.dockerHost ? eng.docker : undefined), global: () => [] },
    { kind: 'buildah', bin: () => eng.buildah, global: () => [] },
  ];
  const env = () => ({ ...process.env, ...eng.env });

  for (const e of engines) {
    it(`${e.kind}: builds, pushes to the loopback registry and reports the digest; a failing RUN is put at its line`, async function () {
      const bin = e.bin();
      if (!bin || !eng.registry || !eng.busybox) { console.log(`      (skipped: ${eng.why.join('; ')})`); this.skip(); }
      const dir = path.join(ws, `${e.kind}-ok`);
      writeScratchComponent(dir, eng.busybox!);
      const image = `${eng.registry}/team/prep-${e.kind}:v1`;
      const lines: string[] = [];
      const b = await runProcess(bin!, [...e.global(), ...buildArgs(e.kind, { contextDir: dir, dockerfile: path.join(dir, 'Dockerfile'), tags: [image], platform: 'linux/amd64' })], { env: env(), cwd: dir, onLine: (l) => lines.push(l) });
      assert.equal(b.code, 0, lines.slice(-10).join('\n'));
      const digestFile = path.join(ws, `${e.kind}.digest`);
      const pr = new BuildOutputReader([]);
      const p = await runProcess(bin!, [...e.global(), ...pushArgs(e.kind, image, digestFile)], { env: env(), onLine: (l) => pr.line(l) });
      assert.equal(p.code, 0);
      const digest = e.kind === 'docker' ? pr.digest : fs.readFileSync(digestFile, 'utf8').trim();
      assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
      // The registry has it, under that digest.
      const repo = parseImage(image).repository.split('/').slice(1).join('/');
      const head = await fetch(`http://${eng.registry}/v2/${repo}/manifests/v1`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(head.status, 200, `${repo} manifest`);
      assert.equal(head.headers.get('docker-content-digest'), digest);
      // A failing RUN: the reader names the Dockerfile line.
      const bad = path.join(ws, `${e.kind}-bad`);
      writeScratchComponent(bad, eng.busybox!, { failAtRun: true });
      const reader = new BuildOutputReader(dockerfileInstructions(fs.readFileSync(path.join(bad, 'Dockerfile'), 'utf8')));
      const f = await runProcess(bin!, [...e.global(), ...buildArgs(e.kind, { contextDir: bad, dockerfile: path.join(bad, 'Dockerfile'), tags: [`${eng.registry}/team/bad:1`] })], { env: env(), onLine: (l) => reader.line(l) });
      assert.notEqual(f.code, 0);
      assert.equal(reader.failure().instruction?.line, 3, JSON.stringify(reader.failure()));
    });
  }

  it('docker: a try-out run gets the component\'s arguments and writes its output into the mounted work folder', async function () {
    if (!eng.dockerHost || !eng.busybox) { console.log(`      (skipped: ${eng.why.join('; ')})`); this.skip(); }
    const dir = path.join(ws, 'try');
    writeScratchComponent(dir, eng.busybox!);
    const image = 'kfp-test/try:1';
    assert.equal((await runProcess(eng.docker!, buildArgs('docker', { contextDir: dir, dockerfile: path.join(dir, 'Dockerfile'), tags: [image] }), { env: env() })).code, 0);
    const work = fs.mkdtempSync(path.join(ws, 'work-'));
    fs.mkdirSync(path.join(work, 'outputs'));
    const out: string[] = [];
    const r = await runProcess(eng.docker!, runArgs('docker', { image, argv: ['/bin/busybox', 'sh', '-c', 'echo "$1" > /kfp-try/outputs/result; echo done', 'sh', 'it; works $(x)'], mounts: [{ host: work, container: '/kfp-try' }] }), { env: env(), onLine: (l) => out.push(l) });
    assert.equal(r.code, 0, out.join('\n'));
    assert.equal(fs.readFileSync(path.join(work, 'outputs/result'), 'utf8'), 'it; works $(x)\n');
  });

  it('docker: the demo\'s offline step (validate) builds, and its try-out run checks data as component.yaml says', async function () {
    if (!eng.dockerHost || !eng.busybox) { console.log(`      (skipped: ${eng.why.join('; ')})`); this.skip(); }
    const demo = path.join(ws, 'demo');
    const dir = writeValidateStep(demo, eng.busybox!);
    const image = 'kfp-demo/validate:1';
    const lines: string[] = [];
    const b = await runProcess(eng.docker!, buildArgs('docker', { contextDir: dir, dockerfile: path.join(dir, 'Dockerfile'), tags: [image] }), { env: env(), onLine: (l) => lines.push(l) });
    assert.equal(b.code, 0, lines.slice(-10).join('\n'));
    const spec = parseComponentYaml(fs.readFileSync(path.join(dir, 'component.yaml'), 'utf8'));
    const tryIt = async (values: Record<string, string>) => {
      const work = fs.mkdtempSync(path.join(ws, 'validate-'));
      const cmd = resolveCommandLine(spec, values, '/kfp-try');
      assert.deepEqual(cmd.missing, []);
      for (const [name, p] of Object.entries(cmd.inputFiles)) { fs.mkdirSync(path.dirname(path.join(work, p.slice(9))), { recursive: true }); fs.writeFileSync(path.join(work, p.slice(9)), values[name]); }
      for (const p of Object.values(cmd.outputFiles)) fs.mkdirSync(path.dirname(path.join(work, p.slice(9))), { recursive: true });
      const out: string[] = [];
      const r = await runProcess(eng.docker!, runArgs('docker', { image, argv: cmd.argv, mounts: [{ host: work, container: '/kfp-try' }] }), { env: env(), onLine: (l) => out.push(l) });
      return { code: r.code, out: out.join('\n'), report: fs.readFileSync(path.join(work, cmd.outputFiles.report.slice(9)), 'utf8') };
    };
    const good = await tryIt({ data: 'id,churn\n1,0\n2,1\n', min_rows: '2' });
    assert.equal(good.code, 0, good.out);
    assert.equal(good.report, 'OK: 2 rows\n');
    assert.match(good.out, /header: id,churn/);
    const short = await tryIt({ data: 'id,churn\n1,0\n', min_rows: '5' });
    assert.equal(short.code, 1);
    assert.equal(short.report, 'FAIL: 1 rows, fewer than 5\n');
  });

  it('an image name with shell characters is refused by the engine and runs nothing', async function () {
    if (!eng.dockerHost || !eng.busybox) { console.log(`      (skipped: ${eng.why.join('; ')})`); this.skip(); }
    const dir = path.join(ws, 'evil');
    writeScratchComponent(dir, eng.busybox!);
    const marker = path.join(ws, 'pwned');
    const lines: string[] = [];
    const r = await runProcess(eng.docker!, buildArgs('docker', { contextDir: dir, dockerfile: path.join(dir, 'Dockerfile'), tags: [`x:1;touch ${marker}`, `$(touch ${marker})`] }), { env: env(), onLine: (l) => lines.push(l) });
    assert.notEqual(r.code, 0);
    assert.match(lines.join('\n'), /invalid (argument|reference format)/);
    assert.equal(fs.existsSync(marker), false);
  });

  it('cancelling stops a build that is running', async function () {
    if (!eng.dockerHost || !eng.busybox) { console.log(`      (skipped: ${eng.why.join('; ')})`); this.skip(); }
    const dir = path.join(ws, 'slow');
    writeScratchComponent(dir, eng.busybox!);
    fs.appendFileSync(path.join(dir, 'Dockerfile'), 'RUN ["/bin/busybox", "sleep", "60"]\n');
    const ac = new AbortController();
    let sawSleep = false;
    const started = Date.now();
    const p = runProcess(eng.docker!, buildArgs('docker', { contextDir: dir, dockerfile: path.join(dir, 'Dockerfile'), tags: ['kfp-test/slow:1'] }), {
      env: env(), signal: ac.signal, onLine: (l) => { if (/sleep/.test(l) && !sawSleep) { sawSleep = true; setTimeout(() => ac.abort(), 500); } },
    });
    const r = await p;
    assert.equal(r.cancelled, true);
    assert.ok(sawSleep);
    assert.ok(Date.now() - started < 30_000, 'it did not wait for the 60 s step');
  });
});
