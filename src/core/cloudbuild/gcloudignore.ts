// Which files `gcloud builds submit` uploads from a folder: the Cloud SDK's own
// rules (googlecloudsdk/command_lib/util/gcloudignore.py and glob.py, read from
// its source; ../shared/cloud-build-reference.md 1). They look like gitignore's
// but differ, and a gitignore library gets the differences wrong:
// - a pattern with an inner "/" ("docs/internal") is not anchored; only a leading "/" anchors;
// - "logs/**" also matches "logs" itself; an ignored directory cannot be re-included;
// - "\*" is still a wildcard (escapes are removed before matching); "[^0-9]" is not negated;
// - fnmatch semantics (Python's), case-sensitive, applied right to left on path parts.
// Only the folder's top-level .gcloudignore counts. Written from the behaviour, not copied.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const IGNORE_FILE = '.gcloudignore';

/** The ignore file gcloud uses when the folder has none but has .git or .gitignore (gcloudignore.py DEFAULT_IGNORE_FILE). */
export const DEFAULT_IGNORE = [
  '# This file specifies files that are *not* uploaded to Google Cloud',
  '# using gcloud. It follows the same syntax as .gitignore, with the addition of',
  '# "#!include" directives (which insert the entries of the given .gitignore-style',
  '# file at that point).',
  '#',
  '# For more information, run:',
  '#   $ gcloud topic gcloudignore',
  '#',
  '.gcloudignore',
  '# If you would like to upload your .git directory, .gitignore file or files',
  '# from your .gitignore file, remove the corresponding line',
  '# below:',
  '.git',
  '.gitignore',
  '',
].join('\n');

/** An error gcloud itself would stop on (a bad #!include); the message says what to fix. */
export class IgnoreFileError extends Error {}

export interface Pattern { parts: string[]; negated: boolean; dirOnly: boolean; source: string }

/** How the chooser was made, for messages ("using .gcloudignore", "gcloud's default", "every file"). */
export type ChooserOrigin = 'gcloudignore' | 'default' | 'all-files' | 'disabled';

export class FileChooser {
  constructor(readonly patterns: Pattern[], readonly origin: ChooserOrigin, readonly text?: string) {}

  /**
   * Whether a path (relative, "/"-separated) is uploaded: every prefix of it is
   * tested against the patterns in order, the last pattern matching a prefix
   * decides for that prefix, and an ignored prefix excludes everything under it.
   */
  isIncluded(rel: string, isDir = false): boolean {
    const prefixes = pathPrefixes(rel).slice(1);
    for (const prefix of prefixes) {
      let verdict: 'ignore' | 'include' | undefined;
      const prefixIsDir = prefix !== rel || isDir;
      for (const p of this.patterns) {
        if (p.dirOnly && !prefixIsDir) continue;
        if (matchParts(p.parts, prefix)) verdict = p.negated ? 'include' : 'ignore';
      }
      if (verdict === 'ignore') return false;
    }
    return true;
  }
}

/** One pattern against one path (the SDK's Pattern.Matches): what it says about that path, not its parents. */
export function patternMatches(p: Pattern, rel: string, isDir = false): 'ignore' | 'include' | 'none' {
  if (p.dirOnly && !isDir) return 'none';
  if (!matchParts(p.parts, rel)) return 'none';
  return p.negated ? 'include' : 'ignore';
}

/** Python's os.path.split for "/"-separated relative paths. */
function split(p: string): [string, string] {
  const i = p.lastIndexOf('/');
  if (i < 0) return ['', p];
  let head = p.slice(0, i + 1);
  if (head.replace(/\/+$/, '')) head = head.replace(/\/+$/, '');
  return [head, p.slice(i + 1)];
}

/** "a/b/c" → ["", "a", "a/b", "a/b/c"] (glob.GetPathPrefixes). */
export function pathPrefixes(p: string): string[] {
  const out = [p];
  let rest = p;
  let tail = 'x';
  while (rest && tail) {
    [rest, tail] = split(rest);
    out.unshift(rest);
  }
  return out;
}

/** os.path.normpath for relative "/" paths (only what matters here: "." parts, doubled and trailing slashes). */
function normpath(p: string): string {
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (!s || s === '.') continue;
    if (s === '..' && parts.length && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(s);
  }
  return (p.startsWith('/') ? '/' : '') + parts.join('/') || '.';
}

/** Matches pattern parts against a path from the right, as glob.Glob does. `path` null means "above the root". */
function matchParts(parts: string[], p: string | null): boolean {
  if (!parts.length) return true;
  if (p === null) return false;
  const part = parts[parts.length - 1];
  let remaining = parts.slice(0, -1);
  const path0 = p ? normpath(p) : p;
  const [rest, last] = split(path0);
  // An empty last part means the root was reached: nothing is above it.
  const restOrNull: string | null = last ? rest : null;
  if (part === '**') {
    // "**" matches any number of trailing parts; what is left must match from the root.
    if (!(remaining.length && remaining[0] === '')) remaining = ['', ...remaining];
    return pathPrefixes(path0).some((prefix) => matchParts(remaining, prefix));
  }
  // A leading "*" must not span directories (only "**" does). The length test is the SDK's own: a one-character parent passes.
  if (part === '*' && !remaining.length && restOrNull && restOrNull.length > 1) return false;
  if (!fnmatch(last, part)) return false;
  return matchParts(remaining, restOrNull);
}

const fnmatchCache = new Map<string, RegExp>();

