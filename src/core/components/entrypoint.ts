// A Dockerfile's ENTRYPOINT and CMD as Docker combines them (the last of each, in
// the final stage): exec form `["a", "b"]` as written, shell form as
// `/bin/sh -c "…"`. Used to keep a KFP v1 ContainerOp without `command` running
// the same program once it is converted to a v2 container component, which must
// name its command.

export interface ImageProgram {
  /** ENTRYPOINT words ([] when there is none). */
  entrypoint: string[];
  /** CMD words ([] when there is none): replaced by a container's arguments. */
  cmd: string[];
  /** A shell-form ENTRYPOINT ignores CMD and arguments, as Docker does. */
  shellEntrypoint: boolean;
}

function words(rest: string): { words: string[]; shell: boolean } {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { words: v as string[], shell: false };
    } catch { /* shell form */ }
  }
  return { words: ['/bin/sh', '-c', t], shell: true };
}

export function programOf(dockerfile: string): ImageProgram {
  // Continuation lines joined, comments dropped; only the last FROM stage counts.
  const lines = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/).filter((l) => !/^\s*#/.test(l));
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let shellEntrypoint = false;
  for (const line of lines) {
    const m = /^\s*(FROM|ENTRYPOINT|CMD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const kw = m[1].toUpperCase();
    if (kw === 'FROM') { entrypoint = []; cmd = []; shellEntrypoint = false; continue; }
    const w = words(m[2]);
    if (kw === 'ENTRYPOINT') { entrypoint = w.words; shellEntrypoint = w.shell; cmd = []; }
    else cmd = w.words;
  }
  return { entrypoint, cmd, shellEntrypoint };
}
