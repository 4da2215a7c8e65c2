// The fault matrix, inside VS Code: list, upload, run, open run, open log and test
// connection, each against a server that answers 401, 403, 404, 500, 503, drops
// the connection, sends a malformed reply, or answers later than the timeout.
// Every cell must give a clear message, and anything created on the server must
// be reported (as created, or as "may have been created").
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KfpEmulator, Fault } from '../../emulator/server';
import { everything } from '../../fixtures/everything';
import { addEndpoint, api, children, clearEndpoints, emulator, label, run } from './helpers';

type Op = 'list' | 'upload' | 'run' | 'open run' | 'open log' | 'test connection';
const FAULTS: Array<[string, Omit<Fault, 'match'>, RegExp]> = [
  ['401', { status: 401, body: '{"code":16,"message":"Unauthenticated: token expired","details":[]}' }, /401|Unauthori[sz]ed|credential|sign/i],
  ['403', { status: 403, body: '{"code":7,"message":"PermissionDenied: not allowed","details":[]}' }, /403|Forbidden|permission|not allowed/i],
  ['404', { status: 404, body: '404 page not found' }, /404|not found/i],
  ['500', { status: 500, body: '{"code":13,"message":"Internal error: database is locked","details":[]}' }, /500|internal|server failed/i],
  ['503', { status: 503, body: 'upstream connect error or disconnect/reset before headers' }, /503|unavailable|gateway|upstream/i],
  ['dropped', { drop: true }, /closed|reset|hang up|dropped|ECONNRESET|socket/i],
  ['malformed', { malformed: true }, /not JSON|malformed|not a JSON object|not gRPC|could not|Unexpected|cut short/i],
  ['slow', { latencyMs: 1600 }, /no answer within|no answer from the server|may still have been created/i],
];

