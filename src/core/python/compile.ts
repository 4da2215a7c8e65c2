// Runs the shipped helper (python/kfp_compile.py) with the user's interpreter
// and KFP SDK, without a shell, with a timeout and cancellation, and turns its
// JSON result into an outcome with a plain message, a hint and the place in the
// user's code where an error happened.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Frame { file: string; line: number; function: string; code: string }

export type CompileErrorKind =
  | 'no-python' | 'no-sdk' | 'wrong-sdk' | 'syntax' | 'import' | 'exception' | 'missing-function'
  | 'compile' | 'timeout' | 'cancelled' | 'crashed';

export interface CompileError {
  kind: CompileErrorKind;
  message: string;
  /** What the user can do about it. */
  hint?: string;
  type?: string;
  traceback?: Frame[];
  /** The full Python traceback, for the output channel. */
  text?: string;
  sdkVersion?: string;
  candidates?: string[];
  /** Where to put the diagnostic: the innermost frame in the user's own code. */
  location?: { file: string; line: number; column?: number };
  /** The code is KFP v1 and the SDK is v2. */
  v1Code?: boolean;
}

export interface CompileSuccess {
  ok: true;
  output: string;
  sdkVersion: string;
  sdkMajor: number;
  function: string;
  pipelineName: string;
  parameters: Array<{ name: string; annotation: string | null; default: string | null }>;
  durationMs: number;
  stdout: string;
  stderr: string;
}

export type CompileOutcome = CompileSuccess | { ok: false; error: CompileError; stdout: string; stderr: string; durationMs: number };

