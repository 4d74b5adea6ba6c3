/**
 * The console's secrets and who may talk to it: token and session checks in constant time, CSRF
 * tokens signed by the console and bound to the session, and what counts as loopback.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Cookie holding the login session (a value derived from the token, never the token itself). */
export const SESSION_COOKIE = 'flowline_session';
/** Cookie carrying the browser's CSRF token; forms repeat it in a hidden field. */
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

/*
 * CSRF tokens. A token is 16 random bytes (a nonce) followed by the first 16 bytes of
 * HMAC-SHA256(key, label || nonce || session), base64url: 43 characters. `session` is the session
 * cookie value of a logged-in browser, '' otherwise. The console only accepts tokens whose HMAC it
 * can recompute, so a value an attacker chose (and managed to plant as the cookie) is refused
 * however well it is formed, and a token issued before login is refused once the browser has a
 * session (login and logout hand out a new one). The cookie stays as the carrier of a browser's
 * token (pages reuse it; a form must repeat it: double submit), but it is the HMAC that decides.
 */
const CSRF_LABEL = 'flowline console csrf v1';
const CSRF_KEY_LABEL = 'flowline console csrf key v1';
const NONCE_BYTES = 16;
const TAG_BYTES = 16;
const CSRF_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The key the console signs CSRF tokens with. With a token: derived from it (an HMAC under a label
 * of its own, unrelated to the session value), so every console given the same token (several
 * processes behind one address, or a restarted one) accepts the others' tokens, and a new token
 * invalidates them all; knowing it gives nothing the token does not already give. Without a token:
 * 256 random bits, so only this console instance accepts its tokens.
 */
export function csrfKey(token: string | undefined): Buffer {
  if (token === undefined) return randomBytes(32);
  return createHmac('sha256', token).update(CSRF_KEY_LABEL).digest();
}

/** A new CSRF token bound to the console's key and to a session (`''` without one). */
export function issueCsrfToken(key: Buffer, session: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  return Buffer.concat([nonce, csrfTag(key, nonce, session)]).toString('base64url');
}

/**
 * Whether a value is a CSRF token issued with this key for this session. The tag is compared in
 * constant time; only the canonical 43-character form is accepted.
 */
export function verifyCsrfToken(
  key: Buffer,
  session: string,
  value: string | null | undefined,
): boolean {
  if (typeof value !== 'string' || !CSRF_SHAPE.test(value)) return false;
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length !== NONCE_BYTES + TAG_BYTES || bytes.toString('base64url') !== value) {
    return false;
  }
  const expected = csrfTag(key, bytes.subarray(0, NONCE_BYTES), session);
  return timingSafeEqual(bytes.subarray(NONCE_BYTES), expected);
}

function csrfTag(key: Buffer, nonce: Buffer, session: string): Buffer {
  return createHmac('sha256', key)
    .update(CSRF_LABEL)
    .update(nonce)
    .update(session, 'utf8')
    .digest()
    .subarray(0, TAG_BYTES);
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
