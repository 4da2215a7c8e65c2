// Authoring and submitting pipelines inside VS Code, with the stand-in KFP SDK
// (test/fixtures/python: NOT the real SDK, which cannot be installed here).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KfpEmulator } from '../../emulator/server';
import { sharedDir } from '../../emulator/openapi';
import { parsePipelineText, pipelineParameters, ParameterType } from '../../../src/core/pipeline/spec';
import type { JsonValue } from '../../../src/core/kfp/types';
import { addEndpoint, api, children, clearEndpoints, emulator, label, run, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '../../../..');
const V2 = path.join(ROOT, 'test/fixtures/python/kfp-v2-standin');
const V1 = path.join(ROOT, 'test/fixtures/python/kfp-v1-standin');

describe('pipelines from the editor', () => {
  let emu: KfpEmulator;
  let ws: string;
  const savedPath = process.env.PYTHONPATH;
  before(async () => {
    await clearEndpoints();
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    process.env.PYTHONPATH = V2;
    emu = await emulator();
    await addEndpoint('emu', emu.url);
  });
  after(async () => {
    process.env.PYTHONPATH = savedPath;
    assert.deepEqual(emu.violations, []);
    await clearEndpoints();
    await emu.stop();
  });

  it('shows Compile · Run · Run with Options · Upload · Schedule above each pipeline, and the pipelines in the outline', async () => {
    const uri = vscode.Uri.file(path.join(ws, 'pipelines/training_pipeline.py'));
    await vscode.window.showTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const ours = lenses.filter((l) => l.command?.command.startsWith('kfp.'));
    assert.deepEqual(ours.map((l) => l.command!.title), ['$(gear) Compile', '$(play) Run', 'Run with Options…', '$(cloud-upload) Upload', '$(calendar) Schedule…', '$(type-hierarchy) Show Graph']);
    assert.equal(ours[0].range.start.line, 13);
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', uri);
    assert.ok(symbols.some((s) => s.name === 'churn_training' && s.detail.includes('KFP pipeline')), symbols.map((s) => s.name).join(','));
  });

  it('lists the pipelines of the workspace', async () => {
    const a = await api();
    const files = await a.workspacePipelines.getChildren();
    const names = files.map((f) => path.basename((f as { uri: vscode.Uri }).uri.fsPath)).sort();
    assert.deepEqual(names, ['legacy_v1.py', 'training_pipeline.py']);
    const fns = await a.workspacePipelines.getChildren(files.find((f) => (f as { uri: vscode.Uri }).uri.fsPath.endsWith('training_pipeline.py')));
    assert.equal(a.workspacePipelines.getTreeItem(fns[0]).label, 'churn_training');
  });

  it('compiles with the user\'s SDK and writes the YAML next to the file', async () => {
    const r = await run('kfp.pipeline.compile', { file: 'pipelines/training_pipeline.py' });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.output, path.join(ws, 'pipelines/churn_training.yaml'));
    assert.equal(r.pipelineName, 'churn-training');
    assert.equal(r.sdkVersion, '2.7.0');
    const again = await run('kfp.pipeline.compile', { file: 'pipelines/training_pipeline.py' });
    assert.equal(again.ok, true, 'its own output is replaced without asking');
  });

  it('never replaces a file it did not write without being told to', async () => {
    const out = path.join(ws, 'pipelines/churn_training.yaml');
    fs.writeFileSync(out, '# my own notes\n');
    const r = await run('kfp.pipeline.compile', { file: 'pipelines/training_pipeline.py' });
    assert.equal(r.ok, false);
    assert.equal(r.kind, 'exists');
    assert.equal(fs.readFileSync(out, 'utf8'), '# my own notes\n');
    const forced = await run('kfp.pipeline.compile', { file: 'pipelines/training_pipeline.py', overwrite: true });
    assert.equal(forced.ok, true);
    assert.notEqual(fs.readFileSync(out, 'utf8'), '# my own notes\n');
  });

  it('puts a syntax error at its line in the Problems view', async () => {
    const file = path.join(ws, 'pipelines/broken.py');
    fs.writeFileSync(file, 'from kfp import dsl\n\n@dsl.pipeline(name="b")\ndef b(:\n    pass\n');
    try {
      const r = await run('kfp.pipeline.compile', { file });
      assert.equal(r.ok, false);
      assert.equal(r.kind, 'syntax');
      const diags = await waitFor(() => vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((d) => d.source === 'KFP compile'), 'a diagnostic');
      assert.equal(diags.length, 1);
      assert.equal(diags[0].range.start.line, 3);
    } finally { fs.rmSync(file); }
  });

  it('says so, with an action, when the interpreter has no KFP SDK', async () => {
    const noKfp = path.join(ws, '.nokfp');
    fs.mkdirSync(path.join(noKfp, 'kfp'), { recursive: true });
    fs.writeFileSync(path.join(noKfp, 'kfp/__init__.py'), 'raise ImportError("No module named kfp (simulated)")\n');
    process.env.PYTHONPATH = noKfp;
    try {
      const r = await run('kfp.pipeline.compile', { file: 'pipelines/training_pipeline.py' });
      assert.equal(r.ok, false);
      assert.equal(r.kind, 'no-sdk');
      assert.match(String(r.hint), /pip install kfp/);
    } finally { process.env.PYTHONPATH = V2; fs.rmSync(noKfp, { recursive: true }); }
  });

  it('Run: compiles, uploads, starts the run with typed parameters in the experiment, then a new version next time', async () => {
    const before = emu.runs.length;
    const r = await run('kfp.pipeline.run', { file: 'pipelines/training_pipeline.py', parameters: { learning_rate: '0.25', input_path: 'gs://b/x.csv' }, experiment: 'churn-model' });
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(r.created, ['pipeline', 'run']);
    assert.equal(emu.runs.length, before + 1);
    const created = emu.runs[emu.runs.length - 1];
    assert.deepEqual(created.parameters, { learning_rate: 0.25, input_path: 'gs://b/x.csv' });
    assert.equal(emu.experiments.find((e) => e.id === created.experimentId)?.displayName, 'churn-model');
    // The started run opens in the run view (as the README says), not as a JSON document.
    await waitFor(async () => (await api()).runPanels.has(String((r.run as { run_id: string }).run_id)), 'the run to open in the run view');
    const second = await run('kfp.pipeline.run', { file: 'pipelines/training_pipeline.py', experiment: 'churn-model', versionName: 'v-second' });
    assert.deepEqual(second.created, ['version', 'run']);
    assert.equal((second.version as { display_name: string }).display_name, 'v-second');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Run rejects a wrong parameter value or name with a clear message and creates nothing', async () => {
    const pipelines = emu.pipelines.length;
    const bad = await run('kfp.pipeline.run', { file: 'pipelines/training_pipeline.py', parameters: { learning_rate: 'fast' } });
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /"fast" is not a number/);
    const unknown = await run('kfp.pipeline.run', { file: 'pipelines/training_pipeline.py', parameters: { lr: 1 } });
    assert.match(unknown.error!, /no parameter "lr"/);
    assert.equal(emu.pipelines.length, pipelines);
  });

  it('uploads without running: a new pipeline, then a new version of it', async () => {
    const file = path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml');
    const runs = emu.runs.length;
    const first = await run('kfp.pipeline.upload', { file, pipelineName: 'hello-upload-only' });
    assert.equal(first.ok, true, first.error);
    assert.deepEqual(first.created, ['pipeline']);
    const second = await run('kfp.pipeline.upload', { file, pipelineName: 'hello-upload-only', versionName: 'second' });
    assert.deepEqual(second.created, ['version']);
    assert.equal((second.version as { display_name: string }).display_name, 'second');
    assert.equal(emu.runs.length, runs, 'no run was started');
  });

  it('validates compiled files, reporting problems with their lines', async () => {
    const ok = await run('kfp.pipeline.validate', { file: path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml') });
    assert.equal(ok.kind, 'ir');
    assert.deepEqual(ok.problems, []);
    const bad = path.join(ws, 'bad.yaml');
    fs.writeFileSync(bad, 'pipelineInfo: {name: x}\nschemaVersion: 2.1.0\nroot:\n  dag:\n    tasks:\n      a: {componentRef: {name: comp-missing}}\n');
    const r = await run('kfp.pipeline.validate', { file: bad });
    assert.deepEqual((r.problems as Array<{ line: number; message: string }>).map((p) => p.line), [6]);
    assert.match((r.problems as Array<{ message: string }>)[0].message, /comp-missing/);
    assert.equal(vscode.languages.getDiagnostics(vscode.Uri.file(bad)).length, 1);
    const notSpec = await run('kfp.pipeline.validate', { file: path.join(ws, 'pipelines/training_pipeline.py') });
    assert.equal(notSpec.ok, false);
    assert.match(notSpec.error!, /compiled pipeline/);
  });

  it('runs a compiled file directly without uploading', async () => {
    const pipelines = emu.pipelines.length;
    const r = await run('kfp.pipeline.run', { file: path.join(ROOT, 'test/fixtures/pipelines/with_platform_spec.yaml'), mode: 'direct', openRun: false });
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(r.created, ['run']);
    assert.equal(emu.pipelines.length, pipelines);
    const spec = emu.runs[emu.runs.length - 1].spec as Record<string, unknown>;
    assert.ok(spec.pipeline_spec && spec.platform_spec);
  });

  it('uploads and runs every valid SDK-compiled sample, and explains the invalid ones', async function () {
    const shared = sharedDir();
    if (!shared) this.skip();
    const dir = path.join(shared!, 'kfp-samples/compiled');
    const dummy: Record<ParameterType, JsonValue> = { STRING: 'x', NUMBER_INTEGER: 1, NUMBER_DOUBLE: 0.5, BOOLEAN: true, LIST: [], STRUCT: {}, TASK_FINAL_STATUS: '', TASK_CONFIG: '' };
    for (const f of fs.readdirSync(dir)) {
      const file = path.join(dir, f);
      if (f.startsWith('invalid__')) {
        const r = await run('kfp.pipeline.run', { file, openRun: false });
        assert.equal(r.ok, false, f);
        assert.match(r.error!, /no name|Unknown top-level key/, f);
        assert.ok(vscode.languages.getDiagnostics(vscode.Uri.file(file)).length > 0, `${f} has diagnostics`);
        continue;
      }
      const params = Object.fromEntries(pipelineParameters(parsePipelineText(fs.readFileSync(file, 'utf8'))).filter((p) => !p.optional).map((p) => [p.name, dummy[p.type]]));
      const r = await run('kfp.pipeline.run', { file, parameters: params, experiment: 'samples', openRun: false });
      assert.equal(r.ok, true, `${f}: ${r.error}`);
    }
  });

  it('compiles a v1 pipeline (ContainerOp) and runs it on a KFP 1.x server', async () => {
    const v1 = await emulator({ apiVersion: 'v1beta1' });
    process.env.PYTHONPATH = V1;
    try {
      await addEndpoint('kfp1', v1.url);
      const r = await run('kfp.pipeline.run', { file: 'pipelines/legacy_v1.py', parameters: { date: '2024-03-01' }, openRun: false });
      assert.equal(r.ok, true, r.error);
      assert.equal(v1.runs[v1.runs.length - 1].parameters?.date, '2024-03-01');
      process.env.PYTHONPATH = V2;
      const ir = await run('kfp.pipeline.run', { file: 'pipelines/training_pipeline.py', openRun: false });
      assert.equal(ir.ok, false);
      assert.match(ir.error!, /cannot run KFP v2 pipelines/);
    } finally {
      process.env.PYTHONPATH = V2;
      await run('kfp.endpoint.select', 'emu');
      await v1.stop();
    }
  });

  it('runs an uploaded pipeline (its newest version) or a chosen version from the tree, and says what is wrong', async () => {
    const roots = await children();
    const pipelinesRoot = roots.find((n) => label(n) === 'Pipelines')!;
    const pipelines = await children(pipelinesRoot);
    const node = pipelines.find((n) => /\bkfp\.pipeline\b/.test(String(n.treeItem().contextValue)))!;
    assert.ok(node, pipelines.map(label).join(', '));
    // The tree offers Run (inline and in the menu) and Run with Options on pipelines and versions.
    const menus = JSON.parse(fs.readFileSync(path.join(vscode.extensions.getExtension('kfp-vscode.kubeflow-pipelines-vscode')!.extensionPath, 'package.json'), 'utf8')).contributes.menus['view/item/context'] as Array<{ command: string; when: string }>;
    for (const cmd of ['kfp.pipeline.runVersion', 'kfp.pipeline.runVersionWithOptions']) {
      const entry = menus.find((m) => m.command === cmd)!;
      const re = new RegExp(/viewItem =~ \/(.*)\//.exec(entry.when)![1]);
      assert.ok(re.test(String(node.treeItem().contextValue)), `${cmd} is offered on ${node.treeItem().contextValue}`);
    }
    const pipelineId = (node as unknown as { resource(): { id: string } }).resource().id;
    const pl = emu.pipelines.find((p) => p.id === pipelineId)!;
    const newest = emu.versions.filter((v) => v.pipelineId === pipelineId).sort((a, b) => b.createdAt - a.createdAt)[0];
    const defs = ((((newest.spec.pipeline_spec ?? newest.spec) as Record<string, Record<string, Record<string, Record<string, { isOptional?: boolean; defaultValue?: unknown; parameterType?: string }>>>>).root?.inputDefinitions?.parameters) ?? {});
    const parameters = Object.fromEntries(Object.entries(defs).filter(([, d]) => !d.isOptional && d.defaultValue === undefined).map(([k, d]) => [k, d.parameterType === 'STRING' ? 'x' : d.parameterType === 'BOOLEAN' ? true : d.parameterType === 'LIST' ? [] : d.parameterType === 'STRUCT' ? {} : 1]));
    const before = emu.runs.length;
    const r = await run('kfp.pipeline.runVersion', { pipelineId, parameters, runName: 'from the tree' });
    assert.equal(r.ok, true, r.error);
    assert.equal(emu.runs.length, before + 1);
    assert.deepEqual(emu.runs[emu.runs.length - 1].versionRef, { pipelineId, versionId: newest.id });
    assert.equal((r.pipeline as { display_name: string }).display_name, pl.displayName);
    const missing = await run('kfp.pipeline.runVersion', { pipelineId: 'no-such-pipeline' });
    assert.equal(missing.ok, false);
    assert.match(missing.error!, /not found|no version/i);
  });
});
