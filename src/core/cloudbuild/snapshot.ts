// The source tarball `gcloud builds submit DIR` uploads (the Cloud SDK's
// api_lib/cloudbuild/snapshot.py, read from its source; ../shared/cloud-build-reference.md 1):
// - DIR is walked top-down without following links; a directory the ignore rules
//   exclude is not entered (nothing under it can come back);
// - every included directory gets an entry, empty ones too, before the files;
// - files keep their paths relative to DIR; a symlink is stored as a link (a link to a
//   directory too, listed with the directories and not entered); a dangling one is skipped;
// - owners are reset to root:root (uid/gid 0).
// The tar is written here (ustar with PAX records for long or non-ASCII names) and
// gzipped as a stream, so memory stays bounded whatever the folder's size.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { FileChooser } from './gcloudignore';

export interface SnapshotEntry {
  /** "/"-separated path relative to the folder. */
  path: string;
  type: 'dir' | 'file' | 'symlink';
  size: number;
  mode: number;
  mtime: number;
  linkTarget?: string;
}

export interface Snapshot {
  root: string;
  dirs: SnapshotEntry[];
  files: SnapshotEntry[];
  /** Bytes of the files before compression (gcloud: "N file(s) totalling SIZE"). */
  bytes: number;
  /** Some paths were left out by the ignore rules. */
  anyIgnored: boolean;
  /** Paths left out (for "what is not uploaded" in the UI), capped. */
  ignored: string[];
  /** Things skipped for other reasons (dangling links, sockets), said to the user. */
  skipped: string[];
}

const IGNORED_KEPT = 1000;

/** Lists what would be uploaded, in gcloud's order (its os.walk, names sorted here so that the result is stable). */
export function snapshot(root: string, chooser: FileChooser): Snapshot {
  const out: Snapshot = { root, dirs: [], files: [], bytes: 0, anyIgnored: false, ignored: [], skipped: [] };
  const ignore = (p: string) => { out.anyIgnored = true; if (out.ignored.length < IGNORED_KEPT) out.ignored.push(p); };
  const walk = (rel: string) => {
    const abs = rel ? path.join(root, rel) : root;
    let names: fs.Dirent[];
    try { names = fs.readdirSync(abs, { withFileTypes: true }); } catch (e) { out.skipped.push(`${rel || '.'}: ${(e as Error).message}`); return; }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: Array<{ rel: string; link: boolean }> = [];
    for (const d of names) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      const full = path.join(abs, d.name);
      const link = d.isSymbolicLink();
      // os.walk puts a link to a directory among the directories (and does not enter it).
      let isDir = d.isDirectory();
      let target: fs.Stats | undefined;
      if (link) { try { target = fs.statSync(full); isDir = target.isDirectory(); } catch { target = undefined; } }
      if (isDir) { subdirs.push({ rel: p, link }); continue; }
      if (link && !target) { out.skipped.push(`${p}: a link to something that does not exist (gcloud skips it too)`); continue; }
      if (!chooser.isIncluded(p)) { ignore(p); continue; }
      const st = fs.lstatSync(full);
      if (link) out.files.push({ path: p, type: 'symlink', size: 0, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), linkTarget: fs.readlinkSync(full) });
      else if (st.isFile()) { out.files.push({ path: p, type: 'file', size: st.size, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) }); out.bytes += st.size; }
      else out.skipped.push(`${p}: not a regular file, link or folder`);
    }
    for (const s of subdirs) {
      if (!chooser.isIncluded(s.rel, true)) { ignore(`${s.rel}/`); continue; }
      const full = path.join(root, s.rel);
      const st = fs.statSync(full);
      const lst = s.link ? fs.lstatSync(full) : st;
      // The mode is the target's (os.stat), the time the entry's own (gettarinfo uses lstat).
      if (s.link) out.dirs.push({ path: s.rel, type: 'symlink', size: 0, mode: st.mode & 0o7777, mtime: Math.floor(lst.mtimeMs / 1000), linkTarget: fs.readlinkSync(full) });
      else { out.dirs.push({ path: s.rel, type: 'dir', size: 0, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) }); walk(s.rel); }
    }
  };
  walk('');
  return out;
}

