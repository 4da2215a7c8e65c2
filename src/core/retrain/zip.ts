// The source archive of a Cloud Function as `gcloud functions deploy` makes it
// (../shared/cd-reference.md A1, from command_lib/functions/source_util.py and
// core/util/archive.MakeZipFromDir): a ZIP_DEFLATED zip of the folder with paths
// relative to it, directory entries included; the folder's `.gcloudignore`, else a
// default (`.gcloudignore`, `.git`, `.gitignore`, `node_modules`, plus
// `#!include:.gitignore`) only when the folder has `.git`, `.gitignore` or
// `node_modules`, else every file. Unlike gcloud, the default is not written into
// the user's folder. Times before 1980 (which zip cannot store) are stored as 1980.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DEFAULT_IGNORE, FileChooser, IGNORE_FILE, parseIgnoreText } from '../cloudbuild/gcloudignore';
import { snapshot, Snapshot } from '../cloudbuild/snapshot';

const readUtf8 = (p: string) => { try { return fs.readFileSync(p, 'utf8'); } catch { return undefined; } };

/** gcloud functions' chooser (source_util._GetChooser): its default adds node_modules. */
export function functionFileChooser(dir: string): FileChooser {
  const own = readUtf8(path.join(dir, IGNORE_FILE));
  if (own !== undefined) return new FileChooser(parseIgnoreText(own, dir, 1, readUtf8), 'gcloudignore', own);
  const exists = (n: string) => fs.existsSync(path.join(dir, n));
  if (!exists('.git') && !exists('.gitignore') && !exists('node_modules')) return new FileChooser([], 'all-files');
  const def = `${DEFAULT_IGNORE}node_modules\n${exists('.gitignore') ? '#!include:.gitignore\n' : ''}`;
  return new FileChooser(parseIgnoreText(def, dir, 1, readUtf8), 'default', def);
}

/** Files a runtime needs before gcloud zips (ValidateDirectoryHasRequiredRuntimeFiles). */
export function missingRuntimeFiles(dir: string, runtime: string): string[] {
  const has = (n: string) => fs.existsSync(path.join(dir, n));
  if (runtime.startsWith('nodejs')) return has('package.json') ? [] : ['package.json'];
  if (runtime.startsWith('python')) return [...(has('main.py') ? [] : ['main.py']), ...(has('requirements.txt') || has('pyproject.toml') ? [] : ['requirements.txt (or pyproject.toml)'])];
  return [];
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t;
})();

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function dosTime(ms: number): { time: number; date: number } {
  const d = new Date(Math.max(ms, Date.UTC(1980, 0, 1, 0, 0, 0)));
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((Math.max(d.getFullYear(), 1980) - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

/** A zip (deflated, directory entries included) of what the snapshot lists. */
export function zipSnapshot(s: Snapshot): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const add = (name: string, data: Buffer, isDir: boolean, mtime: number, mode: number) => {
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = isDir ? 0 : crc32(data);
    const body = isDir ? Buffer.alloc(0) : zlib.deflateRawSync(data, { level: 6 });
    const method = isDir ? 0 : 8;
    const { time, date } = dosTime(mtime);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6); local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10); local.writeUInt16LE(date, 12); local.writeUInt32LE(crc, 14); local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBuf.length, 26); local.writeUInt16LE(0, 28);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0); cen.writeUInt16LE((3 << 8) | 20, 4); cen.writeUInt16LE(20, 6); cen.writeUInt16LE(0x0800, 8); cen.writeUInt16LE(method, 10);
    cen.writeUInt16LE(time, 12); cen.writeUInt16LE(date, 14); cen.writeUInt32LE(crc, 16); cen.writeUInt32LE(body.length, 20); cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(nameBuf.length, 28); cen.writeUInt16LE(0, 30); cen.writeUInt16LE(0, 32); cen.writeUInt16LE(0, 34); cen.writeUInt16LE(0, 36);
    // Unix mode in the high half of the external attributes (as Python's zipfile writes it), plus the DOS directory bit.
    cen.writeUInt32LE((((isDir ? 0o40000 : 0o100000) | (mode & 0o777)) << 16 | (isDir ? 0x10 : 0)) >>> 0, 38);
    cen.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    central.push(cen, nameBuf);
    offset += local.length + nameBuf.length + body.length;
  };
  const entries = [...s.dirs.map((d) => ({ ...d, dir: true })), ...s.files.map((f) => ({ ...f, dir: false }))].sort((a, b) => a.path.localeCompare(b.path));
  for (const e of entries) {
    if (e.dir) add(`${e.path}/`, Buffer.alloc(0), true, e.mtime, e.mode);
    else if (e.type === 'file') add(e.path, fs.readFileSync(path.join(s.root, e.path)), false, e.mtime, e.mode);
    else if (e.type === 'symlink') {
      // Zipped as the file it points to (Python's zipfile follows links); a link out of the folder or to a folder is left out.
      const target = path.resolve(s.root, path.dirname(e.path), e.linkTarget ?? '');
      if (target.startsWith(s.root + path.sep) && fs.existsSync(target) && fs.statSync(target).isFile()) add(e.path, fs.readFileSync(target), false, e.mtime, e.mode);
    }
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(central.length / 2, 8); end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The function folder, zipped as gcloud would upload it. */
export function zipFunctionSource(dir: string): { zip: Buffer; files: string[]; origin: string } {
  const chooser = functionFileChooser(dir);
  const snap = snapshot(dir, chooser);
  return { zip: zipSnapshot(snap), files: snap.files.map((f) => f.path), origin: chooser.origin };
}

/** The entries of a zip (names and contents), for checks and the emulator. */
export function readZip(buf: Buffer): Array<{ name: string; data: Buffer }> {
  const out: Array<{ name: string; data: Buffer }> = [];
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10), csize = buf.readUInt32LE(p + 20), nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32), lo = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    const lnlen = buf.readUInt16LE(lo + 26), lxlen = buf.readUInt16LE(lo + 28);
    const raw = buf.subarray(lo + 30 + lnlen + lxlen, lo + 30 + lnlen + lxlen + csize);
    out.push({ name, data: method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw) });
    p += 46 + nlen + xlen + clen;
  }
  return out;
}
