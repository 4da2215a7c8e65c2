// Local container engines (docker, podman, buildah): finding one, the argument
// arrays of build, run and push (never a shell string: an image name or build
// argument with shell characters stays one argument), and reading their output
// (the failing Dockerfile step, the pushed digest).
import * as fs from 'node:fs';
import * as path from 'node:path';

export type EngineKind = 'docker' | 'podman' | 'buildah';
export const ENGINES: EngineKind[] = ['docker', 'podman', 'buildah'];

export interface Engine { kind: EngineKind; path: string }

/** An executable on PATH (no shell, no `which`): the first match, with PATHEXT on Windows. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    // A relative PATH entry would resolve inside the workspace: skipped.
    if (!dir || !path.isAbsolute(dir)) continue;
    for (const ext of exts) {
      const p = path.join(dir, name + ext);
      try { fs.accessSync(p, fs.constants.X_OK); if (fs.statSync(p).isFile()) return p; } catch { /* next */ }
    }
  }
  return undefined;
}

/** The engine to use: the one set (with its path, when given), else the first of docker, podman, buildah found. */
export function chooseEngine(setting: EngineKind | 'auto', paths: Partial<Record<EngineKind, string>> = {}, env: NodeJS.ProcessEnv = process.env): Engine | { missing: string } {
  const kinds = setting === 'auto' ? ENGINES : [setting];
  for (const kind of kinds) {
    const given = paths[kind];
    if (given) {
      if (!path.isAbsolute(given)) return { missing: `kfp.components.enginePath for ${kind} must be an absolute path (${given} is not).` };
      if (fs.existsSync(given)) return { kind, path: given };
      return { missing: `${given} (kfp.components.enginePath for ${kind}) does not exist.` };
    }
    const found = findOnPath(kind, env);
    if (found) return { kind, path: found };
  }
  return { missing: setting === 'auto' ? 'No container engine was found on PATH (docker, podman or buildah). Install one, or set kfp.components.engine and its path.' : `${setting} was not found on PATH. Install it or set its path in kfp.components.enginePath.` };
}

export interface BuildOptions {
  contextDir: string;
  dockerfile: string;
  tags: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  platform?: string;
  noCache?: boolean;
}

/** Engines treat loopback registries as plain HTTP (docker does by default; podman and buildah are told). */
export function isLoopbackRegistry(image: string): boolean {
  const host = image.split('/')[0];
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
}

export function buildArgs(e: EngineKind, o: BuildOptions): string[] {
  const a: string[] = e === 'buildah' ? ['bud'] : ['build'];
  a.push('-f', o.dockerfile);
  for (const t of o.tags) a.push('-t', t);
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) a.push('--build-arg', `${k}=${v}`);
  if (o.target) a.push('--target', o.target);
  if (o.platform) a.push('--platform', o.platform);
  if (o.noCache) a.push('--no-cache');
  // The context last, after "--"-free options: a context path starting with "-" is made explicit.
  a.push(o.contextDir.startsWith('-') ? `./${o.contextDir}` : o.contextDir);
  return a;
}

export interface RunOptions {
  image: string;
  /** The component's command line: the first element replaces the image's entrypoint, as KFP does with `command`. */
  argv: string[];
  /** host path → container path. */
  mounts?: Array<{ host: string; container: string; readOnly?: boolean }>;
  platform?: string;
  env?: Record<string, string>;
  name?: string;
}

export function runArgs(e: EngineKind, o: RunOptions): string[] {
  if (e === 'buildah') throw new Error('buildah builds and pushes images but does not run them as a service; Try needs docker or podman.');
  const a = ['run', '--rm'];
  if (o.name) a.push('--name', o.name);
  if (o.platform) a.push('--platform', o.platform);
  for (const m of o.mounts ?? []) a.push('-v', `${m.host}:${m.container}${m.readOnly ? ':ro' : ''}`);
  for (const [k, v] of Object.entries(o.env ?? {})) a.push('-e', `${k}=${v}`);
  if (o.argv.length) a.push('--entrypoint', o.argv[0]);
  a.push(o.image, ...o.argv.slice(1));
  return a;
}

