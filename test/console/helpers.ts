/**
 * Helpers of the console tests: a small HTTP client with a cookie jar (node:http, so every header
 * is under the test's control and redirects are not followed), the actions the scenarios run, and
 * a registry of things to close after each test.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Action, SubPlansAction } from '../../src/index.js';
import type { RescueStrategy } from '../../src/index.js';

/** A response, read whole. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body with whitespace between and around tags removed (see {@link squash}). */
  readonly flat: string;
  /** `Set-Cookie` headers, by cookie name (the whole header line). */
  readonly setCookies: ReadonlyMap<string, string>;
}

/** What to send. */
export interface SendOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Sends one request and reads the whole response. */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const setCookies = new Map<string, string>();
          for (const line of res.headers['set-cookie'] ?? []) {
            setCookies.set(line.slice(0, line.indexOf('=')), line);
          }
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            flat: squash(body),
            setCookies,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Markup with runs of whitespace made one space and whitespace next to `<` or `>` removed, so
 * assertions do not depend on how templates are indented.
 */
export function squash(markup: string): string {
  return markup
    .replace(/\s+/g, ' ')
    .replace(/\s*([<>])\s*/g, '$1')
    .replace(/\s+\/>/g, '/>');
}

/** A client of one console: keeps cookies, sends the CSRF field with forms. */
export class Client {
  readonly jar = new Map<string, string>();

  /**
   * @param root - the console's URL (ending with `/`)
   * @param headers - headers sent with every request (e.g. an Authorization header)
   */
  constructor(
    readonly root: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  /** The absolute URL of a console path (`/plans/…`, or `''` for the list). */
  url(path: string): string {
    return new URL(path.replace(/^\//, ''), this.root).toString();
  }

  async get(path: string, headers: Readonly<Record<string, string>> = {}): Promise<Reply> {
    return this.#keep(
      await send(this.url(path), { headers: { ...this.headers, ...this.#cookie(), ...headers } }),
    );
  }

  /**
   * Posts a form. Unless `csrf` is false, the CSRF cookie is fetched first when the jar has none,
   * and its value is sent in the `csrf` field (as the console's own forms do).
   */
  async post(
    path: string,
    fields: Readonly<Record<string, string>> = {},
    options: { csrf?: boolean; headers?: Readonly<Record<string, string>> } = {},
  ): Promise<Reply> {
    const form = new URLSearchParams(fields);
    if (options.csrf !== false) {
      if (!this.jar.has('flowline_csrf')) await this.get('/worlds');
      form.set('csrf', this.jar.get('flowline_csrf') ?? '');
    }
    const body = form.toString();
    return this.#keep(
      await send(this.url(path), {
        method: 'POST',
        body,
        headers: {
          ...this.headers,
          ...this.#cookie(),
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          ...options.headers,
        },
      }),
    );
  }

  #cookie(): Record<string, string> {
    if (this.jar.size === 0) return {};
    return { cookie: [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  #keep(reply: Reply): Reply {
    for (const [name, line] of reply.setCookies) {
      const value = line.slice(name.length + 1).split(';')[0] ?? '';
      if (/Max-Age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return reply;
  }
}

/** The markup of the element with this id, up to the next section (enough to count steps in). */
export function section(body: string, id: string): string {
  const start = body.indexOf(`id="${id}"`);
  if (start < 0) throw new Error(`no element with id ${id}`);
  const end = body.indexOf('</section>', start);
  return body.slice(start, end < 0 ? undefined : end);
}

/** The `data-step-id` values in a piece of markup, with their `data-state`. */
export function stepBoxes(markup: string): { id: number; state: string }[] {
  return [...markup.matchAll(/data-step-id="(\d+)"\s+data-state="([a-z]+)"/g)].map((match) => ({
    id: Number(match[1]),
    state: match[2] ?? '',
  }));
}

/** Closes what tests opened, last first. */
export class Closer {
  readonly #tasks: (() => Promise<unknown>)[] = [];

  add(task: () => Promise<unknown>): void {
    this.#tasks.push(task);
  }

  async closeAll(): Promise<void> {
    for (const task of this.#tasks.splice(0).reverse()) await task();
  }
}

/** Copies its input text to its output. */
export class Echo extends Action<{ text: string }, { text: string }> {
  override plan(text: string): void {
    this.planSelf({ text });
  }
  run(): void {
    this.output.text = this.input.text;
  }
  compensate(): void {
    this.log.info(`undoing ${this.output.text}`);
  }
}

/** Fails while `Flaky.broken` is set; the default rescue pauses the plan. */
export class Flaky extends Action<{ name: string }, { done?: boolean }> {
  static broken = true;
  override plan(name: string): void {
    this.planSelf({ name });
  }
  run(): void {
    if (Flaky.broken) throw new Error(`${this.input.name} is broken`);
    this.output.done = true;
  }
}

/** A step that does nothing. */
export class Noop extends Action {
  run(): void {}
}

/** Bookkeeping at the end, so plans have a finalize flow. */
export class Report extends Action {
  run(): void {}
  finalize(): void {}
}

/** `sequence(concurrence(Echo a, Echo b), Flaky c, Report)`: 4 run steps, 1 finalize step. */
export class Pipeline extends Action {
  override plan(): void {
    this.sequence(() => {
      this.concurrence(() => {
        this.planAction(Echo, 'a');
        this.planAction(Echo, 'b');
      });
      this.planAction(Flaky, 'c');
      this.planAction(Report);
    });
  }
}

/** Writes markup everywhere it can: output, log, error. */
export class Hostile extends Action<{ fail: boolean }, { html?: string }> {
  override plan(fail = false): void {
    this.planSelf({ fail });
  }
  override rescueStrategy(): RescueStrategy {
    return 'fail';
  }
  run(): void {
    this.output.html = '<script>alert(1)</script>';
    this.log.info('<img src=x onerror=alert(2)>', { tag: '<b>bold</b>' });
    if (this.input.fail) throw new Error('<script>alert(3)</script>');
  }
}

/** Logs, and succeeds on its second attempt. */
export class Retried extends Action<Record<string, never>, { attempts: number }> {
  static override retry = { retries: 1, minTimeout: 0 };
  static calls = 0;
  run(): void {
    this.log.info('attempt', { n: ++Retried.calls });
    this.output.attempts = Retried.calls;
    if (Retried.calls % 2 === 1) throw new Error('first attempt fails');
  }
}

/** Runs until its plan is halted or cancelled (its signal aborts), or {@link Blocking.releaseAll}. */
export class Blocking extends Action {
  static readonly #waiting = new Set<() => void>();

  /** Lets every Blocking step still running return (so a world can close after a failed test). */
  static releaseAll(): void {
    for (const release of Blocking.#waiting) release();
    Blocking.#waiting.clear();
  }

  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      Blocking.#waiting.add(resolve);
      this.signal.addEventListener('abort', () => {
        Blocking.#waiting.delete(resolve);
        reject(this.signal.reason as Error);
      });
    });
  }
}

/** Starts two Echo sub-plans. */
export class Fleet extends SubPlansAction<{ hosts: string[] }> {
  override plan(hosts: string[]): void {
    this.planSelf({ hosts });
  }
  createSubPlans(): void {
    for (const host of this.input.hosts) this.triggerChild(Echo, host);
  }
}

/** Every action class of the scenarios. */
export const ACTIONS = [Echo, Flaky, Noop, Report, Pipeline, Hostile, Retried, Blocking, Fleet];

/** A token long enough for the console. */
export const TOKEN = 'test-token-0123456789abcdef';
