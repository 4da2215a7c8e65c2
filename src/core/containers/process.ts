// Runs an engine without a shell, streaming its output line by line, and stops
// it when cancelled (SIGTERM, then SIGKILL after a grace period).
import { spawn } from 'node:child_process';

export interface ProcessResult { code: number | null; signal: NodeJS.Signals | null; cancelled: boolean; durationMs: number }

export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each line of stdout and stderr, as it comes (stderr flagged). */
  onLine?: (line: string, stderr: boolean) => void;
  /** Raw output chunks (for a terminal that shows progress bars as they are). */
  onData?: (text: string) => void;
  graceMs?: number;
}

export function runProcess(file: string, args: string[], o: RunProcessOptions = {}): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) { resolve({ code: null, signal: null, cancelled: true, durationMs: 0 }); return; }
    const child = spawn(file, args, { cwd: o.cwd, env: o.env ?? process.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let cancelled = false;
    let killer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      cancelled = true;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), o.graceMs ?? 5000);
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const pump = (stderr: boolean) => {
      let rest = '';
      return {
        push: (b: Buffer) => {
          const t = b.toString('utf8');
          o.onData?.(t);
          rest += t;
          const parts = rest.split(/\r?\n|\r(?!\n)/);
          rest = parts.pop() ?? '';
          for (const p of parts) o.onLine?.(p, stderr);
        },
        flush: () => { if (rest) o.onLine?.(rest, stderr); rest = ''; },
      };
    };
    const out = pump(false), err = pump(true);
    child.stdout!.on('data', out.push);
    child.stderr!.on('data', err.push);
    child.on('error', (e) => { o.signal?.removeEventListener('abort', onAbort); if (killer) clearTimeout(killer); reject(e); });
    child.on('close', (code, sig) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (killer) clearTimeout(killer);
      out.flush(); err.flush();
      resolve({ code, signal: sig, cancelled, durationMs: Date.now() - started });
    });
  });
}
