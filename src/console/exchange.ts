/** One request being answered, and the console-wide state the route handlers share. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SafeHtml } from './html.js';
import { Links } from './links.js';
import type { ResolvedConsoleOptions } from './options.js';
import { problemPage } from './pages/errors.js';
import type { PageContext } from './pages/layout.js';
import type { ConsoleUrl } from './request.js';
import { sendHtml } from './response.js';
import type { ConsoleSource } from './source.js';

/** What every request of one console works with. @internal */
export interface ConsoleState {
  readonly options: ResolvedConsoleOptions;
  readonly source: ConsoleSource;
  /** The session cookie value of a logged-in browser (token mode only). */
  readonly session: string | undefined;
  /** The key CSRF tokens are signed with (see `csrfKey`). */
  readonly csrfKey: Buffer;
}

/** One request, located in the console and allowed in. @internal */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: ConsoleUrl;
  readonly ctx: PageContext;
  readonly jar: ReadonlyMap<string, string>;
  /** Whether the connection is TLS (cookies get `Secure`). */
  readonly secure: boolean;
  /** The form of a POST, once read. */
  form?: URLSearchParams;
}

/** Sends a page. @internal */
export function sendPage(res: ServerResponse, status: number, page: SafeHtml): void {
  sendHtml(res, status, page);
}

/** Sends a page saying what is wrong with the request. @internal */
export function sendProblem(
  res: ServerResponse,
  ctx: PageContext,
  status: number,
  title: string,
  message: string,
): void {
  sendHtml(res, status, problemPage(ctx, title, message));
}

/** 404 for a plan id the store does not know. @internal */
export function sendNoPlan(x: Exchange, planId: string): void {
  sendProblem(x.res, x.ctx, 404, 'Not found', `There is no execution plan ${planId}.`);
}

/**
 * A context for pages answered before the request is known to be allowed: its forms carry no CSRF
 * token (none is rendered on problem pages).
 *
 * @internal
 */
export function fallbackContext(state: ConsoleState, base = state.options.basePath): PageContext {
  return {
    links: new Links(base),
    csrf: '',
    canOperate: state.options.world !== undefined,
    hasToken: false,
  };
}
