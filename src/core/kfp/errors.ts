// Errors that carry the server's own words. KFP answers errors in three shapes:
// grpc-gateway v2 `google.rpc.Status` ({code, message, details}), grpc-gateway
// v1 (the same plus `error`), the upload handlers' `{error_message, error_details}`,
// and plain text from http.Error for some validation failures.

export type KfpErrorKind =
  | 'http'        // the server answered with an error status
  | 'network'     // no answer: refused, reset, DNS, TLS
  | 'timeout'     // no answer in time
  | 'cancelled'   // the caller aborted
  | 'malformed';  // an answer that is not the JSON it should be

export class KfpError extends Error {
  constructor(
    message: string,
    readonly kind: KfpErrorKind,
    readonly status?: number,
    /** The gRPC code when the body carried one. */
    readonly grpcCode?: number,
    /** The server's message as it sent it, when there was one. */
    readonly serverMessage?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'KfpError';
  }

  get isUnauthorized(): boolean { return this.status === 401; }
  get isForbidden(): boolean { return this.status === 403; }
  get isNotFound(): boolean { return this.status === 404 || this.grpcCode === 5; }
  get isConflict(): boolean { return this.status === 409 || this.grpcCode === 6; }
}

const STATUS_WORDS: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in (401): the server did not accept the credentials',
  403: 'Forbidden (403): the credentials do not give access to this',
  404: 'Not found (404)',
  409: 'Conflict (409)',
  410: 'Gone (410)',
  422: 'Unprocessable (422)',
  500: 'Server error (500)',
  502: 'Bad gateway (502)',
  503: 'Service unavailable (503)',
  504: 'Gateway timeout (504)',
};

/** Reads the server's message out of any of the error bodies it sends. */
export function serverMessageOf(body: string): { message?: string; code?: number; details?: unknown } {
  const text = body.trim();
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      const message =
        typeof o.message === 'string' && o.message ? o.message
          : typeof o.error_message === 'string' && o.error_message ? o.error_message
            : typeof o.error === 'string' && o.error ? o.error
              : undefined;
      const code = typeof o.code === 'number' ? o.code : undefined;
      const details = o.details ?? o.error_details;
      return { message, code, details };
    }
  } catch {
    // plain text (http.Error) or an HTML page from a gateway
  }
  if (/^\s*<(!doctype|html)/i.test(text)) {
    return { message: 'the server answered with an HTML page (a sign-in page or a gateway error?)' };
  }
  return { message: text.length > 500 ? text.slice(0, 500) + '…' : text };
}

export function httpError(status: number, body: string, what: string): KfpError {
  const { message, code, details } = serverMessageOf(body);
  const head = STATUS_WORDS[status] ?? `HTTP ${status}`;
  const text = message ? `${what}: ${head}: ${message}` : `${what}: ${head}`;
  return new KfpError(text, 'http', status, code, message, details);
}
