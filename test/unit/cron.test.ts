// KFP's cron (robfig/cron v1.2.0) against robfig's own test cases: spec_test.go
// TestActivation / TestNext and parser_test.go of tag v1.2.0, as data (the cases
// without a time zone, read here in UTC; the DST cases need a zone database).
import * as assert from 'node:assert/strict';
import { checkCron, CronError, fireTimes, nextAfter, parseCron, parseGoDuration } from '../../src/core/schedule/cron';

// "Mon Jul 9 15:00 2012" (Go's "Mon Jan 2 15:04 2006" layout, with optional seconds) in UTC.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function t(s: string): number {
  const m = /^\w{3} (\w{3}) (\d+) (\d+):(\d+)(?::(\d+))? (\d{4})$/.exec(s)!;
  return Date.UTC(Number(m[6]), MONTHS.indexOf(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0));
}

describe('KFP cron (robfig/cron v1.2.0)', () => {
  it('activates exactly at the times robfig\'s TestActivation says', () => {
    const cases: Array<[string, string, boolean]> = [
      ['Mon Jul 9 15:00 2012', '0 0/15 * * *', true], ['Mon Jul 9 15:45 2012', '0 0/15 * * *', true], ['Mon Jul 9 15:40 2012', '0 0/15 * * *', false],
      ['Mon Jul 9 15:05 2012', '0 5/15 * * *', true], ['Mon Jul 9 15:20 2012', '0 5/15 * * *', true], ['Mon Jul 9 15:50 2012', '0 5/15 * * *', true],
      ['Sun Jul 15 15:00 2012', '0 0/15 * * Jul', true], ['Sun Jul 15 15:00 2012', '0 0/15 * * Jun', false],
      ['Sun Jul 15 08:30 2012', '0 30 08 ? Jul Sun', true], ['Sun Jul 15 08:30 2012', '0 30 08 15 Jul ?', true],
      ['Mon Jul 16 08:30 2012', '0 30 08 ? Jul Sun', false], ['Mon Jul 16 08:30 2012', '0 30 08 15 Jul ?', false],
      ['Mon Jul 9 15:00 2012', '@hourly', true], ['Mon Jul 9 15:04 2012', '@hourly', false], ['Mon Jul 9 15:00 2012', '@daily', false],
      ['Mon Jul 9 00:00 2012', '@daily', true], ['Mon Jul 9 00:00 2012', '@weekly', false], ['Sun Jul 8 00:00 2012', '@weekly', true],
      ['Sun Jul 8 01:00 2012', '@weekly', false], ['Sun Jul 8 00:00 2012', '@monthly', false], ['Sun Jul 1 00:00 2012', '@monthly', true],
      ['Sun Jul 15 00:00 2012', '0 * * 1,15 * Sun', true], ['Fri Jun 15 00:00 2012', '0 * * 1,15 * Sun', true], ['Wed Aug 1 00:00 2012', '0 * * 1,15 * Sun', true],
      ['Sun Jul 15 00:00 2012', '0 * * * * Mon', false], ['Sun Jul 15 00:00 2012', '0 * * */10 * Sun', false], ['Mon Jul 9 00:00 2012', '0 * * 1,15 * *', false],
      ['Sun Jul 15 00:00 2012', '0 * * 1,15 * *', true], ['Sun Jul 15 00:00 2012', '0 * * */2 * Sun', true],
    ];
    for (const [time, spec, expected] of cases) {
      const s = parseCron(spec);
      // As robfig's test: the schedule fires at `time` when Next(time - 1s) is `time`.
      assert.equal(nextAfter(s, t(time) - 1000) === t(time), expected, `${spec} at ${time}`);
    }
  });

  it('finds the next time as robfig\'s TestNext says', () => {
    const cases: Array<[string, string, string]> = [
      ['Mon Jul 9 14:45 2012', '0 0/15 * * *', 'Mon Jul 9 15:00 2012'], ['Mon Jul 9 14:59 2012', '0 0/15 * * *', 'Mon Jul 9 15:00 2012'],
      ['Mon Jul 9 14:59:59 2012', '0 0/15 * * *', 'Mon Jul 9 15:00 2012'], ['Mon Jul 9 15:45 2012', '0 20-35/15 * * *', 'Mon Jul 9 16:20 2012'],
      ['Mon Jul 9 23:46 2012', '0 */15 * * *', 'Tue Jul 10 00:00 2012'], ['Mon Jul 9 23:45 2012', '0 20-35/15 * * *', 'Tue Jul 10 00:20 2012'],
      ['Mon Jul 9 23:35:51 2012', '15/35 20-35/15 * * *', 'Tue Jul 10 00:20:15 2012'], ['Mon Jul 9 23:35:51 2012', '15/35 20-35/15 1/2 * *', 'Tue Jul 10 01:20:15 2012'],
      ['Mon Jul 9 23:35:51 2012', '15/35 20-35/15 10-12 * *', 'Tue Jul 10 10:20:15 2012'], ['Mon Jul 9 23:35:51 2012', '15/35 20-35/15 1/2 */2 * *', 'Thu Jul 11 01:20:15 2012'],
      ['Mon Jul 9 23:35:51 2012', '15/35 20-35/15 * 9-20 * *', 'Wed Jul 10 00:20:15 2012'], ['Mon Jul 9 23:35:51 2012', '15/35 20-35/15 * 9-20 Jul *', 'Wed Jul 10 00:20:15 2012'],
      ['Mon Jul 9 23:35 2012', '0 0 0 9 Apr-Oct ?', 'Thu Aug 9 00:00 2012'], ['Mon Jul 9 23:35 2012', '0 0 0 */5 Apr,Aug,Oct Mon', 'Mon Aug 6 00:00 2012'],
      ['Mon Jul 9 23:35 2012', '0 0 0 */5 Oct Mon', 'Mon Oct 1 00:00 2012'], ['Mon Jul 9 23:35 2012', '0 0 0 * Feb Mon', 'Mon Feb 4 00:00 2013'],
      ['Mon Jul 9 23:35 2012', '0 0 0 * Feb Mon/2', 'Fri Feb 1 00:00 2013'], ['Mon Dec 31 23:59:45 2012', '0 * * * * *', 'Tue Jan 1 00:00:00 2013'],
      ['Mon Jul 9 23:35 2012', '0 0 0 29 Feb ?', 'Mon Feb 29 00:00 2016'],
    ];
    for (const [from, spec, expected] of cases) assert.equal(new Date(nextAfter(parseCron(spec), t(from))!).toISOString(), new Date(t(expected)).toISOString(), `${spec} after ${from}`);
    // Impossible dates: nothing within five years.
    assert.equal(nextAfter(parseCron('0 0 0 30 Feb ?'), t('Mon Jul 9 23:35 2012')), undefined);
    assert.equal(nextAfter(parseCron('0 0 0 31 Apr ?'), t('Mon Jul 9 23:35 2012')), undefined);
  });

  it('refuses what robfig refuses, with its messages (the text KFP puts after "Error:")', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /^Empty spec string$/], ['* * * *', /^Expected 5 to 6 fields, found 4: \* \* \* \*$/], ['* * * * * * *', /Expected 5 to 6 fields, found 7/],
      ['60 * * * *', /End of range \(60\) above maximum \(59\): 60/], ['0 0 0 0 * *', /Beginning of range \(0\) below minimum \(1\): 0/],
      ['0 5-1 * * *', /Beginning of range \(5\) beyond end of range \(1\)/], ['0 */0 * * *', /Step of range should be a positive number/],
      ['0 1-2-3 * * *', /Too many hyphens/], ['0 1/2/3 * * *', /Too many slashes/], ['0 x * * *', /Failed to parse int from x/],
      ['@every 1x', /Failed to parse duration @every 1x/], ['@fortnightly', /Unrecognized descriptor: @fortnightly/],
    ];
    for (const [spec, re] of bad) assert.throws(() => parseCron(spec), (e: Error) => e instanceof CronError && re.test(e.message), spec);
  });

  it('reads five fields as seconds first (the Unix "0 0 * * *" fires hourly) and says so', () => {
    const five = parseCron('0 0 * * *');
    const from = Date.UTC(2026, 0, 1, 10, 30);
    assert.deepEqual(fireTimes(five, from, 3).map((x) => new Date(x).toISOString()), ['2026-01-01T11:00:00.000Z', '2026-01-01T12:00:00.000Z', '2026-01-01T13:00:00.000Z']);
    const c = checkCron('0 0 * * *');
    assert.equal(c.ok, true);
    assert.equal(c.suggestion, '0 0 0 * * *');
    assert.match(c.warning!, /second minute hour day-of-month month/);
    assert.deepEqual(checkCron('0 0 2 * * *'), { ok: true });
    assert.deepEqual(checkCron('0 0 2 * *'.replace('2', '25')).ok, false);
  });

  it('@every uses Go durations, at least a second, in whole seconds, from the previous time', () => {
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('300ms'), 300);
    assert.deepEqual(parseCron('@every 1h30m'), { kind: 'every', delayMs: 5_400_000 });
    assert.deepEqual(parseCron('@every 300ms'), { kind: 'every', delayMs: 1000 });
    assert.deepEqual(parseCron('@every 2.5s'), { kind: 'every', delayMs: 2000 });
    assert.equal(nextAfter(parseCron('@every 10s'), 1_000_500), 1_010_000);
    // The end time bounds the list.
    assert.equal(fireTimes(parseCron('@every 10s'), 0, 10, 'UTC', 35_000).length, 3);
  });
});
