// Credentials never reach a log line, a notification or the run view: the values
// a request carried are cut out of any text built from the server's answer (a
// gateway may echo request headers back), and URLs lose their user info.

/** A URL as it may be shown: user and password replaced, credential-like query values cut. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) { u.username = '***'; u.password = ''; }
    for (const k of [...u.searchParams.keys()]) if (/token|key|secret|password|sig|auth|session/i.test(k)) u.searchParams.set(k, '***');
    return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//***@');
  }
}

/** The secret parts of request headers: whole credential values, the token after an auth scheme, each cookie value. */
export function secretsOfHeaders(headers: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (!v) continue;
    const key = k.toLowerCase();
    if (key === 'authorization' || key === 'proxy-authorization') {
      out.push(v);
      const m = /^\w+\s+(.+)$/.exec(v);
      if (m) out.push(m[1]);
    } else if (key === 'cookie') {
      for (const part of v.split(';')) { const i = part.indexOf('='); if (i > 0) out.push(part.slice(i + 1).trim()); }
    } else if (/token|secret|api-?key|auth/.test(key)) out.push(v);
  }
  return out.filter((s) => s.length >= 4);
}

/** `text` with every secret replaced by ***. Longer secrets first, so a token inside a header value goes too. */
export function redact(text: string, secrets: string[]): string {
  let t = text;
  for (const s of [...new Set(secrets)].sort((a, b) => b.length - a.length)) if (s) t = t.split(s).join('***');
  return t;
}
