/**
 * The console's secrets and who may talk to it: token and session checks in constant time, the CSRF
 * double-submit token, and what counts as loopback.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Cookie holding the login session (a value derived from the token, never the token itself). */
export const SESSION_COOKIE = 'flowline_session';
/** Cookie holding the CSRF token; forms repeat it in a hidden field. */
export const CSRF_COOKIE = 'flowline_csrf';
/** Name of the hidden form field carrying the CSRF token. */
export const CSRF_FIELD = 'csrf';

/**
 * Whether two secrets are equal, in time that does not depend on where they differ: both sides are
 * hashed first (SHA-256), so their lengths leak nothing either.
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * The session cookie value for a token: an HMAC of a fixed text keyed by the token, so the browser
 * never stores the token and a new token invalidates every session.
 */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('flowline console session v1').digest('base64url');
}

/** A fresh random CSRF token (256 bits, base64url). */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a cookie value has the shape of a CSRF token this console made. */
export function isCsrfToken(value: string | undefined): value is string {
  return value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

/** Whether a socket's remote address is this machine (127.0.0.0/8 or ::1, also IPv4-mapped). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

/** Whether a host name or address to bind to only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase() === 'localhost' || isLoopbackAddress(bare);
}

/**
 * Whether a request's `Host` header names this machine (`localhost`, `127.x.x.x`, `[::1]`, any
 * port). A page on another site that rebinds its DNS name to 127.0.0.1 sends its own name here, so
 * an unauthenticated console refuses it (DNS rebinding).
 */
export function isLoopbackHostHeader(header: string | undefined): boolean {
  if (header === undefined) return true;
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(header.trim());
  return match?.[1] !== undefined && isLoopbackHost(match[1]);
}

/** Whether a request says it came through a proxy (then its socket address is the proxy's). */
export function isForwarded(req: IncomingMessage): boolean {
  return req.headers.forwarded !== undefined || req.headers['x-forwarded-for'] !== undefined;
}
