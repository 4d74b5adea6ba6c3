/**
 * The CSRF token is the console's own: a token is accepted only when this console signed it for
 * the request's session, so a cookie/field pair an attacker chose (and planted as the cookie) is
 * refused however well it is formed, and login and logout hand out a new token.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import { createConsole } from '../../src/console/index.js';
import type { ConsoleOptions } from '../../src/console/index.js';
import { ACTIONS, Client, Closer, Flaky, Pipeline, TOKEN, send } from './helpers.js';
import type { Reply } from './helpers.js';

const closer = new Closer();
let world: World;

beforeEach(async () => {
  Flaky.broken = true;
  world = new World({ actions: ACTIONS, logger: silentLogger });
  await world.start();
  closer.add(() => world.close());
});

afterEach(async () => {
  await closer.closeAll();
});

/** Starts a console over the world on a server of its own; its URL. */
async function serve(options: Omit<ConsoleOptions, 'world' | 'adapter'> = {}): Promise<string> {
  const open = await createConsole({ world, logger: silentLogger, ...options }).listen();
  closer.add(() => open.close());
  return open.url;
}

/**
 * A plan paused on Flaky's failure, with Flaky fixed: an operation that got through would change
 * it (resume finishes it, halt, cancel and rollback stop it, skip marks the step skipped).
 */
async function pausedPlan(): Promise<{ plan: ExecutionPlan; failedStep: number }> {
  const plan = await world.trigger(Pipeline).finished;
  expect(plan.state).toBe('paused');
  Flaky.broken = false;
  const failed = plan.steps.find((step) => step.state === 'error');
  if (failed === undefined) throw new Error('the pipeline has no failed step');
  return { plan, failedStep: failed.id };
}

/** The plan is exactly as `pausedPlan` left it. */
async function expectUnchanged(planId: string, failedStep: number): Promise<void> {
  const now = await world.executionPlan(planId);
  expect(now?.state).toBe('paused');
  expect(now?.result).toBe('error');
  expect(now?.steps.find((step) => step.id === failedStep)?.state).toBe('error');
}

/** Posts a form with exactly these cookies and fields (nothing fetched first). */
function postRaw(
  url: string,
  cookies: Readonly<Record<string, string>>,
  fields: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>> = {},
): Promise<Reply> {
  const body = new URLSearchParams(fields).toString();
  const cookie = Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
  return send(url, {
    method: 'POST',
    body,
    headers: {
      ...(cookie === '' ? {} : { cookie }),
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    },
  });
}

/** The value of a `flowline_csrf` cookie a reply sets. */
function csrfCookie(reply: Reply): string | undefined {
  const line = reply.setCookies.get('flowline_csrf');
  return line === undefined ? undefined : line.slice('flowline_csrf='.length).split(';')[0];
}

function expectRefused(reply: Reply): void {
  expect(reply.status).toBe(403);
  expect(reply.body).toContain('The form did not carry this console’s CSRF token');
}

/** Well-formed tokens (43 base64url characters) that no console issued. */
const FORGED = [
  'A'.repeat(43),
  '_'.repeat(43),
  randomBytes(32).toString('base64url'),
  randomBytes(32).toString('base64url'),
];

