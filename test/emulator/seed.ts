// The data set the emulator starts with: pipelines compiled by the real KFP SDK
// (../shared/kfp-samples/compiled) when present, else the project's fixtures;
// experiments; runs in every state; recurring runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { sharedDir } from './openapi';

export interface SamplePipeline { fileName: string; name: string; description?: string; spec: Record<string, unknown> }

/** Parses a compiled pipeline file as the server stores it: a second YAML document wraps it as {pipeline_spec, platform_spec}. */
export function specStruct(text: string): Record<string, unknown> {
  const docs = text.split(/\r?\n---\r?\n/).filter((d) => d.replace(/#.*$/gm, '').trim());
  const first = yaml.load(docs[0] ?? '') as Record<string, unknown> | undefined;
  if (!first || typeof first !== 'object') throw new Error('empty pipeline file');
  if (docs.length > 1) {
    const second = yaml.load(docs[1]) as Record<string, unknown>;
    return { pipeline_spec: first, platform_spec: second };
  }
  return first;
}

export function loadSamplePipelines(): SamplePipeline[] {
  const shared = sharedDir();
  const dir = shared ? path.join(shared, 'kfp-samples', 'compiled') : path.resolve(__dirname, '../../../test/fixtures/pipelines');
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('invalid__')).sort();
  const out: SamplePipeline[] = [];
  for (const f of files) {
    const spec = specStruct(fs.readFileSync(path.join(dir, f), 'utf8'));
    const inner = (spec.pipeline_spec ?? spec) as { pipelineInfo?: { name?: string; description?: string } };
    const name = inner.pipelineInfo?.name ?? f.replace(/\.ya?ml$/, '');
    out.push({ fileName: f, name, description: inner.pipelineInfo?.description, spec });
  }
  return out;
}