describe('the fault matrix', () => {
  let emu: KfpEmulator;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-faults-'));
  let specFile: string;
  let runId: string;
  before(async function () {
    this.timeout(60_000);
    await clearEndpoints();
    emu = await emulator({ seed: 'samples', runDurationMs: 5_000, uiServer: false });
    await addEndpoint('faulty', emu.url);
    await vscode.workspace.getConfiguration('kfp').update('requestTimeout', 1, vscode.ConfigurationTarget.Global);
    specFile = path.join(dir, 'everything.yaml');
    fs.writeFileSync(specFile, JSON.stringify(everything()));
    const r = await run('kfp.pipeline.run', { file: specFile, mode: 'direct', openRun: false, runName: 'for-faults' });
    assert.equal(r.ok, true, r.error);
    runId = (r.run as { run_id: string }).run_id;
    emu.clock.advance(60_000);
  });
  after(async () => {
    emu.clearFaults();
    await vscode.workspace.getConfiguration('kfp').update('requestTimeout', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await clearEndpoints();
    await emu.stop();
  });

  const match: Record<Op, string> = {
    list: 'GET /apis/v2beta1/runs$',
    upload: 'POST /apis/v2beta1/pipelines/upload',
    run: 'POST /apis/v2beta1/runs$',
    'open run': 'GET /apis/v2beta1/runs/[^/:]+$',
    'open log': '/log$|/k8s/pod/logs|/artifacts/get',
    'test connection': '/healthz$',
  };

  async function attempt(op: Op, i: number): Promise<{ text: string; reportedCreated: boolean; foundAfterNoAnswer?: boolean }> {
    const a = await api();
    switch (op) {
      case 'list': {
        await run('kfp.explorer.refresh');
        const roots = await children();
        const runs = roots.find((n) => label(n) === 'Runs');
        if (!runs) return { text: `no tree: ${a.endpoints.connectionState}`, reportedCreated: false };
        const rows = await children(runs);
        const msg = rows.map((n) => `${label(n)} ${String(n.treeItem().tooltip ?? '')}`).join(' | ');
        return { text: msg, reportedCreated: false };
      }
      case 'upload': {
        const r = await run('kfp.pipeline.upload', { file: specFile, pipelineName: `faulty-${i}` });
        return { text: `${r.ok ? 'OK ' : ''}${r.error ?? ''}`, reportedCreated: Boolean(r.ok || (r.created as unknown[] | undefined)?.length || r.outcome === 'unknown'), foundAfterNoAnswer: Boolean((r.foundAfterNoAnswer as unknown[] | undefined)?.length) };
      }
      case 'run': {
        const r = await run('kfp.pipeline.run', { file: specFile, mode: 'direct', openRun: false, runName: `faulty-run-${i}` });
        return { text: `${r.ok ? 'OK ' : ''}${r.error ?? ''}`, reportedCreated: Boolean(r.ok || (r.created as unknown[] | undefined)?.length || r.outcome === 'unknown'), foundAfterNoAnswer: Boolean((r.foundAfterNoAnswer as unknown[] | undefined)?.length) };
      }
      case 'open run': {
        const r = await run('kfp.run.open', runId);
        a.runPanels.get(runId)?.dispose();
        return { text: `${r.ok ? 'OK ' : ''}${r.error ?? ''}`, reportedCreated: false };
      }
      case 'open log': {
        const r = await run('kfp.run.openLog', { runId, nodeId: 'root/exit-handler-1/for-loop-2[0]/train' });
        return { text: `${r.ok ? 'OK ' : ''}${r.error ?? ''}`, reportedCreated: false };
      }
      case 'test connection': {
        const r = await run('kfp.endpoint.testConnection', 'faulty');
        const checks = (r.checks as Array<{ step: string; ok: boolean; detail: string }> | undefined) ?? [];
        return { text: `${r.connected ? 'OK ' : ''}${checks.filter((c) => !c.ok).map((c) => `${c.step}: ${c.detail}`).join(' ')}${r.error ?? ''}`, reportedCreated: false };
      }
    }
  }

  let cell = 0;
  for (const op of ['list', 'upload', 'run', 'open run', 'open log', 'test connection'] as Op[]) {
    it(`${op}: every fault gives a clear message and nothing created goes unreported`, async function () {
      this.timeout(120_000);
      const rows: string[] = [];
      for (const [name, fault, re] of FAULTS) {
        // A step log is any text: no reply can be malformed for it (a sign-in page would be shown as the log's text).
        if (op === 'open log' && name === 'malformed') continue;
        cell++;
        const pipelinesBefore = emu.pipelines.length;
        const runsBefore = emu.runs.length;
        emu.clearFaults();
        // Logs come from several sources: each fails the same way.
        emu.addFault({ ...fault, match: match[op], count: op === 'open log' ? 6 : fault.latencyMs ? 1 : 3 });
        const got = await attempt(op, cell);
        emu.clearFaults();
        rows.push(`${name}: ${got.foundAfterNoAnswer ? '(no answer; found on the server and reported as created) ' : ''}${got.text.slice(0, 160)}`);
        if (got.foundAfterNoAnswer) {
          // The server created it although its answer never came: it was looked up, found and reported.
          assert.equal(name, 'slow');
          continue;
        }
        assert.ok(!/^OK /.test(got.text), `${op} × ${name}: reported success: ${got.text}`);
        assert.match(got.text, re, `${op} × ${name}: the message does not say what happened: "${got.text}"`);
        assert.ok(!/undefined|\[object Object\]|TypeError|Cannot read prop/.test(got.text), `${op} × ${name}: an internal error leaked: ${got.text}`);
        const created = emu.pipelines.length > pipelinesBefore || emu.runs.length > runsBefore;
        if (created) assert.ok(got.reportedCreated, `${op} × ${name}: something was created on the server but not reported: ${got.text}`);
        // Let a slow request the client gave up on finish on the server before the next cell.
        if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs! + 200));
      }
      console.log(rows.map((r) => `        ${op} × ${r}`).join('\n'));
    });
  }
});
