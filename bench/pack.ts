// Packing a component folder for Cloud Build: a 200 MB folder of mixed files
// (source-like text, compressible data, incompressible blobs, many small files)
// packed by our snapshot + streamed tar.gz, against `tar czf` of the same files.
// Prints figures only. Run alone: `node out/bench/pack.js` (also part of npm run bench).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileChooserForDir } from '../src/core/cloudbuild/gcloudignore';
import { snapshot, writeTarball } from '../src/core/cloudbuild/snapshot';

function makeFolder(dir: string, totalMb: number): { files: number; bytes: number } {
  let bytes = 0, files = 0;
  const target = totalMb * 1024 * 1024;
  const line = 'def step(x: int) -> int:\n    return x * 2  # a line of source code\n';
  // 2,000 small source files in nested folders.
  for (let i = 0; i < 2000; i++) {
    const d = path.join(dir, 'src', `pkg${i % 40}`, `mod${i % 7}`);
    fs.mkdirSync(d, { recursive: true });
    const text = line.repeat(20 + (i % 50));
    fs.writeFileSync(path.join(d, `f${i}.py`), text);
    bytes += text.length; files++;
  }
  // Compressible data (CSV-like) and incompressible blobs (model weights), about half each.
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'models'), { recursive: true });
  let k = 0;
  while (bytes < target) {
    const size = 8 * 1024 * 1024;
    const buf = k % 2 === 0 ? Buffer.from(Array.from({ length: size / 32 }, (_, j) => `${k},${j},${(j * 7) % 1000},label-${j % 13}\n`.padEnd(32, ' ')).join('')) : randomBytes(size);
    fs.writeFileSync(path.join(dir, k % 2 === 0 ? 'data' : 'models', `part-${k}.${k % 2 === 0 ? 'csv' : 'bin'}`), buf);
    bytes += buf.length; files++; k++;
  }
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM python:3.11\nCOPY . /app\n');
  return { files: files + 1, bytes };
}

export async function benchPack(totalMb = 200): Promise<Array<[string, string]>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-pack-bench-'));
  const dir = path.join(root, 'component');
  fs.mkdirSync(dir);
  const out: Array<[string, string]> = [];
  try {
    const made = makeFolder(dir, totalMb);
    out.push(['folder', `${made.files} files, ${(made.bytes / 1048576).toFixed(0)} MiB`]);
    const ours = path.join(root, 'ours.tgz');
    const theirs = path.join(root, 'tar.tgz');
    // Warm the page cache for both.
    execFileSync('tar', ['cf', '/dev/null', '-C', dir, '.']);
    // What the packing holds: JS heap plus Buffers (the folder's generator has released its own by now).
    const held = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
    await new Promise((r) => setTimeout(r, 200));
    const rss0 = held();
    let peak = rss0;
    const sampler = setInterval(() => { peak = Math.max(peak, held()); }, 5);
    const t0 = performance.now();
    const snap = snapshot(dir, fileChooserForDir(dir));
    const walkMs = performance.now() - t0;
    await writeTarball(snap, fs.createWriteStream(ours));
    const oursMs = performance.now() - t0;
    clearInterval(sampler);
    const t1 = performance.now();
    execFileSync('tar', ['czf', theirs, '-C', dir, '.']);
    const tarMs = performance.now() - t1;
    out.push(['our walk (.gcloudignore rules) + tar.gz stream', `${oursMs.toFixed(0)} ms (walk ${walkMs.toFixed(0)} ms), ${(fs.statSync(ours).size / 1048576).toFixed(1)} MiB`]);
    out.push(['tar czf of the same folder', `${tarMs.toFixed(0)} ms, ${(fs.statSync(theirs).size / 1048576).toFixed(1)} MiB`]);
    out.push(['ours / tar czf', `${(oursMs / tarMs).toFixed(2)}×`]);
    out.push(['heap + buffers held while packing (peak − before)', `${((peak - rss0) / 1048576).toFixed(1)} MiB for a ${(made.bytes / 1048576).toFixed(0)} MiB folder`]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return out;
}

if (require.main === module) {
  void benchPack(Number(process.argv[2] ?? 200)).then((rows) => { for (const [k, v] of rows) console.log(`  ${k.padEnd(60)} ${v}`); });
}
