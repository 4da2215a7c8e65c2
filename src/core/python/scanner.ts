// Finds KFP pipelines, components and v1 ContainerOps in Python source without
// running Python: a single pass over the lines that tracks the import aliases
// of kfp, then reads decorators and the `def` they decorate. Fast enough to run
// on every keystroke (see bench/scanner).

export interface Param { name: string; annotation?: string; default?: string }

export interface PipelineSymbol {
  kind: 'pipeline' | 'component' | 'containerComponent';
  /** The Python function name. */
  functionName: string;
  /** `name=` of the decorator, when given as a string literal. */
  displayName?: string;
  description?: string;
  /** Line of the first decorator (0-based) and of the `def`. */
  decoratorLine: number;
  defLine: number;
  /** Last line of the function body (0-based, inclusive). */
  endLine: number;
  params: Param[];
}

export interface LoadedComponent { variable: string; source: 'file' | 'url' | 'text'; argument?: string; line: number }
export interface ContainerOpUse { line: number; name?: string; hasFileOutputs: boolean }

export interface ScanResult {
  pipelines: PipelineSymbol[];
  components: PipelineSymbol[];
  loadedComponents: LoadedComponent[];
  containerOps: ContainerOpUse[];
  /** The file imports kfp in some form. */
  importsKfp: boolean;
}

/** A cheap test before a full scan: could this text define a KFP pipeline? */
export function mightHavePipeline(text: string): boolean {
  return text.includes('kfp') && /\bpipeline\b|ContainerOp/.test(text);
}

const DECORATOR_KINDS: Record<string, PipelineSymbol['kind']> = {
  pipeline: 'pipeline', component: 'component', container_component: 'containerComponent', notebook_component: 'component',
};

/** Lines a decorator's arguments or a def's signature may span before the scanner gives up on it (an unclosed `(`). */
const MAX_SPAN = 200;

/** Paren depth and string state carried from line to line, so a long construct is scanned once (not once per line). */
class DepthTracker {
  depth = 0;
  private quote?: string;
  add(s: string): number {
    for (let k = 0; k < s.length; k++) {
      const c = s[k];
      if (this.quote) {
        if (c === '\\') k++;
        else if (s.startsWith(this.quote, k)) { k += this.quote.length - 1; this.quote = undefined; }
        continue;
      }
      if (c === '"' || c === "'") { this.quote = s.startsWith(c.repeat(3), k) ? c.repeat(3) : c; k += this.quote.length - 1; }
      else if (c === '#') break;
      else if (c === '(' || c === '[' || c === '{') this.depth++;
      else if (c === ')' || c === ']' || c === '}') this.depth--;
    }
    // A one-quote string does not go past the end of its line.
    if (this.quote && this.quote.length === 1) this.quote = undefined;
    return this.depth;
  }
}

/** The line without a trailing comment (a # outside strings). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let k = 0; k < line.length; k++) {
    const c = line[k];
    if (quote) { if (c === '\\') k++; else if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, k).trimEnd();
  }
  return line;
}

/** The triple-quote delimiter a line leaves open (toggling `open`), counting only delimiters outside one-quote strings. */
function tripleState(line: string, open: string | undefined): string | undefined {
  let k = 0;
  let cur = open;
  while (k < line.length) {
    if (cur) {
      const end = line.indexOf(cur, k);
      if (end < 0) return cur;
      k = end + 3;
      cur = undefined;
      continue;
    }
    const c = line[k];
    if (c === '#') return undefined;
    if ((c === '"' || c === "'") && line.startsWith(c.repeat(3), k)) { cur = c.repeat(3); k += 3; continue; }
    if (c === '"' || c === "'") {
      // Skip a one-quote string.
      let j = k + 1;
      while (j < line.length && line[j] !== c) { if (line[j] === '\\') j++; j++; }
      k = j + 1;
      continue;
    }
    k++;
  }
  return cur;
}

