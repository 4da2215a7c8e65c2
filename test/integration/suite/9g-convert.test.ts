// KFP v1 code to v2 inside VS Code: the code action and lens on a v1 file (not on
// a v2 one), the refactor preview applied, untouched text byte for byte, and the
// converted article-shaped pipeline compiled with the (stand-in) v2 SDK, run on the
// KFP 2 emulator and drawn like any v2 pipeline.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KfpEmulator } from '../../emulator/server';
import { addEndpoint, api, clearEndpoints, emulator, run } from './helpers';

const ROOT = path.resolve(__dirname, '../../../..');
const V2 = path.join(ROOT, 'test/fixtures/python/kfp-v2-standin');

describe('converting KFP v1 code to v2 from the editor', function () {
  this.timeout(120_000);
  let emu: KfpEmulator;
  let ws: string;
  const savedPath = process.env.PYTHONPATH;
  const copies: string[] = [];
  before(async () => {
    await clearEndpoints();
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    process.env.PYTHONPATH = V2;
    emu = await emulator({ seed: 'none', runDurationMs: 4000 });
    await addEndpoint('convert', emu.url);
  });
  after(async () => {
    process.env.PYTHONPATH = savedPath;
    for (const f of copies) fs.rmSync(f, { force: true });
    await clearEndpoints();
    await emu.stop();
  });

  function copy(from: string, name: string): string {
    const to = path.join(ws, 'pipelines', name);
    fs.copyFileSync(from, to);
    copies.push(to, to.replace(/\.py$/, '.yaml'));
    return to;
  }

  it('offers the conversion on a v1 file (code action and lens), and not on a v2 one', async () => {
    const v1 = vscode.Uri.file(path.join(ws, 'pipelines/legacy_v1.py'));
    const v2 = vscode.Uri.file(path.join(ws, 'pipelines/training_pipeline.py'));
    const actions = async (uri: vscode.Uri) => {
      await vscode.workspace.openTextDocument(uri);
      const all = await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>('vscode.executeCodeActionProvider', uri, new vscode.Range(0, 0, 0, 0));
      return all.filter((a) => ((a as vscode.CodeAction).command?.command ?? (a as vscode.Command).command) === 'kfp.pipeline.convertToV2');
    };
    assert.equal((await actions(v1)).length, 1);
    assert.equal((await actions(v2)).length, 0);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', v1);
    assert.ok(lenses.some((l) => l.command?.title === '$(wand) Convert to KFP v2…'), lenses.map((l) => l.command?.title).join(', '));
  });

  it('shows the rewrite as a refactor preview and changes nothing until it is applied; applied, only the edited ranges change', async () => {
    const file = copy(path.join(ROOT, 'test/fixtures/v1-pipelines/article_babyweight.py'), 'article_babyweight.py');
    const before = fs.readFileSync(file, 'utf8');
    const uri = vscode.Uri.file(file);
    // Interactive: VS Code's refactor preview shows the diff; discarded, nothing changes and the command says so.
    const pending = vscode.commands.executeCommand<{ ok: boolean; applied: boolean; cancelled?: boolean; edits: number }>('kfp.pipeline.convertToV2', { file: uri, interactive: true });
    let settled = false;
    void Promise.resolve(pending).finally(() => { settled = true; });
    for (let i = 0; i < 100 && !settled; i++) {
      await new Promise((r) => setTimeout(r, 200));
      try { await vscode.commands.executeCommand('refactorPreview.discard'); } catch { /* not shown yet */ }
    }
    const r = await pending;
    assert.deepEqual([r.ok, r.applied, r.cancelled], [true, false, true]);
    assert.equal(fs.readFileSync(file, 'utf8'), before, 'nothing changed');
    // Applied (as a script does, without the preview): the file is saved, and only the edited ranges changed.
    const done = await run('kfp.pipeline.convertToV2', { file, preview: false });
    assert.equal(done.applied, true, JSON.stringify(done));
    assert.equal(done.saved, true);
    const after = fs.readFileSync(file, 'utf8');
    const head = before.slice(0, before.indexOf('import kfp.dsl as dsl'));
    assert.ok(after.startsWith(head + 'import kfp.dsl as dsl\n'), 'the file head is untouched');
    const tail = before.slice(before.indexOf("if __name__ == '__main__':"));
    assert.ok(after.endsWith(tail.replace("__file__ + '.tar.gz'", "__file__ + '.yaml'")), 'the file end is untouched but the package name');
    assert.match(after, /# Step 2: Do hyperparameter tuning of the model on Cloud ML Engine/);
    assert.match(after, /with dsl\.If\(hparam_train\.outputs\['jobname'\] != 'none'\):/);
    // The article's images are not built in this workspace: those two ops stay (with their use_gcp_secret, so the
    // kfp.gcp import stays too), each with the reason above it.
    assert.deepEqual((done.notConverted as Array<{ what: string }>).map((n) => n.what).sort(), ['ContainerOp', 'ContainerOp', 'kfp.gcp']);
    assert.equal((after.match(/# kfp-v2: not converted: ContainerOp \(it has no command and the entrypoint of gcr\.io\/cloud-training-demos/g) ?? []).length, 2);
    // A second conversion finds nothing to do.
    const again = await run('kfp.pipeline.convertToV2', { file, preview: false });
    assert.equal(again.changed, false);
  });

  it('converts the demo\'s v1 pipeline with one action; it then compiles, runs and shows its run like any v2 pipeline', async () => {
    const file = copy(path.join(ws, 'pipelines/legacy_v1.py'), 'legacy_v1_converted.py');
    const r = await run('kfp.pipeline.convertToV2', { file, preview: false });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.applied, true, JSON.stringify(r));
    assert.deepEqual(r.notConverted, []);
    await vscode.workspace.saveAll(false);
    const text = fs.readFileSync(file, 'utf8');
    // The image's entrypoint came from components/preprocess/Dockerfile.
    assert.match(text, /args=\[rows, "python", "main\.py", "--date", date\]/);
    const compiled = await run('kfp.pipeline.compile', { file, overwrite: true });
    assert.equal(compiled.ok, true, compiled.error);
    assert.equal(compiled.kind, 'ir');
    const started = await run('kfp.pipeline.run', { file, mode: 'direct', openRun: false, parameters: { date: '2024-05-01' } });
    assert.equal(started.ok, true, started.error);
    const id = (started.run as { run_id: string }).run_id;
    assert.equal((await run('kfp.run.open', id)).ok, true);
    const panel = (await api()).runPanels.get(id)!;
    const rep = await panel.nextReport((x) => x.tableRows === 2, 30_000);
    assert.deepEqual(rep.rows!.map((x) => x.id).sort(), ['root/fetch-op', 'root/score-op']);
    assert.equal(rep.source?.includes('v1'), false);
    panel.panel.dispose();
  });

  it('a file that does not parse is said, and nothing changes', async () => {
    const bad = path.join(ws, 'pipelines', 'broken_v1.py');
    fs.writeFileSync(bad, 'from kfp import dsl\ndsl.ContainerOp(name="x", image="y"\n');
    copies.push(bad);
    const r = await run('kfp.pipeline.convertToV2', { file: bad, preview: false });
    assert.equal(r.ok, false);
    assert.match(r.error!, /does not parse/);
  });
});
