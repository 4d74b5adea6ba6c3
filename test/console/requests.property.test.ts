/**
 * Property: whatever a client sends the console (any method, path, query, headers, cookies and form
 * body), it answers with a documented status, never a 500 and never a stack trace, and a request
 * that is not a valid operation changes no plan.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExecutionPlan } from '../../src/index.js';
import { World, silentLogger } from '../../src/index.js';
import { createConsole } from '../../src/console/index.js';
import { recordingLogger } from '../helpers/world.js';
import { ACTIONS, Client, Flaky, Pipeline, send } from './helpers.js';

let world: World;
let root: string;
let stop: () => Promise<void>;
let paused: ExecutionPlan;
const logger = recordingLogger();

beforeAll(async () => {
  Flaky.broken = true;
  world = new World({ actions: ACTIONS, logger: silentLogger });
  await world.start();
  const server = await createConsole({ world, logger }).listen();
  root = server.url;
  stop = async () => {
    await server.close();
    await world.close();
  };
  paused = await world.trigger(Pipeline).finished;
  expect(paused.state).toBe('paused');
});

afterAll(async () => {
  await stop();
});

/** Path segments the console knows, mixed with junk, so some requests reach deep routes. */
const segment = fc.oneof(
  fc.constantFrom(
    'plans',
    'worlds',
    'login',
    'logout',
    'steps',
    'resume',
    'halt',
    'cancel',
    'skip',
  ),
  fc.constantFrom('%', '%zz', '..', '.', '%2e%2e', '%00', '\u00e9', '\u{1F600}', '-1', '0', '1e9'),
  fc.string({ maxLength: 12 }).map((text) => encodeURIComponent(text)),
  fc.constant('<id>'),
);

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  segments: fc.array(segment, { maxLength: 5 }),
  query: fc.array(
    fc.tuple(
      fc.constantFrom('state', 'result', 'label', 'class', 'page', 'offset', 'limit', 'x', ''),
      fc.string({ maxLength: 10 }),
    ),
    { maxLength: 4 },
  ),
  cookie: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
  contentType: fc.constantFrom(
    'application/x-www-form-urlencoded',
    'text/plain',
    'application/json',
    'multipart/form-data; boundary=x',
  ),
  body: fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constant('csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&step=3'),
    fc.constant('%zz=%zz&&=&csrf'),
  ),
});

it('answers any request with a documented status and no stack trace, and changes no plan', async () => {
  const allowed = new Set([200, 204, 303, 400, 401, 403, 404, 405, 413, 415]);
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const path = r.segments.map((s) => (s === '<id>' ? paused.id : s)).join('/');
      const query = new URLSearchParams(r.query).toString();
      const url = `${root.replace(/\/$/, '')}/${path}${query === '' ? '' : `?${query}`}`;
      const headers: Record<string, string> = {};
      if (r.cookie !== undefined) headers.cookie = r.cookie.replace(/[\r\n]/g, '');
      const withBody = r.method !== 'GET' && r.method !== 'HEAD';
      if (withBody) {
        headers['content-type'] = r.contentType;
        headers['content-length'] = String(Buffer.byteLength(r.body));
      }
      const reply = await send(url, {
        method: r.method,
        headers,
        ...(withBody ? { body: r.body } : {}),
      });
      expect(allowed, `${r.method} ${url} → ${reply.status}`).toContain(reply.status);
      expect(reply.body).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    }),
    { numRuns: 1000 },
  );
  // None of that was a valid operation: the plan is as it was.
  const after = await world.executionPlan(paused.id);
  expect(after?.state).toBe('paused');
  expect(after?.steps.map((s) => s.state)).toEqual(paused.steps.map((s) => s.state));
  expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  // And a well-behaved client still gets its pages.
  expect((await new Client(root).get('')).status).toBe(200);
});
