import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, children, clearEndpoints, EXTENSION_ID } from './helpers';

describe('activation', () => {
  before(clearEndpoints);

  it('activates and registers every command declared in package.json', async () => {
    const started = Date.now();
    const a = await api();
    assert.ok(a.explorer && a.endpoints && a.poller);
    console.log(`      (activated in ${Date.now() - started} ms)`);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const pkg = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }> } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });

  it('shows nothing in the tree (so the welcome view appears) when no endpoint is configured', async () => {
    const a = await api();
    assert.equal(a.endpoints.active(), undefined);
    assert.deepEqual(await children(), []);
    assert.equal(a.endpoints.connectionState, 'none');
  });

  it('commands that need an endpoint say so instead of failing obscurely', async () => {
    const r = await vscode.commands.executeCommand<{ ok: boolean; error?: string }>('kfp.endpoint.testConnection');
    assert.equal(r.ok, false);
    assert.match(r.error!, /Add Endpoint/);
    const bad = await vscode.commands.executeCommand<{ ok: boolean; error?: string }>('kfp.item.copyId', { nonsense: true });
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /Select an item/);
  });
});