export function scanPython(text: string): ScanResult {
  const lines = text.split(/\r?\n/);
  const result: ScanResult = { pipelines: [], components: [], loadedComponents: [], containerOps: [], importsKfp: false };
  // Names under which the dsl module, the kfp package and the decorators are reachable.
  const dslAliases = new Set<string>();
  const kfpAliases = new Set<string>();
  const decoratorAliases = new Map<string, string>(); // local name -> pipeline | component | container_component
  const loaderAliases = new Map<string, LoadedComponent['source']>();
  const componentsModuleAliases = new Set<string>();
  let pending: { line: number; kind: PipelineSymbol['kind']; args: string } | undefined;

  let triple: string | undefined; // inside a triple-quoted string (a docstring): nothing there is code
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (triple) { triple = tripleState(raw, triple); continue; }
    const line = stripComment(raw.trim());
    triple = tripleState(raw, undefined);
    if (!line || line.startsWith('#')) continue;

    // ---- imports ----
    let m: RegExpMatchArray | null;
    if ((m = /^import\s+(.+)$/.exec(line))) {
      for (const part of m[1].split(',')) {
        const [mod, alias] = part.trim().split(/\s+as\s+/);
        if (mod === 'kfp') { kfpAliases.add(alias ?? 'kfp'); result.importsKfp = true; }
        else if (/^kfp(\.v2)?\.dsl$/.test(mod)) { result.importsKfp = true; if (alias) dslAliases.add(alias); else kfpAliases.add('kfp'); }
        else if (mod.startsWith('kfp.')) { result.importsKfp = true; if (!alias) kfpAliases.add('kfp'); else if (/^kfp\.components$/.test(mod)) componentsModuleAliases.add(alias); }
      }
      continue;
    }
    if ((m = /^from\s+(kfp(?:\.[\w.]+)?)\s+import\s+\(?([^)]*)\)?/.exec(line))) {
      result.importsKfp = true;
      let names = m[2];
      // A parenthesised import may span lines.
      if (line.includes('(') && !line.includes(')')) {
        while (i + 1 < lines.length && !lines[i].includes(')')) { i++; names += ',' + lines[i].replace(/[()]/g, ''); }
      }
      for (const part of names.split(',')) {
        const [name, alias] = part.trim().replace(/#.*$/, '').split(/\s+as\s+/).map((x) => x?.trim());
        if (!name) continue;
        const local = alias ?? name;
        if (/^kfp(\.v2)?$/.test(m[1]) && name === 'dsl') dslAliases.add(local);
        else if (m[1] === 'kfp' && name === 'components') componentsModuleAliases.add(local);
        else if (/^kfp(\.v2)?\.dsl$/.test(m[1]) && DECORATOR_KINDS[name]) decoratorAliases.set(local, name);
        else if (/^kfp(\.v2)?\.dsl$/.test(m[1]) && name === 'ContainerOp') decoratorAliases.set(local, 'ContainerOp');
        else if (/^kfp\.components$/.test(m[1]) && /^load_component_from_(file|url|text)$/.test(name)) loaderAliases.set(local, name.replace('load_component_from_', '') as LoadedComponent['source']);
      }
      continue;
    }

    // ---- decorators ----
    if (line.startsWith('@')) {
      const dm = /^@\s*([\w.]+)\s*(\(.*)?$/.exec(line);
      if (dm) {
        const kind = decoratorKind(dm[1].replace(/\s+/g, ''), dslAliases, kfpAliases, decoratorAliases);
        if (kind) {
          const start = i;
          let args = dm[2] ?? '';
          const t = new DepthTracker();
          let depth = t.add(args);
          while (depth > 0 && i + 1 < lines.length && i - start < MAX_SPAN) { i++; args += '\n' + lines[i]; depth = t.add(lines[i]); }
          if (depth > 0) { pending = undefined; continue; } // unclosed: not a decorator the scanner can read
          pending = { line: pending?.line ?? start, kind, args };
          continue;
        }
      }
      continue; // another decorator: keep any pending KFP decorator
    }

    // ---- def following a KFP decorator ----
    if (pending && /^(async\s+)?def\s/.test(line)) {
      const defLine = i;
      let sig = line;
      const t = new DepthTracker();
      let depth = t.add(line);
      // The signature ends where the brackets close and the line ends in ':' (a return annotation may hold brackets too).
      while ((depth > 0 || !/:\s*$/.test(stripComment(lines[i].trim()))) && i + 1 < lines.length && i - defLine < MAX_SPAN) { i++; sig += '\n' + lines[i].trim(); depth = t.add(lines[i]); }
      const head = /def\s+(\w+)\s*\(/.exec(sig);
      const close = head ? matchingParen(sig, head.index + head[0].length - 1) : -1;
      if (head && close > 0) {
        const indent = raw.length - raw.trimStart().length;
        const sym: PipelineSymbol = {
          kind: pending.kind, functionName: head[1], decoratorLine: pending.line, defLine,
          endLine: blockEnd(lines, i, indent), params: parseParams(sig.slice(head.index + head[0].length, close)),
          displayName: stringArg(pending.args, 'name'), description: stringArg(pending.args, 'description'),
        };
        (sym.kind === 'pipeline' ? result.pipelines : result.components).push(sym);
      }
      pending = undefined;
      continue;
    }
    pending = undefined;

    // ---- loaded components and v1 ContainerOps ----
    const lm = /^(\w+)\s*=\s*([\w.]+)\s*\(\s*(['"]?)([^'")]*)/.exec(line);
    if (lm) {
      const fn = lm[2];
      const last = fn.split('.').pop()!;
      const source = loaderAliases.get(fn) ?? (/^load_component_from_(file|url|text)$/.test(last) && (fn.includes('components.') || fn === last && loaderAliases.has(last))
        ? last.replace('load_component_from_', '') as LoadedComponent['source'] : undefined);
      if (source) { result.loadedComponents.push({ variable: lm[1], source, argument: lm[3] ? lm[4] : undefined, line: i }); continue; }
    }
    const cm = /(?:^|[=(\s])([\w.]+)\s*\(/.exec(line);
    if (cm && (isContainerOp(cm[1], dslAliases, kfpAliases) || decoratorAliases.get(cm[1]) === 'ContainerOp')) {
      let call = line.slice(line.indexOf(cm[1]));
      let j = i;
      while (parenDepth(call) > 0 && j + 1 < lines.length && j - i < 200) { j++; call += '\n' + lines[j]; }
      result.containerOps.push({ line: i, name: stringArg(call.slice(call.indexOf('(')), 'name'), hasFileOutputs: /\bfile_outputs\s*=/.test(call) });
    }
  }
  return result;
}

function decoratorKind(name: string, dsl: Set<string>, kfp: Set<string>, direct: Map<string, string>): PipelineSymbol['kind'] | undefined {
  const parts = name.split('.');
  const last = parts[parts.length - 1];
  const kind = DECORATOR_KINDS[last];
  if (parts.length === 1) { const d = direct.get(name); return d ? DECORATOR_KINDS[d] : undefined; }
  if (!kind) return undefined;
  const prefix = parts.slice(0, -1).join('.');
  if (dsl.has(prefix)) return kind;
  if ([...kfp].some((k) => prefix === `${k}.dsl` || prefix === `${k}.v2.dsl`)) return kind;
  return undefined;
}

function isContainerOp(name: string, dsl: Set<string>, kfp: Set<string>): boolean {
  if (!name.endsWith('.ContainerOp')) return false;
  const prefix = name.slice(0, -'.ContainerOp'.length);
  return dsl.has(prefix) || [...kfp].some((k) => prefix === `${k}.dsl`);
}

/** The index of the bracket closing the one at `open`, or -1. */
function matchingParen(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let k = open; k < s.length; k++) {
    const c = s[k];
    if (quote) { if (c === '\\') k++; else if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#') { const nl = s.indexOf('\n', k); if (nl < 0) return -1; k = nl; }
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && --depth === 0) return k;
  }
  return -1;
}

function parenDepth(s: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (quote) { if (c === '\\') k++; else if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#') { const nl = s.indexOf('\n', k); if (nl < 0) break; k = nl; }
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
  }
  return depth;
}

function stringArg(args: string, key: string): string | undefined {
  const m = new RegExp(`\\b${key}\\s*=\\s*(?:[rRuU]?)("""|'''|"|')([\\s\\S]*?)\\1`).exec(args);
  return m?.[2];
}

/** Splits a parameter list at top-level commas. */
export function parseParams(list: string): Param[] {
  const out: Param[] = [];
  let depth = 0;
  let cur = '';
  let quote: string | undefined;
  const flush = () => {
    const p = cur.replace(/#.*$/gm, '').trim();
    cur = '';
    if (!p || p === '*' || p === '/' || p.startsWith('*') || p === 'self') return;
    const eq = topLevelIndex(p, '=');
    const head = eq >= 0 ? p.slice(0, eq).trim() : p;
    const def = eq >= 0 ? p.slice(eq + 1).trim() : undefined;
    const colon = topLevelIndex(head, ':');
    out.push({ name: (colon >= 0 ? head.slice(0, colon) : head).trim(), annotation: colon >= 0 ? head.slice(colon + 1).trim() : undefined, default: def });
  };
  for (let k = 0; k < list.length; k++) {
    const c = list[k];
    if (quote) { cur += c; if (c === '\\') { cur += list[++k] ?? ''; } else if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") { quote = c; cur += c; continue; }
    if (c === '(' || c === '[' || c === '{') depth++;
    if (c === ')' || c === ']' || c === '}') depth--;
    if (c === ',' && depth === 0) { flush(); continue; }
    cur += c;
  }
  flush();
  return out;
}

function topLevelIndex(s: string, ch: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ch && depth === 0) return k;
  }
  return -1;
}

/** The last line of the indented block that starts after `from`. */
function blockEnd(lines: string[], from: number, indent: number): number {
  let last = from;
  for (let k = from + 1; k < lines.length; k++) {
    const l = lines[k];
    if (!l.trim() || l.trim().startsWith('#')) continue;
    if (l.length - l.trimStart().length <= indent) break;
    last = k;
  }
  return last;
}
