// What `gcloud builds submit` packs. The pattern cases are those of the Cloud
// SDK's own tests (tests/unit/command_lib/util/gcloudignore_test.py, read with the
// search tool), given here as data; the folder cases follow snapshot.py and were
// checked against the SDK's modules (version 578) run on the same folders.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FileChooser, fileChooserForDir, fnmatch, IgnoreFileError, parseIgnoreText, parseLine, pathPrefixes, patternMatches } from '../../src/core/cloudbuild/gcloudignore';
import { describeSnapshot, snapshot, writeTarball } from '../../src/core/cloudbuild/snapshot';
import { readTar } from '../emulator/gcp';

const chooser = (text: string) => new FileChooser(parseIgnoreText(text, undefined, 0, () => undefined), 'gcloudignore');
/** Pattern.Matches of the SDK: 'ignore' | 'include' | 'none'. */
const matches = (pattern: string, p: string, isDir = false) => patternMatches(parseLine(pattern)!, p, isDir);

describe('.gcloudignore patterns (the Cloud SDK\'s own test cases)', () => {
  const cases: Array<[string, string, 'ignore' | 'include' | 'none', boolean?]> = [
    // testPattern_Basic / Negated / BeginsWithBang / Hash
    ['foo', 'foo', 'ignore'], ['foo', 'bar', 'none'], ['foo', 'bar/foo', 'ignore'], ['foo', 'foo/bar', 'none'], ['foo', 'foobar', 'none'], ['foo', 'barfoo', 'none'],
    ['!foo', 'foo', 'include'], ['!foo', 'bar/foo', 'include'], ['!foo', 'foo/bar', 'none'],
    ['\\!foo', '!foo', 'ignore'], ['\\!foo', 'foo', 'none'],
    ['\\#foo', '#foo', 'ignore'], ['foo#', 'foo#', 'ignore'], ['foo\\#', 'foo#', 'ignore'], ['foo#bar', 'foo#bar', 'ignore'], ['foo\\#bar', 'foo#bar', 'ignore'],
    // testPattern_LeadingConsecutiveStars
    ['**/', 'foo/bar', 'none', false], ['**/', 'foo/bar', 'ignore', true], ['**/bar', 'bar', 'ignore'], ['**/bar', 'foo/bar', 'ignore'], ['**/bar/', 'bar', 'ignore', true], ['**/bar/', 'bar', 'none', false],
    // testPattern_TrailingConsecutiveStars: "foo/**" matches foo itself
    ['/**', 'foo', 'ignore'], ['/**', 'foo/bar', 'ignore'], ['foo/**', 'foo', 'ignore'], ['foo/**', 'foo/bar', 'ignore'], ['foo/**', 'baz/foo/bar', 'none'], ['foo/**', 'baz/bar', 'none'],
    // testPattern_MiddleConsecutiveStars
    ['/**/', 'foo', 'ignore', true], ['/**/', 'foo', 'none', false], ['/**/', 'foo/bar', 'ignore', true], ['/**/', 'foo/bar', 'none', false],
    ['foo/**/', 'baz/foo/bar', 'none', true], ['/**/bar', 'bar', 'ignore'], ['/**/bar', 'foo/bar', 'ignore'], ['foo/**/bar', 'foo/baz/bar', 'ignore'], ['foo/**/bar', 'foo/bar', 'ignore'],
    // testPattern_EscapedConsecutiveStars / InvalidConsecutiveStars
    ['foo[*]*bar', 'foo*baz-bar', 'ignore'], ['foo[*]*bar', 'foobaz-bar', 'none'], ['foo[*][*]bar', 'foo**bar', 'ignore'], ['foo*[*]bar', 'foo-bar', 'none'],
    ['***', 'a', 'ignore'], ['foo**', 'foo-', 'ignore'], ['foo**', '-foo-', 'none'], ['**bar', '-bar', 'ignore'], ['foo**bar', 'foo-bar', 'ignore'], ['foo/**bar', 'foo/-bar', 'ignore'], ['foo/bar**', 'foo/-bar-', 'none'],
    // testPattern_TrailingSpaces
    ['foo ', 'foo', 'ignore'], ['foo ', 'foo ', 'none'], ['foo\\ ', 'foo ', 'ignore'], ['foo\\ ', 'foo', 'none'], ['foo\t', 'foo\t', 'ignore'], ['foo\t', 'foo', 'none'],
    [' foo', ' foo', 'ignore'], [' foo', 'foo', 'none'], ['\\ foo', ' foo', 'ignore'],
    // testPattern_ShellGlob
    ['foo*baz', 'foobarbaz', 'ignore'], ['foo*baz', 'foobaz', 'ignore'], ['foo*baz', 'foo/baz', 'none'], ['foo/*baz', 'foo/baz', 'ignore'], ['foo/*baz', 'foo/bar/baz', 'none'],
    ['foo?baz', 'foo-baz', 'ignore'], ['foo?baz', 'foo--baz', 'none'], ['foo-[ab]', 'foo-b', 'ignore'], ['foo-[ab]', 'foo-c', 'none'], ['foo-[A-C]', 'foo-C', 'ignore'], ['foo-[A-C]', 'foo-D', 'none'],
    ['foo-[!ab]', 'foo-a', 'none'], ['foo-[!ab]', 'foo-c', 'ignore'], ['foo[*]', 'foo*', 'ignore'], ['foo[*]', 'foo-', 'none'], ['foo[?]', 'foo?', 'ignore'], ['foo[[]', 'foo[', 'ignore'], ['foo[', 'foo[', 'ignore'], ['foo]', 'foo]', 'ignore'],
    // testPattern_Subdirectory: an inner "/" does not anchor
    ['foo/bar', 'foo/bar', 'ignore'], ['bar/baz', 'foo/bar/baz', 'ignore'], ['bar/baz', 'foo/baz', 'none'], ['foo/ba[rz]', 'foo/baz', 'ignore'], ['foo/ba[rz]', 'foo/bad', 'none'],
    // testPattern_MustMatchDir / LeadingSlash / CombinedLeadingCharacters
    ['foo/bar/', 'foo/bar', 'ignore', true], ['foo/bar/', 'foo/bar', 'none', false],
    ['/foo/bar', 'foo/bar', 'ignore'], ['/bar/baz', 'foo/bar/baz', 'none'], ['/*', 'foo', 'ignore'],
    ['/#!foo', '#!foo', 'ignore'], ['/!#foo', '!#foo', 'ignore'], ['/!#foo', 'bar/!#foo', 'none'], ['\\#/!foo', '#/!foo', 'ignore'], ['!/#foo', '#foo', 'include'], ['!/#foo', 'bar/#foo', 'none'], ['!#/foo', '#/foo', 'include'],
    // What the reference adds: "\*" stays a wildcard, "[^0-9]" is not a negation, case matters
    ['\\*.txt', 'a.txt', 'ignore'], ['[^0-9]x', '5x', 'ignore'], ['[^0-9]x', 'ax', 'none'], ['[^0-9]x', '^x', 'ignore'], ['*.TXT', 'a.txt', 'none'],
  ];
  for (const [pattern, p, want, isDir] of cases) {
    it(`${JSON.stringify(pattern)} on ${JSON.stringify(p)}${isDir ? ' (a folder)' : ''}: ${want}`, () => {
      assert.equal(matches(pattern, p, isDir ?? false), want);
    });
  }

  it('skips comments, blank lines and a line ending in a lone backslash', () => {
    for (const l of ['#foo', '', '  ', '\\']) assert.equal(parseLine(l), undefined, JSON.stringify(l));
  });

  it('path prefixes and fnmatch behave as Python\'s', () => {
    assert.deepEqual(pathPrefixes('foo/bar/baz'), ['', 'foo', 'foo/bar', 'foo/bar/baz']);
    assert.ok(fnmatch('.hidden', '*'));
    assert.ok(!fnmatch('a', '[]'));
    assert.ok(fnmatch('-', '[a-]'));
  });
});

