/** Writing responses: security headers, pages, redirects and cookies. */
import type { ServerResponse } from 'node:http';
import type { SafeHtml } from './html.js';

/**
 * The Content-Security-Policy of every response: no script at all (auto-refresh uses
 * `<meta http-equiv="refresh">`), inline styles only, forms posting to the console only, never
 * framed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Sets the headers every console response carries. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

/** Sends an HTML page. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  page: SafeHtml,
  headers: Readonly<Record<string, string>> = {},
): void {
  const body = Buffer.from(page.value, 'utf8');
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** Redirects with 303 See Other (after a form post: the browser follows with a GET). */
export function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 303;
  res.setHeader('Location', location);
  res.setHeader('Content-Length', 0);
  res.end();
}

/** Options of a cookie the console sets: always HttpOnly and SameSite=Strict. */
export interface CookieOptions {
  /** The console's mount path (`/` at the root). */
  readonly path: string;
  /** Whether the connection is TLS (then the cookie is `Secure`). */
  readonly secure: boolean;
  /** Set 0 to delete the cookie; absent: a session cookie. */
  readonly maxAge?: number;
}

/** Adds a `Set-Cookie` header, replacing one set before for the same cookie (keeping others). */
export function setCookie(
  res: ServerResponse,
  name: string,
  value: string,
  options: CookieOptions,
): void {
  const parts = [`${name}=${value}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Strict'];
  if (options.secure) parts.push('Secure');
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  const existing = res.getHeader('Set-Cookie');
  const list = Array.isArray(existing) ? existing : typeof existing === 'string' ? [existing] : [];
  const others = list.filter((line) => !line.startsWith(`${name}=`));
  res.setHeader('Set-Cookie', [...others, parts.join('; ')]);
}