/** Python's fnmatch.fnmatchcase: "*", "?", "[seq]", "[!seq]"; "[^…]" is not a negation; an unclosed "[" is literal. */
export function fnmatch(name: string, pat: string): boolean {
  let re = fnmatchCache.get(pat);
  if (!re) {
    re = new RegExp(`^(?:${translate(pat)})$`, 's');
    if (fnmatchCache.size > 5000) fnmatchCache.clear();
    fnmatchCache.set(pat, re);
  }
  return re.test(name);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

function translate(pat: string): string {
  let out = '';
  let i = 0;
  const n = pat.length;
  while (i < n) {
    const c = pat[i++];
    if (c === '*') { while (pat[i] === '*') i++; out += '.*'; }
    else if (c === '?') out += '.';
    else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j++;
      if (j < n && pat[j] === ']') j++;
      while (j < n && pat[j] !== ']') j++;
      if (j >= n) { out += '\\['; continue; }
      let stuff = pat.slice(i, j);
      i = j + 1;
      let negate = false;
      if (stuff.startsWith('!')) { negate = true; stuff = stuff.slice(1); }
      if (!stuff) { out += negate ? '.' : '(?!)'; continue; }
      // Ranges ("a-z") stay ranges; everything else in the set is literal ("^" included).
      let set = '';
      for (let k = 0; k < stuff.length; k++) {
        if (stuff[k + 1] === '-' && k + 2 < stuff.length) {
          const lo = stuff[k], hi = stuff[k + 2];
          if (lo <= hi) set += `${escapeRe(lo)}-${escapeRe(hi)}`;
          k += 2;
        } else set += escapeRe(stuff[k]);
      }
      if (!set) { out += negate ? '.' : '(?!)'; continue; }
      out += `[${negate ? '^' : ''}${set}]`;
    } else out += escapeRe(c);
  }
  return out;
}

/** One line → a pattern, or undefined for comments, blanks and lines the SDK skips as invalid. */
export function parseLine(line: string): Pattern | undefined {
  if (line.startsWith('#')) return undefined;
  let negated = false;
  let s = line;
  if (s.startsWith('!')) { negated = true; s = s.slice(1); }
  let dirOnly = false;
  if (s.endsWith('/')) { s = s.slice(0, -1); dirOnly = true; }
  s = handleSpaces(s);
  // A line ending in an odd number of backslashes is invalid.
  if (/(?<!\\)\\(\\\\)*$/.test(s)) return undefined;
  s = s.replace(/\\([^\\])/g, '$1').replace(/\\\\/g, '\\');
  if (!s) return undefined;
  return { parts: s.split('/'), negated, dirOnly, source: line };
}

/** Unescaped trailing spaces are dropped; "\ " becomes a space. */
function handleSpaces(line: string): string {
  const tokens: string[] = [];
  for (let i = 0; i < line.length;) {
    if (line[i] === '\\') {
      if (i + 1 >= line.length) { tokens.push('\\'); break; }
      tokens.push(line.slice(i, i + 2));
      i += 2;
    } else tokens.push(line[i++]);
  }
  while (tokens.length && tokens[tokens.length - 1] === ' ') tokens.pop();
  return tokens.join('').split('\\ ').join(' ');
}

/** Python's str.splitlines separators. */
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

const INCLUDE = '!include:';

/** Patterns of an ignore file's text; `#!include:FILE` is followed `depth` levels (1 for the top-level file). */
export function parseIgnoreText(text: string, dir: string | undefined, depth: number, readFile: (p: string) => string | undefined): Pattern[] {
  const out: Pattern[] = [];
  // Blank lines (a final one from a trailing newline included) are skipped as invalid below.
  for (const line of text.split(LINE_BREAKS)) {
    if (line.startsWith('#')) {
      if (line.slice(1).trimStart().startsWith(INCLUDE)) {
        const name = line.slice(line.indexOf(INCLUDE) + INCLUDE.length);
        if (name.includes('/')) throw new IgnoreFileError(`${line}: gcloud only includes files in the same folder as the ignore file.`);
        if (depth <= 0) continue;
        if (!dir) throw new IgnoreFileError(`${line}: no folder to include from.`);
        const included = readFile(path.join(dir, name));
        if (included === undefined) throw new IgnoreFileError(`${line}: ${name} was not found in ${dir}${/\s$/.test(name) ? ' (the name ends in a space, which gcloud keeps)' : ''}.`);
        out.push(...parseIgnoreText(included, dir, depth - 1, readFile));
      }
      continue;
    }
    const p = parseLine(line);
    if (p) out.push(p);
  }
  return out;
}

/** Reads a file as gcloud does: UTF-8, a byte-order mark kept (it then spoils the first line), anything else an error. */
function readUtf8(p: string): string | undefined {
  let buf: Buffer;
  try {
    if (!fs.statSync(p).isFile()) return undefined;
    buf = fs.readFileSync(p);
  } catch { return undefined; }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    throw new IgnoreFileError(`${p} is not UTF-8 text; gcloud cannot read it either.`);
  }
}

/**
 * The chooser `gcloud builds submit DIR` uses for DIR: its .gcloudignore; with
 * none, gcloud's default when DIR holds .git or .gitignore (plus the .gitignore's
 * patterns), else every file. `enabled: false` is gcloud's gcloudignore/enabled=false.
 */
export function fileChooserForDir(dir: string, o: { enabled?: boolean } = {}): FileChooser {
  if (o.enabled === false) return new FileChooser([], 'disabled');
  const own = path.join(dir, IGNORE_FILE);
  const text = readUtf8(own);
  if (text !== undefined) return new FileChooser(parseIgnoreText(text, dir, 1, readUtf8), 'gcloudignore', text);
  const exists = (n: string) => fs.existsSync(path.join(dir, n));
  if (!exists('.git') && !exists('.gitignore')) return new FileChooser([], 'all-files');
  const def = DEFAULT_IGNORE + (exists('.gitignore') ? '#!include:.gitignore\n' : '');
  return new FileChooser(parseIgnoreText(def, dir, 1, readUtf8), 'default', def);
}
