// Runs inside the VS Code extension host: every *.test.js beside this file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  // The restricted pass (an untrusted workspace) runs only the *restricted* files; the main pass all others.
  const restricted = process.env.KFP_SUITE === 'restricted';
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && f.includes('restricted') === restricted).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const out = process.env.KFP_TEST_RESULTS;
      if (out) fs.writeFileSync(out, JSON.stringify({ passes: runner.stats?.passes ?? 0, failures: runner.stats?.failures ?? failures, pending: runner.stats?.pending ?? 0 }));
      if (failures) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
  });
}
