// The same suite through @vscode/test-electron, for people with a desktop VS
// Code (it downloads VS Code from Microsoft, which is impossible on CI here).
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { copyWorkspace, ROOT } from './harness';

async function main(): Promise<void> {
  await runTests({
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, 'out/test/integration/suite/index.js'),
    launchArgs: [copyWorkspace(), '--disable-extensions'],
  });
}

void main().catch((e) => { console.error(e); process.exit(1); });