describe('a forged cookie/field pair', () => {
  it('is refused with 403 on every operation, and nothing is done', async () => {
    const root = await serve();
    const { plan, failedStep } = await pausedPlan();
    for (const forged of FORGED) {
      for (const path of [
        `plans/${plan.id}/resume`,
        `plans/${plan.id}/halt`,
        `plans/${plan.id}/cancel`,
        `plans/${plan.id}/rollback`,
        `plans/${plan.id}/steps/${failedStep}/skip`,
      ]) {
        const reply = await postRaw(root + path, { flowline_csrf: forged }, { csrf: forged });
        expectRefused(reply);
        // The planted cookie is replaced by one this console signed.
        const fresh = csrfCookie(reply);
        expect(fresh).toMatch(/^[\w-]{43}$/);
        expect(fresh).not.toBe(forged);
      }
      await expectUnchanged(plan.id, failedStep);
    }
  });

  it('is refused on a console with a token too: a logged-in browser, login and logout', async () => {
    const root = await serve({ token: TOKEN });
    const { plan, failedStep } = await pausedPlan();
    const browser = new Client(root);
    expect((await browser.post('/login', { token: TOKEN })).status).toBe(303);
    const session = browser.jar.get('flowline_session') ?? '';
    expect(session).not.toBe('');
    for (const forged of FORGED) {
      const cookies = { flowline_session: session, flowline_csrf: forged };
      expectRefused(await postRaw(`${root}plans/${plan.id}/cancel`, cookies, { csrf: forged }));
      expectRefused(await postRaw(`${root}logout`, cookies, { csrf: forged }));
      const login = await postRaw(
        `${root}login`,
        { flowline_csrf: forged },
        { csrf: forged, token: TOKEN },
      );
      expectRefused(login);
      expect(login.setCookies.has('flowline_session')).toBe(false);
      // A Bearer client is held to the same rule.
      const bearer = { authorization: `Bearer ${TOKEN}` };
      const halt = await postRaw(
        `${root}plans/${plan.id}/halt`,
        { flowline_csrf: forged },
        { csrf: forged },
        bearer,
      );
      expectRefused(halt);
    }
    await expectUnchanged(plan.id, failedStep);
  });

  it('is refused whatever its strings (property: only tokens this console issued pass)', async () => {
    const root = await serve();
    const { plan, failedStep } = await pausedPlan();
    const wellFormed = fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((bytes) => Buffer.from(bytes).toString('base64url'));
    // Cookie values as a browser may send them: printable ASCII without `;`.
    const cookieText = fc
      .string({
        unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
        maxLength: 60,
      })
      .filter((text) => !text.includes(';'));
    const cookieValue = fc.oneof(wellFormed, cookieText);
    const pair = fc.oneof(
      // The attack: the same value in both.
      cookieValue.map((value) => ({ cookie: value, field: value })),
      fc.record({
        cookie: cookieValue,
        field: fc.oneof(wellFormed, fc.string({ unit: 'binary', maxLength: 60 })),
      }),
    );
    await fc.assert(
      fc.asyncProperty(pair, async ({ cookie, field }) => {
        const reply = await postRaw(
          `${root}plans/${plan.id}/resume`,
          { flowline_csrf: cookie },
          { csrf: field },
        );
        expect(reply.status).toBe(403);
      }),
      { numRuns: 300 },
    );
    await expectUnchanged(plan.id, failedStep);
  });
});

