// Checks JSON against the protobuf definitions Google's client ships
// (@google-cloud/aiplatform build/protos/protos.json, the googleapis protos of
// google/cloud/aiplatform/v1), by the proto3 JSON mapping
// (https://protobuf.dev/programming-guides/json/): every key must be a field
// (lowerCamelCase, or the proto name), enums by name (or number), 64-bit integers
// as strings or numbers, Timestamps as RFC 3339 text, Struct/Value free JSON,
// maps as objects, at most one field of a oneof. Requests get the answers Google's
// JSON front end gives a bad payload (400 "Invalid JSON payload received. Unknown
// name "x" at 'pipeline_job': Cannot find field."), and every answer the emulator
// sends is checked the same way, so a field misnamed by the emulator or by the
// extension fails a test.
import * as protobuf from 'protobufjs';

let root: protobuf.Root | undefined;
function protos(): protobuf.Root {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  root ??= protobuf.Root.fromJSON(require('@google-cloud/aiplatform/build/protos/protos.json'));
  return root;
}

export const AIP = 'google.cloud.aiplatform.v1';

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function protoType(name: string): protobuf.Type { return protos().lookupType(name); }

/** Problems of `value` as a `typeName` message, as Google's JSON front end words them; empty when it is well formed. */
export function checkMessage(typeName: string, value: unknown, where = ''): string[] {
  const problems: string[] = [];
  checkType(protoType(typeName), value, where, problems);
  return problems;
}

function checkType(t: protobuf.Type, v: unknown, where: string, out: string[]): void {
  const full = t.fullName.replace(/^\./, '');
  if (full === 'google.protobuf.Struct') { if (!isObject(v)) out.push(`Invalid value at '${where}' (type.googleapis.com/google.protobuf.Struct), ${JSON.stringify(v)}`); return; }
  if (full === 'google.protobuf.Value') return;
  if (full === 'google.protobuf.ListValue') { if (!Array.isArray(v)) out.push(`Invalid value at '${where}' (google.protobuf.ListValue)`); return; }
  if (full === 'google.protobuf.Timestamp') { if (typeof v !== 'string' || !RFC3339.test(v)) out.push(`Invalid value at '${where}' (type.googleapis.com/google.protobuf.Timestamp), ${JSON.stringify(v)}`); return; }
  if (full === 'google.protobuf.Duration') { if (typeof v !== 'string' || !/^-?\d+(\.\d+)?s$/.test(v)) out.push(`Invalid value at '${where}' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(v)}`); return; }
  if (full === 'google.protobuf.FieldMask') { if (typeof v !== 'string') out.push(`Invalid value at '${where}' (google.protobuf.FieldMask)`); return; }
  if (full === 'google.protobuf.Any') { if (!isObject(v) || typeof v['@type'] !== 'string') out.push(`Invalid value at '${where}' (google.protobuf.Any): needs @type`); return; }
  if (/^google\.protobuf\.(Int64|UInt64|Int32|UInt32|Double|Float|Bool|String|Bytes)Value$/.test(full)) return;
  if (!isObject(v)) { out.push(`Invalid value at '${where}' (type.googleapis.com/${full}), ${JSON.stringify(v)?.slice(0, 80)}`); return; }
  const byJson = new Map<string, protobuf.Field>();
  for (const f of t.fieldsArray) { byJson.set(f.name, f); byJson.set(snake(f.name), f); }
  const setOneofs = new Map<string, string>();
  for (const [k, val] of Object.entries(v)) {
    const f = byJson.get(k);
    if (!f) { out.push(`Invalid JSON payload received. Unknown name "${k}"${where ? ` at '${where}'` : ''}: Cannot find field.`); continue; }
    if (val === null) continue;
    const path = where ? `${where}.${snake(f.name)}` : snake(f.name);
    if (f.partOf) {
      const prev = setOneofs.get(f.partOf.name);
      if (prev) out.push(`Invalid JSON payload received. Oneof field '${snake(f.partOf.name)}' is already set. Cannot set '${snake(f.name)}'`);
      setOneofs.set(f.partOf.name, f.name);
    }
    if (f instanceof protobuf.MapField) {
      if (!isObject(val)) { out.push(`Invalid value at '${path}': a map must be an object`); continue; }
      for (const [mk, mv] of Object.entries(val)) checkScalarOrMessage(f, mv, `${path}[${mk}]`, out);
      continue;
    }
    if (f.repeated) {
      if (!Array.isArray(val)) { out.push(`Invalid value at '${path}': a repeated field must be a list`); continue; }
      val.forEach((x, i) => checkScalarOrMessage(f, x, `${path}[${i}]`, out));
      continue;
    }
    checkScalarOrMessage(f, val, path, out);
  }
}

function checkScalarOrMessage(f: protobuf.Field, v: unknown, path: string, out: string[]): void {
  f.resolve();
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) { checkType(rt, v, path, out); return; }
  if (rt instanceof protobuf.Enum) {
    if (typeof v === 'number' ? !Object.values(rt.values).includes(v) : typeof v !== 'string' || !(v in rt.values)) out.push(`Invalid value at '${path}' (type.googleapis.com/${rt.fullName.replace(/^\./, '')}), ${JSON.stringify(v)}`);
    return;
  }
  const t = f.type;
  const bad = () => out.push(`Invalid value at '${path}' (${t}), ${JSON.stringify(v)?.slice(0, 80)}`);
  if (t === 'string') { if (typeof v !== 'string') bad(); }
  else if (t === 'bool') { if (typeof v !== 'boolean') bad(); }
  else if (INT64.has(t)) { if (!(typeof v === 'number' && Number.isInteger(v)) && !(typeof v === 'string' && /^-?\d+$/.test(v))) bad(); }
  else if (INT32.has(t)) { if (!(typeof v === 'number' && Number.isInteger(v))) bad(); }
  else if (t === 'double' || t === 'float') { if (typeof v !== 'number' && !['NaN', 'Infinity', '-Infinity'].includes(String(v))) bad(); }
  else if (t === 'bytes') { if (typeof v !== 'string') bad(); }
}

function isObject(v: unknown): v is Record<string, unknown> { return Boolean(v) && typeof v === 'object' && !Array.isArray(v); }

/** Fields marked REQUIRED (google.api.field_behavior) that `value` lacks, by proto path. */
export function missingRequired(typeName: string, value: Record<string, unknown>, where = ''): string[] {
  const t = protoType(typeName);
  const out: string[] = [];
  for (const f of t.fieldsArray) {
    const behavior = (f.options ?? {})['(google.api.field_behavior)'];
    const req = behavior === 'REQUIRED' || (Array.isArray(behavior) && behavior.includes('REQUIRED'));
    if (req && (value[f.name] === undefined || value[f.name] === '' || value[f.name] === null)) out.push(where ? `${where}.${snake(f.name)}` : snake(f.name));
  }
  return out;
}

/** Throws when an answer of the emulator is not a well-formed `typeName` (a bug of the emulator, not of the extension). */
export function assertAnswer(typeName: string, value: unknown): void {
  const p = checkMessage(typeName, value);
  if (p.length) throw new Error(`emulator answer is not a valid ${typeName}: ${p.slice(0, 5).join('; ')}`);
}
