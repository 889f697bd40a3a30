// The one way the console talks to the service: JSON over same-origin fetch (the browser adds the
// session cookie and the Origin header the CSRF guard checks). Every failure becomes an ApiError
// carrying the service's {code, message, fields}; a 401 from any call also tells the app, which
// goes back to the sign-in page.

export type FieldErrors = Record<string, string>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldErrors;

  constructor(status: number, code: string, message: string, fields: FieldErrors = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; fields?: unknown };
}

let onUnauthorized: (error: ApiError) => void = () => {};

/** Called on every 401 except where a call says it expects one (the session probe, sign-in), with the error (e.g. session_ended). */
export function setUnauthorizedHandler(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  /** A 401 is an answer this call expects (e.g. "am I signed in?"): do not leave the page. */
  expectUnauthorized?: boolean;
  signal?: AbortSignal;
}

function isFieldErrors(value: unknown): value is FieldErrors {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}

/** The ApiError a failed response stands for (its JSON error body, or its status alone). */
export async function errorOf(res: Response): Promise<ApiError> {
  let body: ErrorBody | undefined;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    body = undefined;
  }
  const error = body?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${res.status}`;
  const message = typeof error?.message === 'string' ? error.message : `The service answered ${res.status} ${res.statusText}.`;
  return new ApiError(res.status, code, message, isFieldErrors(error?.fields) ? error.fields : {});
}

export const NETWORK_ERROR_MESSAGE = 'Formline could not be reached. Check your connection and try again.';

/** fetch, turning a network failure into an ApiError (status 0) and handling 401s. */
export async function send(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', NETWORK_ERROR_MESSAGE);
  }
  if (res.ok) return res;
  const error = await errorOf(res);
  if (res.status === 401 && !options.expectUnauthorized) onUnauthorized(error);
  throw error;
}

async function json<T>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<T> {
  const res = await send(method, path, body, options);
  if (res.status === 204 || res.headers.get('content-length') === '0') return undefined as T;
  return (await res.json()) as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => json<T>('GET', path, undefined, options),
  post: <T>(path: string, body: unknown = {}, options?: RequestOptions) => json<T>('POST', path, body, options),
  put: <T>(path: string, body: unknown, options?: RequestOptions) => json<T>('PUT', path, body, options),
  patch: <T>(path: string, body: unknown, options?: RequestOptions) => json<T>('PATCH', path, body, options),
  delete: (path: string, options?: RequestOptions) => json<void>('DELETE', path, undefined, options),
};

/** A query string from the set values only ("" when none is set). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The message to show for anything a call threw. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