export function pushArgs(e: EngineKind, image: string, digestFile?: string): string[] {
  const a = ['push'];
  if (e !== 'docker') {
    if (isLoopbackRegistry(image)) a.push('--tls-verify=false');
    if (digestFile) a.push('--digestfile', digestFile);
  }
  a.push(image);
  return a;
}

// ---- Dockerfile and build output ------------------------------------------

export interface Instruction { line: number; endLine: number; keyword: string; text: string }

/** The instructions of a Dockerfile with their lines (continuations joined, comments and parser directives skipped). */
export function dockerfileInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  const out: Instruction[] = [];
  let i = 0;
  // Parser directives (# escape=`) come first, before any instruction or comment.
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[i]);
    if (!m) break;
    if (m[1].toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim() || /^\s*#/.test(l)) continue;
    const start = i;
    let joined = l;
    while (joined.trimEnd().endsWith(escape) && i + 1 < lines.length) {
      joined = joined.trimEnd().slice(0, -1);
      i++;
      // Comment lines inside a continued instruction are dropped.
      while (i < lines.length && /^\s*#/.test(lines[i])) i++;
      if (i < lines.length) joined += ' ' + lines[i].trim();
    }
    const keyword = (/^\s*(\w+)/.exec(joined)?.[1] ?? '').toUpperCase();
    out.push({ line: start, endLine: i, keyword, text: joined.trim().replace(/\s+/g, ' ') });
  }
  return out;
}

export interface BuildFailure { instruction?: Instruction; step?: number; message: string }

/**
 * Reads build output line by line: the step being run (docker's "Step 2/5 : RUN …",
 * podman and buildah's "STEP 2/5: RUN …", BuildKit's "#7 [2/5] RUN …") and the
 * error, so that a failure can be put at its Dockerfile line.
 */
export class BuildOutputReader {
  private step?: number;
  private stepText?: string;
  private error?: string;
  private lastLines: string[] = [];
  digest?: string;

  constructor(private readonly instructions: Instruction[]) {}

  line(raw: string): void {
    const l = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
    if (!l) return;
    this.lastLines.push(l);
    if (this.lastLines.length > 20) this.lastLines.shift();
    let m: RegExpExecArray | null;
    if ((m = /^Step (\d+)\/\d+ : (.*)$/.exec(l)) || (m = /^STEP (\d+)(?:\/\d+)?: (.*)$/.exec(l))) { this.step = Number(m[1]); this.stepText = m[2]; return; }
    if ((m = /^#\d+ \[(?:[^\]]*? )?(\d+)\/\d+\] (.*)$/.exec(l))) { this.stepText = m[2]; this.step = undefined; return; }
    if ((m = /^\s*> \[(?:[^\]]*? )?\d+\/\d+\] (.*):$/.exec(l))) { this.stepText = m[1]; this.step = undefined; return; }
    if ((m = /digest: (sha256:[0-9a-f]{64})/.exec(l))) this.digest = m[1];
    if (/^(The command .* returned a non-zero code|Error: |ERROR: |error building|executor failed running)/.test(l) || /did not complete successfully/.test(l)) this.error ??= l;
  }

  /** Where the build failed: the instruction whose text the engine printed, else the N-th instruction. */
  failure(): BuildFailure {
    const message = this.error ?? this.lastLines.slice(-3).join(' / ') ?? 'the build failed';
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    let instruction: Instruction | undefined;
    if (this.stepText) {
      const want = norm(this.stepText);
      instruction = this.instructions.find((x) => norm(x.text) === want)
        ?? this.instructions.find((x) => want.startsWith(x.keyword) && norm(x.text).replace(/\s*\\$/, '').startsWith(want.slice(0, 40)));
    }
    if (!instruction && this.step && this.instructions[this.step - 1]) instruction = this.instructions[this.step - 1];
    return { instruction, step: this.step, message };
  }
}
