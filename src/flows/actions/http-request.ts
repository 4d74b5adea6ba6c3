import { ErrorCode } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';
import { StageAction } from '../stage-action.js';
import { checkProps } from './props-check.js';
import { readResponse, requestBody } from './http-body.js';
import { stageFailure } from './stage-error.js';

/** Methods `fetch` refuses to send. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Props of {@link HttpRequest}. */
export interface HttpRequestProps {
  /** The `http:` or `https:` URL. */
  readonly url: string;
  /** The method. @default 'GET' */
  readonly method?: string;
  /** Request headers. */
  readonly headers?: { readonly [name: string]: string };
  /** The body (JSON). @default the stage's data, for methods other than GET and HEAD */
  readonly body?: JsonValue;
  /** Milliseconds the request may take. @default no bound but the stage's own */
  readonly timeoutMs?: number;
  /** How to read the response body. @default by its content type */
  readonly responseType?: 'json' | 'text';
}

/** The output of an `HTTP Request` stage. */
export interface HttpResponseOutput extends JsonObject {
  readonly status: number;
  /** Response headers, names in lower case. */
  readonly headers: { [name: string]: string };
  /** The parsed JSON, or the text; `null` for an empty JSON body. */
  readonly body: JsonValue;
}

/**
 * `HTTP Request`: sends one request with the global `fetch` and outputs the response as
 * `{ status, headers, body }`.
 *
 * Props:
 * - `url` (required): an `http:` or `https:` URL
 * - `method`: default `GET`
 * - `headers`: `{ name: value }`
 * - `body`: a JSON value sent as JSON (a string with a non-JSON `content-type` header is sent as
 *   is); when absent, methods other than GET and HEAD send the stage's data as JSON
 * - `timeoutMs`: how long the request may take (real time); the stage's own abort (its
 *   `$timeout`, a halt) cancels it too
 * - `responseType`: `json` or `text`; by default JSON when the response's content type says so
 *
 * There is no retry inside the action: the stage runtime retries with backoff. Failures are
 * `HTTP_REQUEST_FAILED` with `details: { url, status?, retryable }`: 5xx, 408, 429, network
 * errors and time-outs are `retryable: true`; other 4xx statuses, a bad URL and a body that is
 * not the JSON it claims are `retryable: false`, so the runtime does not try them again.
 *
 * @example
 * ```yaml
 * name: Publish
 * action: HTTP Request
 * props:
 *   url: https://api.acme.test/v1/contacts
 *   method: POST
 *   headers: { authorization: Bearer abc }
 *   timeoutMs: 5000
 * out: []
 * ```
 */
export class HttpRequest extends StageAction<HttpRequestProps> {
  static override actionName = 'HTTP Request';
  static override propsSchema: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      url: { description: 'The http: or https: URL.', type: 'string', minLength: 1 },
      method: {
        description: 'The HTTP method. Default: GET.',
        type: 'string',
        pattern: '^[A-Za-z]+$',
      },
      headers: {
        description: 'Request headers: { name: value }.',
        type: 'object',
        additionalProperties: { description: 'A header value.', type: 'string' },
      },
      body: {
        description:
          'The request body (JSON). Default: the stage data, for methods other than GET and HEAD.',
      },
      timeoutMs: {
        description: 'Milliseconds the request may take.',
        type: 'integer',
        minimum: 1,
      },
      responseType: {
        description: 'How to read the response body. Default: by its content type.',
        enum: ['json', 'text'],
      },
    },
    required: ['url'],
    additionalProperties: false,
  };

  /** Sends the request and outputs the response. */
  async process(data: JsonValue, props: HttpRequestProps): Promise<HttpResponseOutput> {
    checkProps(this, this.input.stage, props);
    const where = `stage "${this.input.stage}" (HTTP Request)`;
    const url = checkedUrl(props.url, where);
    const method = (props.method ?? 'GET').toUpperCase();
    let headers: Headers;
    let body: string | undefined;
    let signal: AbortSignal;
    try {
      if (FORBIDDEN_METHODS.has(method))
        throw new TypeError(`the ${method} method is not supported`);
      headers = new Headers(props.headers ?? {});
      body = requestBody(method, props.body, data, headers);
      const signals = [this.signal];
      if (props.timeoutMs !== undefined) signals.push(AbortSignal.timeout(props.timeoutMs));
      signal = AbortSignal.any(signals);
    } catch (error) {
      throw stageFailure(
        ErrorCode.HTTP_REQUEST_FAILED,
        `${where}: cannot send ${method} ${url}: ${describeError(error)}`,
        { url, retryable: false },
        error,
      );
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        signal,
        ...(body === undefined ? {} : { body }),
      });
    } catch (error) {
      const timedOut = signal.aborted && !this.signal.aborted;
      // undici reports network errors as `TypeError('fetch failed')` with the cause; any other
      // error is a request fetch refuses (a GET with a body), which no retry mends.
      const network = error instanceof Error && error.message === 'fetch failed';
      const reason = timedOut
        ? `timed out after ${String(props.timeoutMs)} ms`
        : this.signal.aborted
          ? 'was aborted'
          : `failed: ${describeError(error)}`;
      throw stageFailure(
        ErrorCode.HTTP_REQUEST_FAILED,
        `${where}: ${method} ${url} ${reason}`,
        { url, retryable: timedOut || this.signal.aborted || network },
        error,
      );
    }
    const read = await readResponse(response, props.responseType, signal);
    if (!read.ok) {
      throw stageFailure(
        ErrorCode.HTTP_REQUEST_FAILED,
        `${where}: ${method} ${url} answered ${String(response.status)} with a body it could not read: ${read.reason}`,
        { url, status: response.status, retryable: read.retryable },
      );
    }
    if (response.status >= 400) {
      const retryable =
        response.status >= 500 || response.status === 408 || response.status === 429;
      throw stageFailure(
        ErrorCode.HTTP_REQUEST_FAILED,
        `${where}: ${method} ${url} answered ${String(response.status)}${snippet(read.body)}`,
        { url, status: response.status, retryable },
      );
    }
    const responseHeaders: { [name: string]: string } = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    return { status: response.status, headers: responseHeaders, body: read.body };
  }
}

function checkedUrl(url: unknown, where: string): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw stageFailure(
      ErrorCode.HTTP_REQUEST_FAILED,
      `${where}: url must be an http: or https: URL, got ${url === undefined ? 'nothing' : JSON.stringify(url)}`,
      { url: typeof url === 'string' ? url : String(url), retryable: false },
    );
  }
  return parsed.href;
}

function snippet(body: JsonValue): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (text === '' || text === 'null') return '';
  return `: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
