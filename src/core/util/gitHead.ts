// The commit a folder's git repository is at, read from the repository's files
// (HEAD, the ref it names, packed-refs; worktrees through their gitdir and
// commondir). No git process runs, so nothing from the workspace is executed,
// in a trusted workspace or not (a `git` committed to the repository cannot run).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

async function read(f: string): Promise<string | undefined> {
  try { return (await fs.readFile(f, 'utf8')).trim(); } catch { return undefined; }
}

/** The repository's git directory for `dir` (walking up), or undefined. */
export async function gitDirOf(dir: string): Promise<string | undefined> {
  let cur = path.resolve(dir);
  for (let i = 0; i < 64; i++) {
    const dotGit = path.join(cur, '.git');
    const st = await fs.stat(dotGit).catch(() => undefined);
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec((await read(dotGit)) ?? '');
      if (m) return path.resolve(cur, m[1].trim());
    }
    const up = path.dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
  return undefined;
}

/** The full commit SHA of HEAD, or undefined (no repository, an unborn branch, unreadable files). */
export async function gitHeadCommit(dir: string): Promise<string | undefined> {
  const gitDir = await gitDirOf(dir);
  if (!gitDir) return undefined;
  const head = await read(path.join(gitDir, 'HEAD'));
  if (!head) return undefined;
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) return head;
  const ref = /^ref:\s*(refs\/[^\s]+)$/.exec(head)?.[1];
  if (!ref || ref.includes('..')) return undefined;
  const common = await read(path.join(gitDir, 'commondir'));
  const dirs = [gitDir, ...(common ? [path.resolve(gitDir, common)] : [])];
  for (const d of dirs) {
    const loose = await read(path.join(d, ref));
    if (loose && /^[0-9a-f]{40}/.test(loose)) return loose.slice(0, loose.length >= 64 && /^[0-9a-f]{64}/.test(loose) ? 64 : 40);
    const packed = await read(path.join(d, 'packed-refs'));
    const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
    if (line) return line.split(' ')[0];
  }
  return undefined;
}

/** The short SHA (7 characters, git's default abbreviation) of HEAD. */
export async function gitShortSha(dir: string): Promise<string | undefined> {
  return (await gitHeadCommit(dir))?.slice(0, 7);
}

/** The URL of a remote, read from the repository's config file (no git process). */
export async function gitRemoteUrl(dir: string, remote = 'origin'): Promise<string | undefined> {
  const gitDir = await gitDirOf(dir);
  if (!gitDir) return undefined;
  const common = await read(path.join(gitDir, 'commondir'));
  const config = (await read(path.join(common ? path.resolve(gitDir, common) : gitDir, 'config'))) ?? '';
  let inRemote = false;
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    const section = /^\[\s*remote\s+"([^"]+)"\s*\]$/.exec(line);
    if (section) { inRemote = section[1] === remote; continue; }
    if (line.startsWith('[')) { inRemote = false; continue; }
    const kv = /^url\s*=\s*(.+)$/.exec(line);
    if (inRemote && kv) return kv[1].trim();
  }
  return undefined;
}