describe('which paths a .gcloudignore keeps (FileChooserTest of the SDK)', () => {
  const cases: Array<[string, string, boolean, boolean?]> = [
    ['', 'foo', true], ['', 'foo/bar', true], ['foo', 'foo', false], ['foo/foo', 'foo', true], ['foo/foo', 'foo/foo', false], ['foo', 'foo/bar', false], ['bar', 'foo/bar', false],
    ['foo\nbar', 'bar', false], ['foo\r\nbar', 'foo', false], ['foo\r\nbar', 'bar', false],
    ['foo/', 'foo', false, true], ['foo/', 'foo', true, false],
    ['foo\n!foo', 'foo', true], ['foo\n!foo\nfoo', 'foo', false],
    ['#foo', '#foo', true], ['\\#foo', '#foo', false], ['foo ', 'foo', false], ['foo\n\\ \nbar', ' ', false], ['foo\n\nbar\n \t\nbaz', 'baz', false], ['foo\n\nbar\n \t\nbaz', 'qux', true],
    // A directory once ignored cannot be re-included
    ['foo/\n!foo/bar', 'foo/bar', false],
    ['/*\n!/foo\n/foo/*\n!foo/bar', 'foo', true], ['/*\n!/foo\n/foo/*\n!foo/bar', 'qux', false], ['/*\n!/foo\n/foo/*\n!foo/bar', 'foo/bar/baz', true], ['/*\n!/foo\n/foo/*\n!foo/bar', 'foo/baz', false],
    // The SDK's older test said false here (its root could be matched then); version 578 never matches the root, and keeps it.
    ['*\n!/foo\n/foo/*\n!foo/bar', 'foo/bar', true],
    // The reference's own: "logs/**" also drops logs, so keep.txt cannot come back; "docs/internal" is not anchored
    ['logs/**\n!logs/keep.txt', 'logs/keep.txt', false], ['docs/internal', 'sub/docs/internal/x', false],
  ];
  for (const [text, p, want, isDir] of cases) {
    it(`${JSON.stringify(text)} keeps ${JSON.stringify(p)}${isDir ? ' (a folder)' : ''}: ${want}`, () => {
      assert.equal(chooser(text).isIncluded(p, isDir ?? false), want);
    });
  }
});