export interface CompileRequest {
  python: string;
  helper: string;
  file: string;
  functionName?: string;
  output: string;
  /** The workspace folder: the user's code is run from there, as they would run it. */
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

const MAX_CAPTURE = 256 * 1024;

export async function compilePipeline(req: CompileRequest): Promise<CompileOutcome> {
  const started = Date.now();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kfp-compile-'));
  const resultFile = path.join(dir, 'result.json');
  const args = [req.helper, '--file', req.file, '--output', req.output, '--result', resultFile];
  if (req.functionName) args.push('--function', req.functionName);
  let stdout = '';
  let stderr = '';
  const done = (error: CompileError): CompileOutcome => ({ ok: false, error, stdout, stderr, durationMs: Date.now() - started });
  try {
    const exit = await new Promise<{ code: number | null; reason?: 'timeout' | 'cancelled' | 'spawn'; spawnError?: NodeJS.ErrnoException }>((resolve) => {
      let settled = false;
      const finish = (v: { code: number | null; reason?: 'timeout' | 'cancelled' | 'spawn'; spawnError?: NodeJS.ErrnoException }) => { if (!settled) { settled = true; resolve(v); } };
      const child = spawn(req.python, args, { cwd: req.cwd, env: { ...process.env, ...req.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' }, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (b: Buffer) => { if (stdout.length < MAX_CAPTURE) stdout += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { if (stderr.length < MAX_CAPTURE) stderr += b.toString(); });
      const timer = setTimeout(() => { child.kill('SIGKILL'); finish({ code: null, reason: 'timeout' }); }, req.timeoutMs);
      const onAbort = () => { child.kill('SIGKILL'); finish({ code: null, reason: 'cancelled' }); };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      if (req.signal?.aborted) onAbort();
      child.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); finish({ code: null, reason: 'spawn', spawnError: e }); });
      child.on('close', (code) => { clearTimeout(timer); req.signal?.removeEventListener('abort', onAbort); finish({ code }); });
    });
    if (exit.reason === 'spawn') {
      return done({ kind: 'no-python', message: `Cannot run the Python interpreter "${req.python}": ${exit.spawnError?.code === 'ENOENT' ? 'not found' : exit.spawnError?.message}.`, hint: 'Select a Python interpreter that has the KFP SDK installed (or set kfp.pythonPath).' });
    }
    if (exit.reason === 'timeout') {
      return done({ kind: 'timeout', message: `Compiling did not finish within ${Math.round(req.timeoutMs / 1000)} s (the pipeline module may be doing slow work at import time).`, hint: 'Raise kfp.compile.timeout, or move slow work out of module level.' });
    }
    if (exit.reason === 'cancelled') return done({ kind: 'cancelled', message: 'Compiling was cancelled.' });
    let result: { ok: boolean; error?: CompileError & { file?: string; line?: number; column?: number }; output?: string; sdkVersion?: string; function?: string; pipelineName?: string; parameters?: CompileSuccess['parameters'] };
    try {
      result = JSON.parse(await fs.readFile(resultFile, 'utf8'));
    } catch {
      const tail = stderr.trim().split('\n').slice(-5).join('\n');
      return done({ kind: 'crashed', message: `The compile helper stopped without a result (exit code ${exit.code}).${tail ? `\n${tail}` : ''}`, hint: 'See the Kubeflow Pipelines output channel for everything Python printed.' });
    }
    if (result.ok) {
      const sdkVersion = result.sdkVersion ?? 'unknown';
      return {
        ok: true, output: result.output!, sdkVersion, sdkMajor: Number(sdkVersion.split('.')[0]) || 0, function: result.function!,
        pipelineName: result.pipelineName ?? result.function!, parameters: result.parameters ?? [], durationMs: Date.now() - started, stdout, stderr,
      };
    }
    return done(classify(result.error!, req));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const V1_ONLY = new Set(['gcp', 'aws', 'azure', 'onprem', 'ContainerOp', 'VolumeOp', 'ResourceOp', 'PipelineVolume', 'func_to_container_op', 'use_gcp_secret', 'use_aws_secret', 'use_azure_secret', 'InputArgumentPath']);
const V1_MODULE = /No module named 'kfp\.(gcp|aws|azure|onprem|dsl\.types|containers)'/;
const V2_ONLY = new Set(['component', 'container_component', 'Input', 'Output', 'Dataset', 'Model', 'Artifact', 'If', 'Elif', 'Else', 'ParallelFor', 'ExitHandler', 'importer', 'ContainerSpec', 'PipelineTaskFinalStatus', 'Collected']);

function classify(e: CompileError & { file?: string; line?: number; column?: number }, req: CompileRequest): CompileError {
  const out: CompileError = { ...e };
  const missing = /module 'kfp(?:\.[\w.]+)?' has no attribute '(\w+)'|cannot import name '(\w+)' from 'kfp/.exec(e.message);
  const name = missing?.[1] ?? missing?.[2];
  const major = Number((e.sdkVersion ?? '').split('.')[0]);
  if (name && major === 1 && V2_ONLY.has(name)) {
    out.kind = 'wrong-sdk';
    out.message = `This file uses the KFP SDK v2 API (${name}), but the interpreter has kfp ${e.sdkVersion}.`;
    out.hint = 'Install the KFP SDK v2 in this environment (pip install "kfp>=2"), or select an interpreter that has it.';
  } else if (major >= 2 && (V1_ONLY.has(name ?? '') || V1_MODULE.test(e.message))) {
    // kfp 2 removed the v1 API: "pip install kfp" would not help, and the user should hear that this is v1 code.
    const what = name ?? /No module named '(kfp\.[\w.]+)'/.exec(e.message)?.[1] ?? 'the v1 API';
    out.kind = 'wrong-sdk';
    out.v1Code = true;
    out.message = `This is KFP v1 code (it uses ${what}), and the interpreter has kfp ${e.sdkVersion}: kfp 2 removed ContainerOp, kfp.gcp and the rest of the v1 API.`;
    out.hint = 'Compile it with an environment that has the v1 SDK (pip install "kfp<2", i.e. 1.8.x; KFP 2 servers still run v1 pipelines), or move it to v2 (see the KFP migration guide).';
  }
  switch (out.kind) {
    case 'no-sdk': out.hint ??= 'Install the KFP SDK into this interpreter (python -m pip install kfp), or select another interpreter.'; break;
    case 'syntax': out.hint ??= 'Fix the syntax error and compile again.'; break;
    case 'import': out.hint ??= /No module named 'kfp/.test(e.message) ? 'Install the KFP SDK (python -m pip install kfp).' : 'Install the missing module into the selected interpreter, or select the environment that has it.'; break;
    case 'missing-function': out.hint ??= e.candidates?.length ? `Pipelines in this file: ${e.candidates.join(', ')}.` : 'Decorate the pipeline function with @dsl.pipeline.'; break;
    case 'compile': case 'exception': out.hint ??= 'The full traceback is in the Kubeflow Pipelines output channel.'; break;
  }
  if (e.kind === 'syntax' && e.file && e.line) out.location = { file: e.file, line: e.line, column: e.column ?? undefined };
  else out.location = userFrame(e.traceback ?? [], req);
  return out;
}

/** The innermost traceback frame in the user's own code (not the helper, not an installed package). */
export function userFrame(frames: Frame[], req: Pick<CompileRequest, 'cwd' | 'file' | 'helper'>): CompileError['location'] {
  const roots = [path.resolve(req.cwd), path.dirname(path.resolve(req.file))];
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = path.resolve(frames[i].file);
    if (f === path.resolve(req.helper) || /[\\/](site|dist)-packages[\\/]|[\\/]lib[\\/]python\d/.test(f) || f.startsWith('<')) continue;
    if (roots.some((r) => f === r || f.startsWith(r + path.sep))) return { file: f, line: frames[i].line };
  }
  return undefined;
}
