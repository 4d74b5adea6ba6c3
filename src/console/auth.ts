/**
 * Who may use the console: the loopback rule without a token, the token or session cookie with
 * one, the login and logout forms (each hands out a new CSRF token), and the CSRF check of every
 * form.
 */
import type { IncomingMessage } from 'node:http';
import type { ConsoleState, Exchange } from './exchange.js';
import { sendPage, sendProblem } from './exchange.js';
import { loginPage } from './pages/login.js';
import { readForm } from './request.js';
import { redirect, setCookie } from './response.js';
import {
  CSRF_COOKIE,
  CSRF_FIELD,
  SESSION_COOKIE,
  bearerToken,
  isForwarded,
  isLoopbackAddress,
  isLoopbackHostHeader,
  issueCsrfToken,
  secretsEqual,
  verifyCsrfToken,
} from './security.js';

/**
 * Whether an unauthenticated request may be answered: it comes from this machine, names this
 * machine in its `Host` header (a DNS-rebinding page names its own host), and did not come through
 * a proxy (whose socket would be local whoever the client is).
 *
 * @internal
 */
export function isLocalRequest(req: IncomingMessage): boolean {
  return (
    isLoopbackAddress(req.socket.remoteAddress) &&
    isLoopbackHostHeader(req.headers.host) &&
    !isForwarded(req)
  );
}

/**
 * The session a request belongs to, which its CSRF token must be bound to: the session value when
 * it carries the valid session cookie, `''` otherwise (no token, not logged in, Bearer only).
 *
 * @internal
 */
export function requestSession(state: ConsoleState, jar: ReadonlyMap<string, string>): string {
  if (state.session === undefined) return '';
  const cookie = jar.get(SESSION_COOKIE);
  return cookie !== undefined && secretsEqual(cookie, state.session) ? state.session : '';
}

/** Whether the request carries the token (Bearer header) or a valid session cookie. @internal */
export function isAuthenticated(state: ConsoleState, x: Exchange): boolean {
  const token = state.options.token;
  if (token === undefined || state.session === undefined) return true;
  const bearer = bearerToken(x.req);
  if (bearer !== undefined && secretsEqual(bearer, token)) return true;
  const cookie = x.jar.get(SESSION_COOKIE);
  return cookie !== undefined && secretsEqual(cookie, state.session);
}

/** 401 with the login form (which shows no data). @internal */
export function sendUnauthorized(x: Exchange, next: string, failed: boolean): void {
  x.res.setHeader('WWW-Authenticate', 'Bearer realm="flowline"');
  sendPage(
    x.res,
    401,
    loginPage({ links: x.ctx.links, csrf: x.ctx.csrf, next: safeNext(next), failed }),
  );
}

/** `/login`: GET shows the form; POST checks the token and sets the session cookie. @internal */
export async function handleLogin(state: ConsoleState, x: Exchange, method: string): Promise<void> {
  const { ctx, res } = x;
  if (method === 'GET' || method === 'HEAD') {
    if (isAuthenticated(state, x)) {
      redirect(res, ctx.links.plans());
      return;
    }
    const next = safeNext(x.url.query.get('next'));
    sendPage(res, 200, loginPage({ links: ctx.links, csrf: ctx.csrf, next, failed: false }));
    return;
  }
  if (method !== 'POST') {
    res.setHeader('Allow', 'GET, HEAD, POST');
    sendProblem(res, ctx, 405, 'Method not allowed', 'This address accepts GET and POST only.');
    return;
  }
  if (!(await checkCsrf(state, x))) return;
  const form = x.form ?? new URLSearchParams();
  const next = safeNext(form.get('next'));
  const given = form.get('token') ?? '';
  const { token } = state.options;
  if (token === undefined || state.session === undefined || !secretsEqual(given, token)) {
    state.options.logger.warn('flowline console: login with a wrong token', {
      remoteAddress: x.req.socket.remoteAddress,
    });
    sendUnauthorized(x, next, true);
    return;
  }
  setCookie(res, SESSION_COOKIE, state.session, {
    path: ctx.links.cookiePath(),
    secure: x.secure,
  });
  rotateCsrf(state, x, state.session);
  redirect(res, `${ctx.links.base}${next}`);
}

/**
 * `POST /logout`: deletes the session cookie and hands out a CSRF token without a session.
 *
 * @internal
 */
export function handleLogout(state: ConsoleState, x: Exchange): void {
  setCookie(x.res, SESSION_COOKIE, '', {
    path: x.ctx.links.cookiePath(),
    secure: x.secure,
    maxAge: 0,
  });
  rotateCsrf(state, x, '');
  redirect(x.res, x.ctx.links.login());
}

/** Sets a new CSRF cookie bound to the session the browser has from now on. */
function rotateCsrf(state: ConsoleState, x: Exchange, session: string): void {
  setCookie(x.res, CSRF_COOKIE, issueCsrfToken(state.csrfKey, session), {
    path: x.ctx.links.cookiePath(),
    secure: x.secure,
  });
}

/**
 * Reads the form of a POST and checks its CSRF field: it must equal the CSRF cookie (double
 * submit) and be a token this console issued for the request's session (its HMAC is recomputed:
 * equality alone would accept any pair an attacker who can plant a cookie chose). Answers 403
 * otherwise. The form is kept on the exchange.
 *
 * @internal
 */
export async function checkCsrf(state: ConsoleState, x: Exchange): Promise<boolean> {
  const form = await readForm(x.req);
  x.form = form;
  const field = form.get(CSRF_FIELD);
  const cookie = x.jar.get(CSRF_COOKIE);
  if (
    field !== null &&
    cookie !== undefined &&
    secretsEqual(field, cookie) &&
    verifyCsrfToken(state.csrfKey, requestSession(state, x.jar), field)
  ) {
    return true;
  }
  sendProblem(
    x.res,
    x.ctx,
    403,
    'Forbidden',
    'The form did not carry this console’s CSRF token (it may come from another site, or the ' +
      'page is old). Reload the page and try again.',
  );
  return false;
}

/** A console path to go to after login: only a path inside the console (never another site). */
function safeNext(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(next) || next.length > 2000) return '/';
  if (next === '/login' || next.startsWith('/login?') || next === '/logout') return '/';
  return next;
}
