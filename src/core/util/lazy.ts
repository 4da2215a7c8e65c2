// Heavy libraries load only when an endpoint needs them. In the bundled
// extension they are separate files beside dist/extension.js, so the main
// bundle stays small and activation fast; in plain Node (tests) they load
// from node_modules.
declare const KFP_BUNDLED: boolean | undefined;

function bundled(name: string): unknown {
  // A computed path, so the bundler leaves it to run time.
  const file = `./vendor-${name}.js`;
  return require(file);
}

type Kubernetes = typeof import('@kubernetes/client-node', { with: { 'resolution-mode': 'import' } });
type GoogleAuthLib = typeof import('google-auth-library');

export async function loadKubernetes(): Promise<Kubernetes> {
  if (typeof KFP_BUNDLED !== 'undefined') return bundled('kubernetes') as Kubernetes;
  return import('@kubernetes/client-node') as Promise<Kubernetes>;
}

export async function loadGoogleAuth(): Promise<GoogleAuthLib> {
  if (typeof KFP_BUNDLED !== 'undefined') return bundled('google') as GoogleAuthLib;
  return import('google-auth-library');
}

type YamlLib = typeof import('yaml');
let yamlLib: YamlLib | undefined;

/** The `yaml` library, loaded on first use (synchronously: it is local code). */
export function loadYaml(): YamlLib {
  if (!yamlLib) {
    yamlLib = (typeof KFP_BUNDLED !== 'undefined' ? bundled('yaml') : require('yaml')) as YamlLib;
  }
  return yamlLib;
}

type ProtobufLib = typeof import('protobufjs/light');

/** protobufjs (light build: reflection, no parser), loaded on first use. */
export function loadProtobuf(): ProtobufLib {
  return (typeof KFP_BUNDLED !== 'undefined' ? bundled('protobuf') : require('protobufjs/light')) as ProtobufLib;
}
