// Component folders of an ML project (one folder per pipeline step: a Dockerfile,
// often a cloudbuild.yaml and a component.yaml), the image each produces, the
// inputs its component.yaml declares, and where workspace pipelines use the image.
import { loadYaml } from '../util/lazy';
import { BuildContext, CloudBuildConfig, imageFromTemplate, parseCloudBuildConfig, parseImage, substitute } from './images';

export const DOCKERFILE_NAMES = ['Dockerfile', 'Containerfile'];
export const CLOUDBUILD_NAMES = ['cloudbuild.yaml', 'cloudbuild.yml', 'cloudbuild.json'];
export const COMPONENT_NAMES = ['component.yaml', 'component.yml'];

export interface ComponentInput { name: string; type?: string; default?: string; optional: boolean; description?: string }
export interface ComponentOutput { name: string; type?: string }

/** A KFP v1 component.yaml (the format kfp 2 still loads): name, inputs, outputs and its container. */
export interface ComponentSpec {
  name?: string;
  inputs: ComponentInput[];
  outputs: ComponentOutput[];
  image?: string;
  command: unknown[];
  args: unknown[];
  problems: string[];
}

export function parseComponentYaml(text: string): ComponentSpec {
  const out: ComponentSpec = { inputs: [], outputs: [], command: [], args: [], problems: [] };
  let doc: unknown;
  try { doc = loadYaml().parse(text); } catch (e) { out.problems.push(`not valid YAML: ${(e as Error).message.split('\n')[0]}`); return out; }
  if (!doc || typeof doc !== 'object') { out.problems.push('not a component (a mapping with implementation:)'); return out; }
  const d = doc as { name?: unknown; inputs?: unknown; outputs?: unknown; implementation?: { container?: { image?: unknown; command?: unknown; args?: unknown } } };
  if (typeof d.name === 'string') out.name = d.name;
  const str = (v: unknown) => (v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v));
  for (const i of Array.isArray(d.inputs) ? d.inputs : []) {
    const x = i as { name?: unknown; type?: unknown; default?: unknown; optional?: unknown; description?: unknown };
    if (typeof x?.name !== 'string') continue;
    out.inputs.push({ name: x.name, type: str(x.type), default: str(x.default), optional: x.optional === true || x.default !== undefined, description: str(x.description) });
  }
  for (const o of Array.isArray(d.outputs) ? d.outputs : []) {
    const x = o as { name?: unknown; type?: unknown };
    if (typeof x?.name === 'string') out.outputs.push({ name: x.name, type: str(x.type) });
  }
  const c = d.implementation?.container;
  if (!c) out.problems.push('no implementation.container');
  else {
    if (typeof c.image === 'string') out.image = c.image;
    if (Array.isArray(c.command)) out.command = c.command;
    if (Array.isArray(c.args)) out.args = c.args;
  }
  return out;
}

/**
 * The container's command line for a try-out run: `{inputValue: X}` → the value
 * given, `{inputPath: X}` → a file in the work folder holding the value,
 * `{outputPath: X}` → a path in the work folder; `{if: …}` and `{concat: …}`
 * as the v1 component format defines them. Paths are those inside the container.
 */
