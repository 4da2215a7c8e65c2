// Image names: what a component folder produces (its cloudbuild.yaml, or the
// naming template), and Cloud Build's substitutions. Cloud Build's rules, from
// its documentation (cloud.google.com/build/docs/configuring-builds/substitute-variable-values):
// `$VAR` and `${VAR}`, `$$` for a literal dollar; built-in variables are upper
// case, user-defined ones start with "_"; an unknown variable is an error there.
import { loadYaml } from '../util/lazy';

/** registry/repository[:tag][@digest], split without guessing at the registry. */
export interface ImageRef { repository: string; tag?: string; digest?: string }

export function parseImage(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  return { repository: rest, tag, digest };
}

export function formatImage(r: ImageRef): string {
  return `${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Built-in substitutions a build from the editor can know (the rest are a trigger's). */
export interface BuildContext {
  projectId?: string;
  location?: string;
  commitSha?: string;
  branchName?: string;
  tagName?: string;
  repoName?: string;
  /** User-defined substitutions (_VAR), from the config's `substitutions:` and then settings. */
  user?: Record<string, string>;
}

export interface Substituted { text: string; unresolved: string[] }

/** Replaces $VAR / ${VAR} as Cloud Build does; names it cannot resolve are listed, and left as they were. */
export function substitute(text: string, ctx: BuildContext): Substituted {
  const builtins: Record<string, string | undefined> = {
    PROJECT_ID: ctx.projectId, LOCATION: ctx.location, COMMIT_SHA: ctx.commitSha, REVISION_ID: ctx.commitSha,
    SHORT_SHA: ctx.commitSha?.slice(0, 7), BRANCH_NAME: ctx.branchName, TAG_NAME: ctx.tagName, REPO_NAME: ctx.repoName,
    REF_NAME: ctx.tagName ?? ctx.branchName,
  };
  const unresolved: string[] = [];
  const out = text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced: string | undefined, bare: string | undefined) => {
    if (m === '$$') return '$';
    const name = (braced ?? bare)!;
    const v = name.startsWith('_') ? ctx.user?.[name] : builtins[name];
    if (v === undefined) { if (!unresolved.includes(name)) unresolved.push(name); return m; }
    return v;
  });
  return { text: out, unresolved };
}

/** What a cloudbuild.yaml says about the images it makes, and the folders its steps run in. */
export interface CloudBuildConfig {
  /** Image names as written (before substitution). */
  images: string[];
  /** Where they came from: `images:`, the -t of a docker build step, a kaniko --destination. */
  imagesFrom: 'images' | 'docker-tag' | 'kaniko' | 'none';
  /** The config's own `substitutions:` (user-defined defaults). */
  substitutions: Record<string, string>;
  /** `dir:` of the steps (relative to the uploaded source's root): a config written for a trigger at the repository root. */
  stepDirs: string[];
  /** options.logging (CLOUD_LOGGING_ONLY changes where the log is read). */
  logging?: string;
  problems: string[];
}

export function parseCloudBuildConfig(text: string): CloudBuildConfig {
  const out: CloudBuildConfig = { images: [], imagesFrom: 'none', substitutions: {}, stepDirs: [], problems: [] };
  let doc: unknown;
  try {
    // cloudbuild.json is JSON, which is YAML.
    doc = loadYaml().parse(text);
  } catch (e) {
    out.problems.push(`not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    return out;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) { out.problems.push('not a build config (a mapping with steps:)'); return out; }
  const d = doc as { steps?: unknown; images?: unknown; substitutions?: unknown; options?: { logging?: unknown } };
  if (d.substitutions && typeof d.substitutions === 'object') {
    for (const [k, v] of Object.entries(d.substitutions as Record<string, unknown>)) if (typeof v === 'string' || typeof v === 'number') out.substitutions[k] = String(v);
  }
  if (typeof d.options?.logging === 'string') out.logging = d.options.logging;
  const steps = Array.isArray(d.steps) ? d.steps as Array<{ name?: unknown; args?: unknown; dir?: unknown; entrypoint?: unknown }> : [];
  if (!Array.isArray(d.steps)) out.problems.push('no steps: list');
  for (const s of steps) if (typeof s?.dir === 'string' && s.dir && !out.stepDirs.includes(s.dir)) out.stepDirs.push(s.dir);
  if (Array.isArray(d.images)) {
    out.images = d.images.filter((x): x is string => typeof x === 'string');
    out.imagesFrom = 'images';
    return out;
  }
  for (const s of steps) {
    const name = typeof s?.name === 'string' ? s.name : '';
    const args = Array.isArray(s?.args) ? s.args.map(String) : [];
    if (/(^|\/)docker(:|$)/.test(name) && args[0] === 'build') {
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if ((a === '-t' || a === '--tag') && args[i + 1]) out.images.push(args[++i]);
        else if (a.startsWith('--tag=')) out.images.push(a.slice(6));
        else if (/^-t./.test(a)) out.images.push(a.slice(2));
      }
      if (out.images.length) out.imagesFrom = 'docker-tag';
    } else if (/kaniko-project\/executor/.test(name)) {
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (a.startsWith('--destination=')) out.images.push(a.slice(14));
        else if ((a === '--destination' || a === '-d') && args[i + 1]) out.images.push(args[++i]);
      }
      if (out.images.length) out.imagesFrom = 'kaniko';
    }
  }
  return out;
}

/**
 * The image name from the naming template (setting kfp.components.imageName):
 * {registry}, {folder} (the component folder's name), {path} (its path with "/"
 * → "-"), {tag}. Registry forms: gcr.io/PROJECT, REGION-docker.pkg.dev/PROJECT/REPO,
 * or any registry host (127.0.0.1:5000/team).
 */
export function imageFromTemplate(template: string, v: { registry?: string; folder: string; path: string; tag: string }): { image?: string; missing: string[] } {
  const missing: string[] = [];
  const image = template.replace(/\{(registry|folder|path|tag)\}/g, (_m, k: string) => {
    const val = k === 'registry' ? v.registry : k === 'folder' ? v.folder : k === 'path' ? v.path.replace(/\//g, '-') : v.tag;
    if (!val) { missing.push(k); return ''; }
    return val;
  });
  if (missing.length) return { missing };
  // Repository names are lower case (the distribution spec); tags keep their case.
  const r = parseImage(image);
  return { image: formatImage({ ...r, repository: r.repository.toLowerCase() }), missing };
}
