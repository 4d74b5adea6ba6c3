/**
 * The bodies of an `HTTP Request` stage: what it sends, and how it reads the response.
 */
import type { JsonValue } from '../../plan/records.js';
import { toPlainJson } from './expression.js';

/** A response body read, or why it could not be. */
export type ReadBody =
  | { readonly ok: true; readonly body: JsonValue }
  | { readonly ok: false; readonly reason: string; readonly retryable: boolean };

/**
 * The body to send: `body` as JSON (a string as is when the given content type is not JSON); when
 * absent, the stage's data as JSON for methods other than GET and HEAD. Sets `content-type` when
 * the caller did not.
 *
 * @param method - the method, upper case
 * @param body - the `body` prop
 * @param data - the stage's data
 * @param headers - the request headers (a content type may be added)
 */
export function requestBody(
  method: string,
  body: JsonValue | undefined,
  data: JsonValue | undefined,
  headers: Headers,
): string | undefined {
  const value = body ?? (method === 'GET' || method === 'HEAD' ? undefined : data);
  if (value === undefined) return undefined;
  const type = headers.get('content-type');
  if (typeof value === 'string' && type !== null && !/json/i.test(type)) return value;
  if (type === null) headers.set('content-type', 'application/json');
  return JSON.stringify(value);
}

/**
 * Reads a response body: JSON when asked, or when the content type says JSON and nothing was
 * asked; text otherwise. An empty JSON body is `null`.
 *
 * @param response - the response
 * @param type - the `responseType` prop
 * @param signal - aborts the read
 */
export async function readResponse(
  response: Response,
  type: 'json' | 'text' | undefined,
  signal: AbortSignal,
): Promise<ReadBody> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const reason = signal.aborted
      ? 'the read was aborted or timed out'
      : error instanceof Error
        ? error.message
        : String(error);
    return { ok: false, reason, retryable: true };
  }
  const json =
    type === 'json' ||
    (type === undefined && /json/i.test(response.headers.get('content-type') ?? ''));
  if (!json) return { ok: true, body: text };
  if (text.trim() === '') return { ok: true, body: null };
  try {
    return { ok: true, body: toPlainJson(JSON.parse(text)) ?? null };
  } catch (error) {
    const reason = `not JSON: ${error instanceof Error ? error.message : String(error)}`;
    // An error status with a body that is not JSON still reports the status.
    if (response.status >= 400) return { ok: true, body: text };
    return { ok: false, reason, retryable: false };
  }
}
