// The demo's ML project: the sample workspace (test/fixtures/workspace), plus a
// step that builds with no network (`validate`: FROM scratch with the machine's
// static busybox, so Build · Try · Push work offline), a pipeline that uses it,
// and a git repository whose origin is on GitHub (for $SHORT_SHA and the CI
// trigger plan). The sample's other steps start FROM python:3.11-slim, which an
// engine must be able to pull.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const VALIDATE_SCRIPT = `#!/bin/sh
# validate DATA MIN_ROWS REPORT: the data has a header and at least MIN_ROWS rows.
set -e
data="$1"; min="\${2:-1}"; report="$3"
[ -f "$data" ] || { echo "no such file: $data" >&2; exit 2; }
rows=$(( $(wc -l < "$data") - 1 ))
echo "header: $(head -n 1 "$data")"
mkdir -p "$(dirname "$report")"
if [ "$rows" -lt "$min" ]; then echo "FAIL: $rows rows, fewer than $min" | tee "$report"; exit 1; fi
echo "OK: $rows rows" | tee "$report"
`;

/** Adds the offline `validate` step (busybox copied from the machine) to a workspace. */
export function writeValidateStep(workspace: string, busybox: string, image = 'localhost:5000/churn/validate:latest'): string {
  const dir = path.join(workspace, 'components', 'validate');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(busybox, path.join(dir, 'busybox'));
  fs.writeFileSync(path.join(dir, 'validate.sh'), VALIDATE_SCRIPT);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), [
    '# Checks the raw data before training. Nothing but busybox, so it builds without a network.',
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    'COPY validate.sh /app/validate.sh',
    'ENTRYPOINT ["/bin/sh", "/app/validate.sh"]',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'component.yaml'), [
    'name: Validate',
    'description: Checks that the data has a header and at least min_rows rows.',
    'inputs:',
    '- {name: data, type: Dataset}',
    "- {name: min_rows, type: Integer, default: '1'}",
    'outputs:',
    '- {name: report, type: String}',
    'implementation:',
    '  container:',
    `    image: ${image}`,
    '    command: [/bin/sh, /app/validate.sh]',
    '    args: [{inputPath: data}, {inputValue: min_rows}, {outputPath: report}]',
    '',
  ].join('\n'));
  const pipelines = path.join(workspace, 'pipelines');
  fs.mkdirSync(pipelines, { recursive: true });
  fs.writeFileSync(path.join(pipelines, 'validated_training.py'), [
    '"""Training of the churn model, after checking the data (KFP SDK v2)."""',
    'from kfp import compiler, dsl',
    'from kfp.components import load_component_from_file',
    '',
    'preprocess_op = load_component_from_file("components/preprocess/component.yaml")',
    'validate_op = load_component_from_file("components/validate/component.yaml")',
    'train_op = load_component_from_file("components/train/component.yaml")',
    '',
    '',
    '@dsl.pipeline(name="churn-validated-training", description="Preprocess, validate, then train.")',
    'def churn_validated_training(input_path: str = "gs://my-bucket/raw.csv", min_rows: int = 100, learning_rate: float = 0.1):',
    '    prep = preprocess_op(input_path=input_path)',
    '    check = validate_op(data=prep.outputs["output_path"], min_rows=min_rows)',
    '    train = train_op(data=prep.outputs["output_path"], learning_rate=learning_rate)',
    '    train.after(check)',
    '',
    '',
    'if __name__ == "__main__":',
    '    compiler.Compiler().compile(churn_validated_training, "churn_validated_training.yaml")',
    '',
  ].join('\n'));
  return dir;
}

/** A git repository with one commit and a GitHub origin, when git is installed (the demo's own setup, not the extension). */
export function initGitRepository(workspace: string, origin = 'https://github.com/example/churn-model.git'): boolean {
  if (fs.existsSync(path.join(workspace, '.git'))) return true;
  const env = { ...process.env, GIT_AUTHOR_NAME: 'Demo', GIT_AUTHOR_EMAIL: 'demo@example.com', GIT_COMMITTER_NAME: 'Demo', GIT_COMMITTER_EMAIL: 'demo@example.com' };
  try {
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'Sample ML project'], ['remote', 'add', 'origin', origin]]) {
      execFileSync('git', args, { cwd: workspace, env, stdio: 'ignore' });
    }
    return true;
  } catch { return false; }
}

/**
 * The article-shaped KFP v1 pipeline (pipelines/legacy_v1.py) as the demo shows it: its images in the demo's
 * project (so the conversion finds their entrypoints in the component folders' Dockerfiles), and compiled as a v1
 * Argo Workflow (pipelines/legacy_scoring.v1.yaml) to run on the KFP 2 emulator as a v1 pipeline. The demo has
 * no kfp 1.8: that file is compiled with the v1 STAND-IN SDK of the tests (test/fixtures/python), and says so.
 */
export function writeV1Pipeline(workspace: string, root: string, project = 'demo-project'): string | undefined {
  const file = path.join(workspace, 'pipelines', 'legacy_v1.py');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/europe-docker\.pkg\.dev\/my-project\//g, `europe-docker.pkg.dev/${project}/`));
  const out = path.join(workspace, 'pipelines', 'legacy_scoring.v1.yaml');
  const result = path.join(workspace, '.legacy-compile.json');
  try {
    execFileSync('python3', [path.join(root, 'python/kfp_compile.py'), '--file', file, '--output', out, '--result', result], { env: { ...process.env, PYTHONPATH: path.join(root, 'test/fixtures/python/kfp-v1-standin') }, stdio: 'ignore', timeout: 30_000 });
    const ok = (JSON.parse(fs.readFileSync(result, 'utf8')) as { ok: boolean }).ok;
    return ok ? out : undefined;
  } catch { return undefined; } finally { fs.rmSync(result, { force: true }); }
}