describe('a token this console did not issue for this session', () => {
  it('from another console instance is refused', async () => {
    const { plan, failedStep } = await pausedPlan();
    const first = await serve();
    const second = await serve();
    const issued = csrfCookie(await send(`${first}worlds`));
    expect(issued).toMatch(/^[\w-]{43}$/);
    const token = issued ?? '';
    expectRefused(
      await postRaw(`${second}plans/${plan.id}/resume`, { flowline_csrf: token }, { csrf: token }),
    );
    await expectUnchanged(plan.id, failedStep);
  });

  it('from a console with another token is refused; one with the same token accepts it', async () => {
    const { plan, failedStep } = await pausedPlan();
    const mine = await serve({ token: TOKEN });
    const other = await serve({ token: `${TOKEN}-other` });
    const sameToken = await serve({ token: TOKEN });
    const otherToken = csrfCookie(await send(`${other}login`)) ?? '';
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expectRefused(
      await postRaw(
        `${mine}plans/${plan.id}/halt`,
        { flowline_csrf: otherToken },
        { csrf: otherToken },
        bearer,
      ),
    );
    await expectUnchanged(plan.id, failedStep);
    // Several consoles given one token (processes behind one address, a restart) agree.
    const shared = csrfCookie(await send(`${sameToken}login`)) ?? '';
    const halted = await postRaw(
      `${mine}plans/${plan.id}/halt`,
      { flowline_csrf: shared },
      { csrf: shared },
      bearer,
    );
    expect(halted.status).toBe(303);
    expect((await world.executionPlan(plan.id))?.state).toBe('stopped');
  });

  it('issued to another session is refused', async () => {
    const root = await serve({ token: TOKEN });
    const { plan, failedStep } = await pausedPlan();
    const browser = new Client(root);
    await browser.post('/login', { token: TOKEN });
    const session = browser.jar.get('flowline_session') ?? '';
    const loggedIn = browser.jar.get('flowline_csrf') ?? '';
    // The logged-in browser's token, sent without its session (a Bearer client): refused.
    expectRefused(
      await postRaw(
        `${root}plans/${plan.id}/resume`,
        { flowline_csrf: loggedIn },
        { csrf: loggedIn },
        { authorization: `Bearer ${TOKEN}` },
      ),
    );
    // A token issued without a session, sent with the session: refused.
    const anonymous = csrfCookie(await send(`${root}login`)) ?? '';
    expectRefused(
      await postRaw(
        `${root}plans/${plan.id}/resume`,
        { flowline_session: session, flowline_csrf: anonymous },
        { csrf: anonymous },
      ),
    );
    await expectUnchanged(plan.id, failedStep);
  });
});

describe('issued tokens', () => {
  it('a token this console issued works (and pages reuse it)', async () => {
    const root = await serve();
    const { plan } = await pausedPlan();
    const browser = new Client(root);
    const page = await browser.get(`/plans/${plan.id}`);
    const issued = csrfCookie(page) ?? '';
    expect(page.flat).toContain(`<input type="hidden" name="csrf" value="${issued}"/>`);
    // The next page keeps the browser's token: no new cookie.
    expect((await browser.get('/')).setCookies.has('flowline_csrf')).toBe(false);
    const resumed = await browser.post(`/plans/${plan.id}/resume`);
    expect(resumed.status).toBe(303);
    await expect.poll(async () => (await world.executionPlan(plan.id))?.result).toBe('success');
  });

  it('login and logout hand out a new token; the one from before stops working', async () => {
    const root = await serve({ token: TOKEN });
    const { plan, failedStep } = await pausedPlan();
    const browser = new Client(root);
    const before = csrfCookie(await browser.get('/login')) ?? '';
    const login = await browser.post('/login', { token: TOKEN });
    expect(login.status).toBe(303);
    const after = csrfCookie(login) ?? '';
    expect(after).toMatch(/^[\w-]{43}$/);
    expect(after).not.toBe(before);
    const session = browser.jar.get('flowline_session') ?? '';

    // The pre-login token, as cookie and field, with the session: refused.
    const stale = { flowline_session: session, flowline_csrf: before };
    expectRefused(await postRaw(`${root}plans/${plan.id}/halt`, stale, { csrf: before }));
    await expectUnchanged(plan.id, failedStep);

    const out = await browser.post('/logout');
    expect(out.status).toBe(303);
    const loggedOut = csrfCookie(out) ?? '';
    expect(loggedOut).not.toBe(after);
    // The logged-in token no longer works without the session (here: to log in again)...
    const replay = await postRaw(
      `${root}login`,
      { flowline_csrf: after },
      { csrf: after, token: TOKEN },
    );
    expectRefused(replay);
    // ...the new one does.
    expect((await browser.post('/login', { token: TOKEN })).status).toBe(303);
    // And the token issued at login works for operations.
    const halted = await browser.post(`/plans/${plan.id}/halt`);
    expect(halted.status).toBe(303);
    expect((await world.executionPlan(plan.id))?.state).toBe('stopped');
  });
});
