// Checks the emulator's traffic against the official KFP swagger files in
// ../shared/kfp-api (when present): every request's path, query parameters and
// body, and every response body. A mismatch is a contract violation: the
// emulator answers 500 and records it, so tests fail loudly.
import * as fs from 'node:fs';
import * as path from 'node:path';

type Schema = {
  type?: string; format?: string; enum?: string[]; $ref?: string;
  properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean;
};

interface Operation { method: string; template: string; regex: RegExp; params: Array<{ name: string; in: string; schema?: Schema; required?: boolean }>; responses: Record<string, { schema?: Schema }> }

export interface Spec { version: string; definitions: Record<string, Schema>; ops: Operation[] }

export function sharedDir(): string | undefined {
  const candidates = [process.env.KFP_SHARED_DIR, path.resolve(__dirname, '../../../../shared'), path.resolve(process.cwd(), '../shared')];
  for (const c of candidates) if (c && fs.existsSync(path.join(c, 'kfp-api'))) return c;
  return undefined;
}

function compile(file: string, version: string): Spec {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    paths: Record<string, Record<string, { parameters?: Operation['params']; responses: Operation['responses'] }>>;
    definitions: Record<string, Schema>;
  };
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const re = '^' + template.split(/(\{[^}]+\})/).map((part) =>
      part.startsWith('{') ? '([^/:]+)' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('') + '$';
    for (const [method, op] of Object.entries(methods)) {
      ops.push({ method: method.toUpperCase(), template, regex: new RegExp(re), params: op.parameters ?? [], responses: op.responses });
    }
  }
  // Literal paths before templated ones (e.g. /pipelines/upload before /pipelines/{id}).
  ops.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  return { version, definitions: doc.definitions, ops };
}

export function loadSpecs(dir = sharedDir()): Spec[] | undefined {
  if (!dir) return undefined;
  return ['v2beta1', 'v1beta1'].map((v) => compile(path.join(dir, 'kfp-api', v, 'kfp_api_single_file.swagger.json'), v));
}

export function findOperation(specs: Spec[], method: string, pathname: string): { spec: Spec; op: Operation } | undefined {
  for (const spec of specs) {
    for (const op of spec.ops) if (op.method === method && op.regex.test(pathname)) return { spec, op };
  }
  return undefined;
}

function resolve(spec: Spec, s: Schema): Schema {
  let cur = s;
  for (let i = 0; cur.$ref && i < 20; i++) cur = spec.definitions[cur.$ref.replace('#/definitions/', '')] ?? {};
  return cur;
}

/** Returns the places where `value` does not fit `schema` (unknown fields included). */
export function check(spec: Spec, schema: Schema, value: unknown, where: string, out: string[] = []): string[] {
  const s = resolve(spec, schema);
  if (value === null || value === undefined) return out;
  if (s.type === 'object' && !s.properties) return out; // Struct / map: any JSON object
  if (s.properties) {
    if (typeof value !== 'object' || Array.isArray(value)) { out.push(`${where}: expected an object`); return out; }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const ps = s.properties[k];
      if (!ps) { out.push(`${where}.${k}: not a field of the schema`); continue; }
      check(spec, ps, v, `${where}.${k}`, out);
    }
    return out;
  }
  if (s.enum) {
    if (typeof value !== 'string' || !s.enum.includes(value)) out.push(`${where}: ${JSON.stringify(value)} is not one of ${s.enum.join('|')}`);
    return out;
  }
  switch (s.type) {
    case 'array':
      if (!Array.isArray(value)) out.push(`${where}: expected an array`);
      else value.forEach((v, i) => check(spec, s.items ?? {}, v, `${where}[${i}]`, out));
      break;
    case 'string':
      if (typeof value !== 'string') out.push(`${where}: expected a string${s.format === 'int64' ? ' (int64 values are JSON strings)' : ''}, got ${typeof value}`);
      else if (s.format === 'int64' && !/^-?\d+$/.test(value)) out.push(`${where}: ${JSON.stringify(value)} is not an int64 string`);
      else if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) out.push(`${where}: ${JSON.stringify(value)} is not an RFC 3339 time`);
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) out.push(`${where}: expected an integer`);
      break;
    case 'number':
      if (typeof value !== 'number') out.push(`${where}: expected a number`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(`${where}: expected a boolean`);
      break;
  }
  return out;
}

/** Query parameters the operation does not declare. */
export function unknownQuery(op: Operation, query: URLSearchParams): string[] {
  const known = new Set(op.params.filter((p) => p.in === 'query').map((p) => p.name));
  return [...new Set(query.keys())].filter((k) => !known.has(k)).map((k) => `query parameter "${k}" is not declared for ${op.method} ${op.template}`);
}

export function bodySchema(op: Operation): Schema | undefined {
  return op.params.find((p) => p.in === 'body')?.schema;
}

export function responseSchema(op: Operation, status: number): Schema | undefined {
  return (op.responses[String(status)] ?? op.responses.default)?.schema;
}
