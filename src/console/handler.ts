/**
 * The console's request handler: locates the request, applies access control (loopback or token),
 * sets the CSRF cookie (a token signed by the console, bound to the session), checks the method,
 * and hands over to the page or operation routes. Every failure ends in a page: a problem page for
 * bad requests, 503 when the world is not running, and a generic 500 page (details logged, never
 * sent) for anything unexpected.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ErrorCode, FlowlineError } from '../errors.js';
import {
  checkCsrf,
  handleLogin,
  handleLogout,
  isAuthenticated,
  isLocalRequest,
  requestSession,
  sendUnauthorized,
} from './auth.js';
import type { ConsoleState, Exchange } from './exchange.js';
import { fallbackContext, sendProblem } from './exchange.js';
import { Links } from './links.js';
import { runOperation } from './operation-routes.js';
import type { ResolvedConsoleOptions } from './options.js';
import { showPage } from './page-routes.js';
import { internalErrorPage } from './pages/errors.js';
import type { PageContext } from './pages/layout.js';
import type { ConsoleUrl } from './request.js';
import { BadRequest, consoleUrl, cookies } from './request.js';
import { redirect, sendHtml, setCookie, setSecurityHeaders } from './response.js';
import { allowedMethods, matchRoute } from './router.js';
import { CSRF_COOKIE, csrfKey, issueCsrfToken, sessionValue, verifyCsrfToken } from './security.js';
import { createSource } from './source.js';

/** A Node HTTP handler, with Express's optional `next`. @internal */
export type ConsoleHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * Builds the handler for resolved options.
 *
 * @internal
 */
export function createHandler(options: ResolvedConsoleOptions): ConsoleHandler {
  const state: ConsoleState = {
    options,
    source: createSource(options.world, options.adapter),
    session: options.token === undefined ? undefined : sessionValue(options.token),
    csrfKey: csrfKey(options.token),
  };
  return (req, res, next) => {
    handle(state, req, res, next).catch((error: unknown) => {
      fail(state, req, res, error);
    });
  };
}

async function handle(
  state: ConsoleState,
  req: IncomingMessage,
  res: ServerResponse,
  next: ((error?: unknown) => void) | undefined,
): Promise<void> {
  let url: ConsoleUrl | undefined;
  try {
    url = consoleUrl(req, state.options.basePath);
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    setSecurityHeaders(res);
    sendProblem(res, fallbackContext(state), error.status, 'Bad request', error.message);
    return;
  }
  if (url === undefined) {
    // Outside basePath: not the console's request.
    if (next !== undefined) {
      next();
      return;
    }
    setSecurityHeaders(res);
    sendProblem(res, fallbackContext(state), 404, 'Not found', 'There is no such page.');
    return;
  }
  setSecurityHeaders(res);
  if (state.options.token === undefined && !isLocalRequest(req)) {
    const message = 'This console has no token, so it only answers requests from this machine.';
    sendProblem(res, fallbackContext(state, url.base), 403, 'Forbidden', message);
    return;
  }
  const exchange = admit(state, req, res, url);
  try {
    await route(state, exchange);
  } catch (error) {
    if (error instanceof BadRequest) {
      if (error.status === 413) res.setHeader('Connection', 'close');
      sendProblem(res, exchange.ctx, error.status, 'Bad request', error.message);
      return;
    }
    if (
      error instanceof FlowlineError &&
      (error.code === ErrorCode.WORLD_CLOSED || error.code === ErrorCode.WORLD_NOT_STARTED)
    ) {
      state.options.logger.warn(`flowline console: ${error.message}`, { code: error.code });
      sendProblem(res, exchange.ctx, 503, 'Unavailable', "The console's world is not running.");
      return;
    }
    throw error;
  }
}

/**
 * The exchange of an allowed request. Sets a new CSRF cookie unless the browser's is a token this
 * console issued for the request's session (a planted or stale cookie is replaced).
 */
function admit(
  state: ConsoleState,
  req: IncomingMessage,
  res: ServerResponse,
  url: ConsoleUrl,
): Exchange {
  const jar = cookies(req);
  const secure = (req.socket as Partial<TLSSocket>).encrypted === true;
  const links = new Links(url.base);
  const given = jar.get(CSRF_COOKIE);
  let csrf: string;
  const session = requestSession(state, jar);
  if (given !== undefined && verifyCsrfToken(state.csrfKey, session, given)) {
    csrf = given;
  } else {
    csrf = issueCsrfToken(state.csrfKey, session);
    setCookie(res, CSRF_COOKIE, csrf, { path: links.cookiePath(), secure });
  }
  const ctx: PageContext = {
    links,
    csrf,
    canOperate: state.options.world !== undefined,
    hasToken: state.options.token !== undefined,
  };
  return { req, res, url, ctx, jar, secure };
}

async function route(state: ConsoleState, x: Exchange): Promise<void> {
  const route = matchRoute(x.url.segments);
  const method = x.req.method ?? 'GET';
  if (state.options.token !== undefined) {
    if (route.kind === 'login') {
      await handleLogin(state, x, method);
      return;
    }
    if (!isAuthenticated(state, x)) {
      sendUnauthorized(x, method === 'GET' ? x.url.path : '/', false);
      return;
    }
  } else if (route.kind === 'login' || route.kind === 'logout') {
    redirect(x.res, x.ctx.links.plans());
    return;
  }
  const allowed = allowedMethods(route);
  if (!allowed.includes(method)) {
    x.res.setHeader('Allow', allowed.join(', '));
    const accepted = allowed.filter((name) => name !== 'HEAD').join(' and ');
    sendProblem(x.res, x.ctx, 405, 'Method not allowed', `This address accepts ${accepted} only.`);
    return;
  }
  if (method !== 'POST') {
    await showPage(state, x, route);
    return;
  }
  if (!(await checkCsrf(state, x))) return;
  if (route.kind === 'logout') {
    handleLogout(state, x);
  } else if (route.kind === 'operation' || route.kind === 'skip') {
    await runOperation(state, x, route);
  } else {
    sendProblem(x.res, x.ctx, 404, 'Not found', 'There is no such page.');
  }
}

/** Answers an unexpected error: logged with its details, a generic page to the client. */
function fail(
  state: ConsoleState,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
): void {
  state.options.logger.error('flowline console: request failed', {
    method: req.method,
    url: req.url,
    error,
  });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  try {
    // Headers set for the failed page (cookies, refresh) must not leak into the error page.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    setSecurityHeaders(res);
    sendHtml(res, 500, internalErrorPage());
  } catch {
    res.destroy();
  }
}
