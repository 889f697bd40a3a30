// Small fetch wrappers for the submission endpoint.

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

export function postJson(base: string, formId: string, data: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send(`${base}/v1/f/${formId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(data),
  });
}

/** The error body every failure has, for exact comparisons. */
export function errorOf(answer: Answer): { code: string; message: string; fields?: Record<string, string> } {
  const body = answer.body as { error?: { code: string; message: string; fields?: Record<string, string> } } | undefined;
  if (!body?.error) throw new Error(`expected an error body, got ${answer.status} ${answer.text}`);
  return body.error;
}
