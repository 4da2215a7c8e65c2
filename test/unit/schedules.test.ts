// The emulator's ScheduledWorkflow controller (test/emulator/schedules.ts): the
// runs recurring runs start as the emulator clock advances, by KFP's rules.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KfpEmulator } from '../emulator/server';
import { runName, swfName } from '../emulator/schedules';

const ROOT = path.resolve(__dirname, '../../..');
const MIN = 60_000;

describe('recurring runs on the emulator clock (the ScheduledWorkflow controller\'s rules)', function () {
  this.timeout(30_000);
  let emu: KfpEmulator;
  let url: string;
  const call = async <T = Record<string, unknown>>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${url}/apis/v2beta1/${p}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, body: await r.json() as T };
  };
  const runsOf = async (id: string) => {
    const filter = encodeURIComponent(JSON.stringify({ predicates: [{ operation: 'EQUALS', key: 'recurring_run_id', string_value: id }] }));
    const r = await call<{ runs?: Array<{ display_name: string; created_at: string; finished_at: string; pipeline_version_reference?: { pipeline_version_id: string }; recurring_run_id: string }> }>('GET', `runs?filter=${filter}&page_size=100&sort_by=created_at`);
    return r.body.runs ?? [];
  };
  let pipelineId = '';
  let v1 = '';
  before(async () => {
    emu = new KfpEmulator({ seed: 'none', runDurationMs: 25 * MIN });
    url = await emu.start();
    const spec = fs.readFileSync(path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'));
    const form = new FormData();
    form.append('uploadfile', new Blob([spec]), 'hello.yaml');
    const up = await (await fetch(`${url}/apis/v2beta1/pipelines/upload?name=hello`, { method: 'POST', body: form })).json() as { pipeline_id: string };
    pipelineId = up.pipeline_id;
    const versions = await call<{ pipeline_versions: Array<{ pipeline_version_id: string }> }>('GET', `pipelines/${pipelineId}/versions`);
    v1 = versions.body.pipeline_versions[0].pipeline_version_id;
  });
  after(async () => { await emu.stop(); });

  const create = (extra: Record<string, unknown>) => call<{ recurring_run_id: string; status: string; message?: string }>('POST', 'recurringruns', {
    display_name: 'Nightly Retrain!', pipeline_version_reference: { pipeline_id: pipelineId, pipeline_version_id: v1 }, max_concurrency: '1', mode: 'ENABLE', ...extra,
  });

  it('validates as the API server does: robfig\'s cron, max concurrency 1–10, an interval of at least 1 s; no mode means disabled', async () => {
    const badCron = await create({ trigger: { cron_schedule: { cron: '0 0 * *' } } });
    assert.equal(badCron.status, 400);
    assert.match(badCron.body.message!, /^Invalid input error: Schedule cron is not a supported format\(https:\/\/godoc\.org\/github\.com\/robfig\/cron\)\. Error: Expected 5 to 6 fields, found 4: 0 0 \* \*$/);
    const maxC = await create({ max_concurrency: '0', trigger: { cron_schedule: { cron: '0 0 2 * * *' } } });
    assert.match(maxC.body.message!, /Max concurrency of a recurring run must be at least 1 and at most 10\. Received 0/);
    const interval = await create({ trigger: { periodic_schedule: { interval_second: '0' } } });
    assert.match(interval.body.message!, /Found invalid period schedule interval 0/);
    const noMode = await create({ mode: undefined, trigger: { cron_schedule: { cron: '0 0 2 * * *' } } });
    assert.equal(noMode.body.status, 'DISABLED');
    // Five fields are accepted (read seconds first).
    assert.equal((await create({ trigger: { cron_schedule: { cron: '0 0 * * *' } }, mode: 'DISABLE' })).status, 200);
  });

  it('with catch-up, submits every slot one by one, never more than max_concurrency at once, named as the controller names them', async () => {
    const rr = await create({ trigger: { cron_schedule: { cron: '0 */10 * * * *' } } });
    const id = rr.body.recurring_run_id;
    emu.clock.advance(60 * MIN);
    const runs = await runsOf(id);
    // Slot 1 within 10 min of creation runs 25 min; slot 2 waits for it; so does slot 3: three runs in 60 min.
    assert.equal(runs.length, 3, runs.map((r) => `${r.display_name} ${r.created_at}`).join('\n'));
    const rec = emu.recurring.find((r) => r.id === id)!;
    assert.deepEqual(runs.map((r) => r.display_name), [1, 2, 3].map((i) => runName(rec.schedule!.swfName, i)));
    assert.match(rec.schedule!.swfName, /^nightlyretrain[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    for (let i = 1; i < runs.length; i++) assert.equal(runs[i].created_at, runs[i - 1].finished_at, 'the next one starts when the previous one ends');
    assert.ok(runs.every((r) => r.recurring_run_id === id));
    await call('POST', `recurringruns/${id}:disable`);
    emu.clock.advance(60 * MIN);
    assert.equal((await runsOf(id)).length, 3, 'disabled: nothing more');
  });

  it('without catch-up, a recurring run enabled late runs only the last slot due; with catch-up it backfills', async () => {
    emu.options.runDurationMs = MIN;
    try {
      const skip = await create({ mode: 'DISABLE', no_catchup: true, trigger: { cron_schedule: { cron: '0 */10 * * * *' } } });
      const back = await create({ mode: 'DISABLE', trigger: { cron_schedule: { cron: '0 */10 * * * *' } } });
      emu.clock.advance(60 * MIN);
      await call('POST', `recurringruns/${skip.body.recurring_run_id}:enable`);
      await call('POST', `recurringruns/${back.body.recurring_run_id}:enable`);
      emu.clock.advance(1000);
      assert.equal((await runsOf(skip.body.recurring_run_id)).length, 1, 'only the latest slot');
      // The missed slots, one by one (each run takes a minute, max concurrency 1).
      emu.clock.advance(8 * MIN);
      const backfilled = await runsOf(back.body.recurring_run_id);
      assert.ok(backfilled.length >= 6, `${backfilled.length} backfilled`);
    } finally { emu.options.runDurationMs = 25 * MIN; }
  });

  it('"always the latest version" runs the newest version at each submission', async () => {
    emu.options.runDurationMs = MIN;
    try {
      const rr = await call<{ recurring_run_id: string; pipeline_version_reference: Record<string, string> }>('POST', 'recurringruns', {
        display_name: 'latest', pipeline_version_reference: { pipeline_id: pipelineId }, max_concurrency: '1', mode: 'ENABLE', trigger: { periodic_schedule: { interval_second: '3600' } },
      });
      assert.deepEqual(rr.body.pipeline_version_reference, { pipeline_id: pipelineId });
      emu.clock.advance(61 * MIN);
      const spec = fs.readFileSync(path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'));
      const form = new FormData();
      form.append('uploadfile', new Blob([spec]), 'hello.yaml');
      const v2 = await (await fetch(`${url}/apis/v2beta1/pipelines/upload_version?pipelineid=${pipelineId}&name=v2`, { method: 'POST', body: form })).json() as { pipeline_version_id: string };
      emu.clock.advance(60 * MIN);
      const runs = await runsOf(rr.body.recurring_run_id);
      assert.deepEqual(runs.map((r) => r.pipeline_version_reference?.pipeline_version_id), [v1, v2.pipeline_version_id]);
    } finally { emu.options.runDurationMs = 25 * MIN; }
  });

  it('names the ScheduledWorkflow as template.go does', () => {
    const fixed = () => 0;
    assert.equal(swfName('! HaVe ä £unky name', fixed), 'haveunkynamebbbbb');
    assert.equal(swfName('日本', fixed), 'job-bbbbb');
    assert.equal(swfName('a-very-long-recurring-run-name-indeed', fixed), 'a-very-long-recurring-runbbbbb');
  });
});
