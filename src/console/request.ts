/** Reading requests: the console-relative path, query, cookies and form bodies. */
import type { IncomingMessage } from 'node:http';

/** Largest form body the console reads. */
const MAX_FORM_BYTES = 16 * 1024;

/** Where a request points inside the console. */
export interface ConsoleUrl {
  /** The prefix of every console link: `''` or a path like `/flowline`. */
  readonly base: string;
  /** Decoded path segments below the base (`[]` for the plan list). */
  readonly segments: readonly string[];
  /** The path below the base as requested (encoded, starting with `/`), for login redirects. */
  readonly path: string;
  readonly query: URLSearchParams;
}

/** A request the console cannot read; answered with `status` and `message`. */
export class BadRequest extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

/**
 * Locates a request inside the console.
 *
 * - Express (`app.use('/flowline', console)`) strips the mount path from `req.url` and puts it in
 *   `req.baseUrl`: links use it and `req.url` is taken as it is.
 * - Otherwise `basePath` is stripped from `req.url`.
 *
 * @returns `undefined` when the request is outside `basePath` (not the console's)
 * @throws BadRequest when the target is not a valid URL or a segment not valid percent-encoding
 */
export function consoleUrl(req: IncomingMessage, basePath: string): ConsoleUrl | undefined {
  const { pathname, search } = splitTarget(req.url ?? '/');
  const baseUrl = (req as IncomingMessage & { baseUrl?: unknown }).baseUrl;
  let base: string;
  // Empty segments are dropped: `//plans/x` (a URL joined with one slash too many) is `/plans/x`.
  let path = pathname.replace(/\/{2,}/g, '/');
  if (typeof baseUrl === 'string') {
    base = safeBase(baseUrl);
  } else {
    base = basePath;
    if (base !== '') {
      if (path !== base && !path.startsWith(`${base}/`)) return undefined;
      path = path.slice(base.length);
    }
  }
  if (path === '') path = '/';
  const segments: string[] = [];
  for (const part of path.split('/')) {
    if (part === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      throw new BadRequest(400, 'The address is not valid percent-encoding.');
    }
    // No plan id or step id holds these: the world refuses them (INVALID_ARGUMENT), not a 500.
    if (segment.includes('\u0000') || LONE_SURROGATE.test(segment)) {
      throw new BadRequest(400, 'The address holds U+0000 or a lone surrogate.');
    }
    segments.push(segment);
  }
  return { base, segments, path: path + search, query: new URLSearchParams(search) };
}

/** A UTF-16 surrogate without its pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The path and query of a request target. Not parsed with `new URL(target, base)`, which would read
 * a path starting with `//` as a host name; an absolute target (a proxy request) is parsed as a URL.
 */
function splitTarget(target: string): { pathname: string; search: string } {
  if (/^https?:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      throw new BadRequest(400, 'The address is not a valid URL.');
    }
    return { pathname: url.pathname, search: url.search };
  }
  const cut = target.search(/[?#]/);
  const pathname = cut < 0 ? target : target.slice(0, cut);
  const rest = cut < 0 ? '' : target.slice(cut);
  const search = rest.startsWith('?') ? rest.replace(/#.*$/, '') : '';
  return { pathname: pathname.startsWith('/') ? pathname : `/${pathname}`, search };
}

/** A mount path from the host framework, used in links and redirects only if it is a plain path. */
function safeBase(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$/.test(trimmed) ? trimmed : '';
}

/** The request's cookies (the first value of each name). */
export function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const index = pair.indexOf('=');
    if (index < 0) continue;
    const name = pair.slice(0, index).trim();
    let value = pair.slice(index + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2)
      value = value.slice(1, -1);
    if (name !== '' && !jar.has(name)) jar.set(name, value);
  }
  return jar;
}

/**
 * Reads an `application/x-www-form-urlencoded` body (at most 16 KiB). When a framework already
 * consumed the body (Express's `urlencoded()`), the `req.body` it parsed is used instead; a
 * `req.body` set while the body is still unread (Express's `json()` leaves `{}` on a form post) is
 * ignored.
 *
 * @throws BadRequest 415 for another content type, 413 for a body that is too large
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (req.readableEnded) return parsedBody(req);
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const length = Number(req.headers['content-length'] ?? '0');
  if (type !== 'application/x-www-form-urlencoded' && !(type === '' && length === 0)) {
    throw new BadRequest(415, 'Forms must be sent as application/x-www-form-urlencoded.');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_FORM_BYTES) throw new BadRequest(413, 'The form is too large.');
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The string fields of a body a framework parsed (`req.body`), or an empty form. */
function parsedBody(req: IncomingMessage): URLSearchParams {
  const form = new URLSearchParams();
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (typeof parsed !== 'object' || parsed === null || Buffer.isBuffer(parsed)) return form;
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') form.append(key, value);
  }
  return form;
}