export function resolveCommandLine(spec: ComponentSpec, values: Record<string, string>, workDir: string): { argv: string[]; inputFiles: Record<string, string>; outputFiles: Record<string, string>; missing: string[] } {
  const inputFiles: Record<string, string> = {};
  const outputFiles: Record<string, string> = {};
  const missing: string[] = [];
  const safe = (n: string) => n.replace(/[^A-Za-z0-9_.-]/g, '_');
  const has = (n: string) => values[n] !== undefined || spec.inputs.find((i) => i.name === n)?.default !== undefined;
  const valueOf = (n: string) => values[n] ?? spec.inputs.find((i) => i.name === n)?.default;
  const one = (a: unknown): string[] => {
    if (typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean') return [String(a)];
    if (!a || typeof a !== 'object') return [];
    const o = a as Record<string, unknown>;
    if (typeof o.inputValue === 'string') {
      const v = valueOf(o.inputValue);
      if (v === undefined) { missing.push(o.inputValue); return []; }
      return [v];
    }
    if (typeof o.inputPath === 'string') {
      if (!has(o.inputPath)) { missing.push(o.inputPath); return []; }
      const p = `${workDir}/inputs/${safe(o.inputPath)}`;
      inputFiles[o.inputPath] = p;
      return [p];
    }
    if (typeof o.outputPath === 'string') {
      const p = `${workDir}/outputs/${safe(o.outputPath)}`;
      outputFiles[o.outputPath] = p;
      return [p];
    }
    if (Array.isArray(o.concat)) return [o.concat.flatMap(one).join('')];
    if (o.if && typeof o.if === 'object') {
      const c = o.if as { cond?: unknown; then?: unknown; else?: unknown };
      const cond = c.cond as Record<string, unknown> | string | boolean | undefined;
      let yes: boolean;
      if (cond && typeof cond === 'object' && typeof cond.isPresent === 'string') yes = values[cond.isPresent] !== undefined;
      else yes = String(cond === undefined ? false : typeof cond === 'object' ? one(cond)[0] : cond).toLowerCase() === 'true';
      const branch = yes ? c.then : c.else;
      return Array.isArray(branch) ? branch.flatMap(one) : branch === undefined ? [] : one(branch);
    }
    return [JSON.stringify(a)];
  };
  const argv = [...spec.command.flatMap(one), ...spec.args.flatMap(one)];
  return { argv, inputFiles, outputFiles, missing: [...new Set(missing)] };
}

export interface ComponentFolder {
  /** Folder path relative to the workspace folder ("" for the root). */
  dir: string;
  dockerfile: string;
  cloudbuild?: string;
  componentYaml?: string;
  /** The image names it produces (resolved as far as the context allows). */
  images: string[];
  /** Where the image names came from. */
  imageSource: 'cloudbuild' | 'component.yaml' | 'template' | 'none';
  /** Substitutions not known here ($SHORT_SHA without git, a _VAR without a value): said, not guessed. */
  unresolved: string[];
  config?: CloudBuildConfig;
  spec?: ComponentSpec;
  problems: string[];
}

export interface DiscoverOptions {
  /** Files of the folder (names only) by folder path. */
  filesIn: (dir: string) => string[];
  read: (relPath: string) => string | undefined;
  context: BuildContext;
  /** kfp.components.imageName, e.g. "{registry}/{folder}:{tag}". */
  template?: string;
  registry?: string;
  /** The tag for template names (the git short SHA, else "latest"). */
  tag: string;
}

/** One folder per Dockerfile (or Containerfile), described. */
export function describeComponent(dockerfilePath: string, o: DiscoverOptions): ComponentFolder {
  const slash = dockerfilePath.lastIndexOf('/');
  const dir = slash < 0 ? '' : dockerfilePath.slice(0, slash);
  const names = o.filesIn(dir);
  const join = (n: string) => (dir ? `${dir}/${n}` : n);
  const cb = CLOUDBUILD_NAMES.find((n) => names.includes(n));
  const cy = COMPONENT_NAMES.find((n) => names.includes(n));
  const c: ComponentFolder = { dir, dockerfile: dockerfilePath, cloudbuild: cb && join(cb), componentYaml: cy && join(cy), images: [], imageSource: 'none', unresolved: [], problems: [] };
  if (c.componentYaml) {
    const t = o.read(c.componentYaml);
    if (t !== undefined) { c.spec = parseComponentYaml(t); c.problems.push(...c.spec.problems.map((p) => `${cy}: ${p}`)); }
  }
  if (c.cloudbuild) {
    const t = o.read(c.cloudbuild);
    if (t !== undefined) {
      c.config = parseCloudBuildConfig(t);
      c.problems.push(...c.config.problems.map((p) => `${cb}: ${p}`));
      const ctx: BuildContext = { ...o.context, user: { ...c.config.substitutions, ...(o.context.user ?? {}) } };
      for (const img of c.config.images) {
        const s = substitute(img, ctx);
        c.images.push(s.text);
        for (const u of s.unresolved) if (!c.unresolved.includes(u)) c.unresolved.push(u);
      }
      if (c.images.length) c.imageSource = 'cloudbuild';
    }
  }
  if (!c.images.length && c.spec?.image) { c.images.push(c.spec.image); c.imageSource = 'component.yaml'; }
  if (!c.images.length && o.template) {
    const folder = dir.split('/').pop() || 'root';
    const r = imageFromTemplate(o.template, { registry: o.registry, folder, path: dir || folder, tag: o.tag });
    if (r.image) { c.images.push(r.image); c.imageSource = 'template'; }
    else c.problems.push(`The image name template needs ${r.missing.map((m) => `{${m}}`).join(', ')}: set kfp.components.registry.`);
  }
  return c;
}

/** Where a workspace file names an image: the text range of the name, for updates. */
export interface ImageUse { file: string; line: number; start: number; end: number; image: string; kind: 'python' | 'component-yaml' | 'compiled-ir' | 'yaml' | 'json' }

const PY_IMAGE = /\b(?:image|base_image|target_image)\s*=\s*(?:[rRbBuU]?)(['"])([^'"\n]+)\1/g;
const YAML_IMAGE = /^(\s*-?\s*["']?image["']?\s*:\s*)(["']?)([^\s"'#]+)\2/;

/** Image names in a file's text (Python keyword arguments; `image:` in YAML; `"image": "…"` in JSON). */
export function findImageUses(file: string, text: string): ImageUse[] {
  const out: ImageUse[] = [];
  const lines = text.split('\n');
  const isPy = file.endsWith('.py');
  const isJson = file.endsWith('.json');
  const kind: ImageUse['kind'] = isPy ? 'python' : /(^|\/)component\.ya?ml$/.test(file) ? 'component-yaml' : /deploymentSpec/.test(text) ? 'compiled-ir' : isJson ? 'json' : 'yaml';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (isPy) {
      PY_IMAGE.lastIndex = 0;
      for (let m = PY_IMAGE.exec(l); m; m = PY_IMAGE.exec(l)) {
        const start = m.index + m[0].length - 1 - m[2].length;
        out.push({ file, line: i, start, end: start + m[2].length, image: m[2], kind });
      }
    } else if (isJson) {
      const re = /"image"\s*:\s*"([^"\\]+)"/g;
      for (let m = re.exec(l); m; m = re.exec(l)) {
        const start = m.index + m[0].length - 1 - m[1].length;
        out.push({ file, line: i, start, end: start + m[1].length, image: m[1], kind });
      }
    } else {
      const m = YAML_IMAGE.exec(l);
      if (m) { const start = m[1].length + m[2].length; out.push({ file, line: i, start, end: start + m[3].length, image: m[3], kind }); }
    }
  }
  return out;
}

/** The uses of a component's image: the same repository, whatever the tag or digest. */
export function usesOf(c: ComponentFolder, uses: ImageUse[]): ImageUse[] {
  // A substitution not known here ($PROJECT_ID without a project) matches any one path segment.
  const res = c.images.map((i) => new RegExp(`^${parseImage(i).repository.split(/(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)/).map((part, k) => (k % 2 ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`));
  return uses.filter((u) => res.some((re) => re.test(parseImage(u.image).repository)));
}