describe('#!include', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gci-'));
    fs.writeFileSync(path.join(dir, 'ignore1'), '#!include:ignore2');
    fs.writeFileSync(path.join(dir, 'ignore2'), 'foo\n#!include:ignore3');
    fs.writeFileSync(path.join(dir, 'ignore3'), 'bar\n!foo');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const read = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined);
  const from = (name: string, depth: number) => new FileChooser(parseIgnoreText(fs.readFileSync(path.join(dir, name), 'utf8'), dir, depth, read), 'gcloudignore');

  it('is followed as many levels as allowed (FileChooserRecursiveTest)', () => {
    const table: Array<[string, number, string, boolean]> = [
      ['ignore1', 0, 'foo', true], ['ignore1', 0, 'bar', true], ['ignore1', 1, 'foo', false], ['ignore1', 1, 'bar', true], ['ignore1', 2, 'foo', true], ['ignore1', 2, 'bar', false],
      ['ignore2', 0, 'foo', false], ['ignore2', 0, 'bar', true], ['ignore2', 1, 'foo', true], ['ignore2', 1, 'bar', false],
    ];
    for (const [f, depth, p, want] of table) assert.equal(from(f, depth).isIncluded(p), want, `${f} depth ${depth} ${p}`);
  });

  it('refuses a missing file, a name with "/", and says when the name ends in a space', () => {
    assert.throws(() => parseIgnoreText('#!include:nope', dir, 1, read), IgnoreFileError);
    assert.throws(() => parseIgnoreText('# !include:sub/x', dir, 0, read), /same folder/);
    assert.throws(() => parseIgnoreText('#!include:ignore2 ', dir, 1, read), /ends in a space/);
  });
});

