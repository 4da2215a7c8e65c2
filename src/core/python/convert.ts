// Runs the shipped converter (python/kfp_v1_to_v2.py) with the user's Python: the
// source goes in on stdin, text edits come back on stdout. The helper only parses
// the file (ast); it never imports or runs it. No shell; a time limit.
import { spawn } from 'node:child_process';
import type { ImageProgram } from '../components/entrypoint';

export interface ConvertEdit { start: [number, number]; end: [number, number]; text: string }
export interface ConvertResult {
  edits: ConvertEdit[];
  notConverted: Array<{ line: number; what: string; why: string }>;
  converted: string[];
  style?: { indent: string; quote: string };
}

/** Markers of KFP v1 code (what the converter rewrites). */
export const V1_MARKERS = /\bContainerOp\s*\(|\bfunc_to_container_op\b|\bcreate_component_from_func\b|\bdsl\.Condition\s*\(|\buse_gcp_secret\s*\(/;

export async function convertV1(python: string, helper: string, source: string, entrypoints: Record<string, ImageProgram>, timeoutMs = 30_000, file?: string): Promise<ConvertResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [helper], { shell: false, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`The converter did not finish within ${timeoutMs / 1000} s.`)); }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); reject(new Error(`Cannot run the Python interpreter "${python}": ${e.code === 'ENOENT' ? 'not found' : e.message}. Select an interpreter (any Python 3.8+; the converter needs no KFP SDK).`)); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8');
      let r: ConvertResult & { error?: string };
      try { r = JSON.parse(text) as ConvertResult & { error?: string }; } catch {
        reject(new Error(`The converter failed (exit ${code}): ${Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' ')}`));
        return;
      }
      if (r.error) reject(new Error(`Cannot convert: ${r.error}.`));
      else resolve(r);
    });
    // The file's path lets the helper read the component.yaml files it loads (read, never run).
    child.stdin.end(JSON.stringify({ source, entrypoints, path: file }));
  });
}
