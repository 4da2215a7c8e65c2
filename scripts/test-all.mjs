// `npm test`: type-check, build, unit tests (plain Node), then the integration
// suite inside a real VS Code; ends with one summary line for CI.
import { spawnSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';

const require = createRequire(import.meta.url);
const step = (title, cmd, args) => {
  console.log(`\n== ${title}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) { console.log(`\ntests: 0 passed, 1 failed (${title} failed)`); process.exit(r.status ?? 1); }
};

step('type check', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
step('type check (webviews)', 'npx', ['tsc', '-p', 'tsconfig.webview.json']);
step('build', 'node', ['scripts/build.mjs']);
step('compile tests', 'npx', ['tsc', '-p', 'tsconfig.test.json']);

console.log('\n== unit tests (Node)');
const Mocha = require('mocha');
const mocha = new Mocha({ timeout: 20000, reporter: 'spec' });
for (const f of readdirSync('out/test/unit', { recursive: true }).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(`out/test/unit/${f}`);
const unit = await new Promise((resolve) => { const runner = mocha.run(() => resolve(runner.stats)); });

console.log('\n== integration tests (inside VS Code)');
let integ = { passed: 0, failed: 0, skipped: 0 };
const code = await new Promise((resolve) => {
  const child = spawn('node', ['out/test/integration/runInCodeServer.js'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (b) => {
    process.stdout.write(b);
    const m = /integration: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(b.toString());
    if (m) integ = { passed: +m[1], failed: +m[2], skipped: +m[3] };
  });
  child.on('exit', (c) => resolve(c ?? 1));
});
if (code !== 0 && integ.failed === 0) integ.failed = 1;

const passed = unit.passes + integ.passed;
const failed = unit.failures + integ.failed;
const skipped = unit.pending + integ.skipped;
console.log(`\nunit: ${unit.passes} passed, ${unit.failures} failed; integration: ${integ.passed} passed, ${integ.failed} failed`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed ? 1 : 0);