describe('the folder gcloud packs, and its tarball', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const put = (rel: string, text = 'x') => { fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true }); fs.writeFileSync(path.join(dir, rel), text); };
  const listed = () => { const s = snapshot(dir, fileChooserForDir(dir)); return [...s.dirs.map((d) => `${d.path}/${d.type === 'symlink' ? '@' : ''}`), ...s.files.map((f) => f.path + (f.type === 'symlink' ? '@' : ''))].sort(); };

  it('without .gcloudignore and without git files: every file', () => {
    put('Dockerfile'); put('.env'); put('src/app.py'); fs.mkdirSync(path.join(dir, 'empty'));
    assert.deepEqual(listed(), ['.env', 'Dockerfile', 'empty/', 'src/', 'src/app.py']);
    assert.equal(fileChooserForDir(dir).origin, 'all-files');
  });

  it('with .git or .gitignore and no .gcloudignore: gcloud\'s default, with the .gitignore included, also for nested git files', () => {
    put('Dockerfile'); put('.gitignore', '*.pyc\n'); put('a.pyc'); put('.git/HEAD'); put('sub/.gitignore'); put('sub/b.pyc'); put('sub/keep.py');
    assert.deepEqual(listed(), ['Dockerfile', 'sub/', 'sub/keep.py']);
    assert.equal(fileChooserForDir(dir).origin, 'default');
  });

  it('an empty .gcloudignore replaces the default (so .git is uploaded); nested ignore files do not count', () => {
    put('.gcloudignore', ''); put('.git/HEAD'); put('sub/.gcloudignore', '*'); put('sub/x');
    assert.deepEqual(listed(), ['.gcloudignore', '.git/', '.git/HEAD', 'sub/', 'sub/.gcloudignore', 'sub/x']);
  });

  it('keeps symlinks as links, a link to a folder too (not entered); skips a dangling one; an ignored folder is not entered', () => {
    put('data/x.csv'); put('build/out.bin'); put('.gcloudignore', 'build/\n!build/out.bin\n');
    fs.symlinkSync('data/x.csv', path.join(dir, 'link.csv'));
    fs.symlinkSync('data', path.join(dir, 'datalink'));
    fs.symlinkSync('nowhere', path.join(dir, 'dangling'));
    fs.symlinkSync('.', path.join(dir, 'data', 'loop'));
    const s = snapshot(dir, fileChooserForDir(dir));
    assert.deepEqual(listed(), ['.gcloudignore', 'data/', 'data/loop/@', 'data/x.csv', 'datalink/@', 'link.csv@']);
    assert.match(s.skipped.join(' '), /dangling: a link to something that does not exist/);
    assert.ok(s.ignored.includes('build/'));
  });

  it('writes a gzipped tar whose entries are the snapshot\'s: folders first with a trailing slash, links as links, contents intact, owner root', async () => {
    put('Dockerfile', 'FROM scratch\n'); put('deep/' + 'd'.repeat(120) + '/file.txt', 'hello'); put('ü/ñ.txt', 'utf');
    fs.symlinkSync('Dockerfile', path.join(dir, 'link'));
    const s = snapshot(dir, fileChooserForDir(dir));
    const out = path.join(os.tmpdir(), `snap-${process.pid}.tgz`);
    try {
      const size = await writeTarball(s, fs.createWriteStream(out));
      assert.equal(size, fs.statSync(out).size);
      const entries = readTar(zlib.gunzipSync(fs.readFileSync(out)));
      assert.ok(entries.every((e) => e.checksumOk), 'header checksums');
      assert.deepEqual(entries.map((e) => [e.name, e.type]), [
        ['deep/', '5'], [`deep/${'d'.repeat(120)}/`, '5'], ['ü/', '5'],
        ['Dockerfile', '0'], ['link', '2'], [`deep/${'d'.repeat(120)}/file.txt`, '0'], ['ü/ñ.txt', '0'],
      ]);
      assert.equal(entries.find((e) => e.name === 'Dockerfile')!.body.toString('utf8'), 'FROM scratch\n');
      assert.equal(entries.find((e) => e.name === 'link')!.linkname, 'Dockerfile');
      assert.equal(entries.find((e) => e.name.endsWith('file.txt'))!.body.toString('utf8'), 'hello');
      assert.ok(entries.every((e) => e.uname === 'root' && e.uid === 0));
      assert.equal(describeSnapshot(s), '4 file(s) totalling 0.0 KiB before compression');
    } finally { fs.rmSync(out, { force: true }); }
  });
});
