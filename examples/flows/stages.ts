/**
 * The example's own stage action: reading a batch of events from the internal event stream. The
 * other stages of the example flows are packaged ones (Remap Fields, HTTP Request, Batch, Map…).
 */
import { ErrorCode, FlowlineError } from '../../src/index.js';
import type { JsonObject, JsonValue } from '../../src/index.js';
import { StageAction } from '../../src/flows/index.js';

/** Props of {@link ReadEventStream}. */
export interface ReadEventStreamProps {
  /** The stream service's URL. */
  readonly url: string;
  /** The stream to read; default the `stream` field of the stage's data. */
  readonly stream?: string;
  /** Read at most this many events. @default 100 */
  readonly max?: number;
}

/**
 * `Read Event Stream`: fetches up to `max` events from the internal stream service, which sends
 * them as newline-delimited JSON, and outputs them as a list of objects (Kinesis-like streams
 * would be read the same way through their SDK).
 *
 * A 5xx answer or a network error is retried by the stage runtime (with backoff); a 4xx answer or
 * a line that is not a JSON object is not (`retryable: false`).
 *
 * @example
 * ```yaml
 * - name: Read events
 *   action: Read Event Stream
 *   props: { url: https://events.internal/v1/events, stream: orders, max: 500 }
 *   out: [Each event]
 * ```
 */
export class ReadEventStream extends StageAction<ReadEventStreamProps, JsonValue, JsonObject[]> {
  static override actionName = 'Read Event Stream';
  static override propsSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', minLength: 1, description: "The stream service's URL." },
      stream: { type: 'string', minLength: 1, description: 'The stream; default data.stream.' },
      max: { type: 'integer', minimum: 1, description: 'At most this many events (100).' },
    },
  };

  async process(data: JsonValue, props: ReadEventStreamProps): Promise<JsonObject[]> {
    const stream = props.stream ?? streamOf(data);
    if (stream === undefined) {
      throw this.#failure(ErrorCode.INVALID_ARGUMENT, 'no stream named in props or data', false);
    }
    const url = new URL(props.url);
    url.searchParams.set('stream', stream);
    url.searchParams.set('max', String(props.max ?? 100));
    let response: Response;
    try {
      response = await fetch(url, { signal: this.signal });
    } catch (error) {
      throw this.#failure(ErrorCode.HTTP_REQUEST_FAILED, `GET ${url.href} failed`, true, error);
    }
    const text = await response.text();
    if (!response.ok) {
      throw this.#failure(
        ErrorCode.HTTP_REQUEST_FAILED,
        `GET ${url.href} answered ${response.status}: ${text.slice(0, 200)}`,
        response.status >= 500,
      );
    }
    const events = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, index): unknown => {
        try {
          return JSON.parse(line);
        } catch (error) {
          throw this.#failure(
            ErrorCode.INVALID_ARGUMENT,
            `line ${index + 1} of stream "${stream}" is not JSON`,
            false,
            error,
          );
        }
      });
    const bad = events.findIndex((event) => !isObject(event));
    if (bad >= 0) {
      throw this.#failure(
        ErrorCode.INVALID_ARGUMENT,
        `line ${bad + 1} of stream "${stream}" is not a JSON object`,
        false,
      );
    }
    this.log.info(`read ${events.length} events from stream "${stream}"`);
    return events as JsonObject[];
  }

  #failure(code: ErrorCode, problem: string, retryable: boolean, cause?: unknown): FlowlineError {
    return new FlowlineError(code, `stage "${this.input.stage}" (Read Event Stream): ${problem}`, {
      retryable,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

function streamOf(data: JsonValue): string | undefined {
  const stream = isObject(data) ? data.stream : undefined;
  return typeof stream === 'string' && stream !== '' ? stream : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The example's stage actions, for `new Flows({ world, actions })`. */
export const EXAMPLE_STAGE_ACTIONS = [ReadEventStream];