// ---- tar -------------------------------------------------------------------

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`);
}

const fits = (s: string, n: number) => Buffer.byteLength(s) <= n && /^[\x20-\x7e]*$/.test(s);

/** One 512-byte ustar header; name split into prefix/name when that fits, else a PAX record carries it. */
function header(name: string, o: { type: '0' | '2' | '5' | 'x'; size: number; mode: number; mtime: number; linkname?: string }): Buffer {
  const b = Buffer.alloc(512);
  let nm = name, prefix = '';
  if (!fits(nm, 100)) {
    const cut = nm.lastIndexOf('/', 155);
    if (cut > 0 && fits(nm.slice(0, cut), 155) && fits(nm.slice(cut + 1), 100)) { prefix = nm.slice(0, cut); nm = nm.slice(cut + 1); }
    else nm = nm.slice(0, 100);
  }
  b.write(nm, 0, 100, 'utf8');
  b.write(octal(o.mode, 8), 100, 'ascii');
  b.write(octal(0, 8), 108, 'ascii');
  b.write(octal(0, 8), 116, 'ascii');
  b.write(octal(o.size, 12), 124, 'ascii');
  b.write(octal(o.mtime, 12), 136, 'ascii');
  b.fill(' ', 148, 156);
  b.write(o.type, 156, 'ascii');
  if (o.linkname) b.write(o.linkname.slice(0, 100), 157, 'utf8');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.write('root', 265, 'ascii');
  b.write('root', 297, 'ascii');
  b.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(sum, 7) + ' ', 148, 'ascii');
  return b;
}

function entryHeaders(e: SnapshotEntry): Buffer[] {
  const name = e.type === 'dir' ? `${e.path}/` : e.path;
  const pax: Buffer[] = [];
  const split = name.lastIndexOf('/', 155);
  const nameFits = fits(name, 100) || (split > 0 && fits(name.slice(0, split), 155) && fits(name.slice(split + 1), 100));
  if (!nameFits) pax.push(paxRecord('path', name));
  if (e.linkTarget !== undefined && !fits(e.linkTarget, 100)) pax.push(paxRecord('linkpath', e.linkTarget));
  const out: Buffer[] = [];
  if (pax.length) {
    const body = Buffer.concat(pax);
    out.push(header(`PaxHeaders/${path.posix.basename(e.path).slice(0, 80)}`, { type: 'x', size: body.length, mode: 0o644, mtime: e.mtime }), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  const type = e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0';
  out.push(header(name, { type, size: e.type === 'file' ? e.size : 0, mode: e.mode, mtime: e.mtime, linkname: e.linkTarget }));
  return out;
}

/** The tar stream of a snapshot: directories first, then files, then the two empty blocks. */
export async function* tarStream(s: Snapshot, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for (const d of s.dirs) yield* entryHeaders(d);
  for (const f of s.files) {
    if (signal?.aborted) throw new Error('cancelled');
    yield* entryHeaders(f);
    if (f.type !== 'file') continue;
    let sent = 0;
    for await (const c of fs.createReadStream(path.join(s.root, f.path), { highWaterMark: 256 * 1024 })) {
      const chunk = c as Buffer;
      // A file that grew while packing is cut at the size in its header; one that shrank is padded (tar needs the size it announced).
      const take = chunk.subarray(0, Math.max(0, f.size - sent));
      sent += take.length;
      if (take.length) yield take;
      if (sent >= f.size) break;
    }
    if (sent < f.size) yield Buffer.alloc(f.size - sent);
    const pad = (512 - (f.size % 512)) % 512;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(1024);
}

/** Writes the gzipped tarball to `out`; resolves with its compressed size. */
export async function writeTarball(s: Snapshot, out: Writable, signal?: AbortSignal): Promise<number> {
  let size = 0;
  // Level 4 with 256 KiB chunks: as small as level 6 (tar czf) on source and data, and faster (bench/pack.ts).
  const gz = zlib.createGzip({ level: 4, chunkSize: 256 * 1024 });
  gz.on('data', (c: Buffer) => { size += c.length; });
  await pipeline(Readable.from(tarStream(s, signal)), gz, out, { signal });
  return size;
}

/** "N file(s) totalling SIZE", as gcloud says before it uploads. */
export function describeSnapshot(s: Snapshot): string {
  const mb = s.bytes >= 1048576 ? `${(s.bytes / 1048576).toFixed(1)} MiB` : `${(s.bytes / 1024).toFixed(1)} KiB`;
  return `${s.files.length} file(s) totalling ${mb} before compression`;
}
