/**
 * Who may use the console: loopback only without a token, the token (Bearer header or login
 * cookie) with one, and the headers every response carries.
 */
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import { createConsole } from '../../src/console/index.js';
import type { FlowlineConsole } from '../../src/console/index.js';
import { ACTIONS, Client, Closer, Echo, TOKEN, send } from './helpers.js';

const closer = new Closer();
let world: World;
let plan: ExecutionPlan;

beforeEach(async () => {
  world = new World({ actions: ACTIONS, logger: silentLogger });
  await world.start();
  closer.add(() => world.close());
  plan = await world.trigger(Echo, 'secret-output').finished;
});

afterEach(async () => {
  await closer.closeAll();
});

/** Serves the console on 127.0.0.1 through a server of the test's own, as an embedding app would. */
async function mount(
  flowline: FlowlineConsole,
  tamper: (req: IncomingMessage) => void = () => {},
): Promise<string> {
  const server = createServer((req, res) => {
    tamper(req);
    flowline(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closer.add(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('without a token: this machine only', () => {
  it('serves loopback clients', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world }));
    const reply = await send(root);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain(plan.id);
  });

  it('refuses a client on another machine with 403 and no data', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world }), (req) => {
      Object.defineProperty(req.socket, 'remoteAddress', { value: '203.0.113.7' });
    });
    for (const path of ['', `plans/${plan.id}`, 'worlds', 'nothing']) {
      const reply = await send(root + path);
      expect(reply.status, path).toBe(403);
      expect(reply.body).toContain('only answers requests from this machine');
      expect(reply.body).not.toContain(plan.id);
    }
  });

  it('refuses a page on another site that rebound its name to 127.0.0.1 (Host header)', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world }));
    expect((await send(root, { headers: { host: 'evil.example' } })).status).toBe(403);
    expect((await send(root, { headers: { host: 'evil.example:8080' } })).status).toBe(403);
    for (const host of ['localhost:3000', '127.0.0.1', '[::1]:80', 'LOCALHOST']) {
      expect((await send(root, { headers: { host } })).status, host).toBe(200);
    }
  });

  it('refuses requests that came through a proxy', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world }));
    const forwarded = await send(root, { headers: { 'x-forwarded-for': '198.51.100.4' } });
    expect(forwarded.status).toBe(403);
    expect((await send(root, { headers: { forwarded: 'for=198.51.100.4' } })).status).toBe(403);
  });

  it('has no login: /login goes to the plan list', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world }));
    const reply = await send(`${root}login`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/');
  });
});

describe('with a token', () => {
  it('answers 401 with the login form and no data to a request without it', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world, token: TOKEN }));
    for (const path of ['', `plans/${plan.id}`, `plans/${plan.id}/steps/2`, 'worlds']) {
      const reply = await send(root + path);
      expect(reply.status, path).toBe(401);
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="flowline"');
      expect(reply.flat).toMatch(/<input id="token" name="token" type="password"/);
      // Nothing from the store (the requested path comes back only as where to go after login).
      const body = reply.flat.slice(reply.flat.indexOf('<body>'));
      expect(body).not.toMatch(/Echo|secret-output|stopped|success/);
    }
    const post = await send(`${root}plans/${plan.id}/halt`, { method: 'POST' });
    expect(post.status).toBe(401);
  });

  it('accepts the Bearer header, refuses a wrong one', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world, token: TOKEN }));
    const good = await send(root, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(good.status).toBe(200);
    expect(good.body).toContain(plan.id);
    for (const header of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      TOKEN,
      `Basic ${TOKEN}`,
      'Bearer',
    ]) {
      const reply = await send(root, { headers: { authorization: header } });
      expect(reply.status, header).toBe(401);
      expect(reply.body).not.toContain(plan.id);
    }
  });

  it('serves any address once the token is given (it may be bound beyond loopback)', async () => {
    const root = await mount(
      createConsole({ logger: silentLogger, world, token: TOKEN }),
      (req) => {
        Object.defineProperty(req.socket, 'remoteAddress', { value: '203.0.113.7' });
      },
    );
    expect((await send(root)).status).toBe(401);
    const reply = await send(root, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(reply.status).toBe(200);
  });

  it('logs in with the form: an HttpOnly, SameSite=Strict session cookie, then logs out', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world, token: TOKEN }));
    const browser = new Client(root);
    const form = await browser.get('/login?next=/worlds');
    expect(form.status).toBe(200);
    expect(form.flat).toContain('name="next" value="/worlds"');
    const csrf = form.setCookies.get('flowline_csrf') ?? '';
    expect(csrf).toMatch(/^flowline_csrf=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);

    const wrong = await browser.post('/login', { token: 'not-the-token-at-all', next: '/worlds' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('That token is not valid.');
    expect(wrong.setCookies.has('flowline_session')).toBe(false);

    const noCsrf = await browser.post('/login', { token: TOKEN }, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.setCookies.has('flowline_session')).toBe(false);

    const ok = await browser.post('/login', { token: TOKEN, next: '/worlds' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/worlds');
    const session = ok.setCookies.get('flowline_session') ?? '';
    expect(session).toMatch(/^flowline_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(session).not.toContain(TOKEN);

    const page = await browser.get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain(plan.id);
    expect(page.flat).toContain('<button type="submit">Log out</button>');
    // Logged in, /login goes to the list.
    expect((await browser.get('/login')).headers.location).toBe('/');

    const out = await browser.post('/logout');
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect(out.setCookies.get('flowline_session')).toMatch(/Max-Age=0/);
    expect((await browser.get('/')).status).toBe(401);
  });

  it('refuses a forged session cookie', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world, token: TOKEN }));
    for (const value of [TOKEN, 'A'.repeat(43), '']) {
      const reply = await send(root, { headers: { cookie: `flowline_session=${value}` } });
      expect(reply.status, value).toBe(401);
    }
  });

  it('only returns to console paths after login', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world, token: TOKEN }));
    for (const [next, location] of [
      ['//evil.example/x', '/'],
      ['https://evil.example/', '/'],
      ['/\\evil.example', '/'],
      ['/plans/x?flash=1', '/plans/x?flash=1'],
    ] as const) {
      const browser = new Client(root);
      const reply = await browser.post('/login', { token: TOKEN, next });
      expect(reply.headers.location, next).toBe(location);
    }
  });
});

describe('response headers', () => {
  it('every response carries the CSP and the other security headers', async () => {
    const root = await mount(createConsole({ logger: silentLogger, world, token: TOKEN }));
    const authorized = { authorization: `Bearer ${TOKEN}` };
    const replies = [
      await send(root, { headers: authorized }),
      await send(`${root}plans/${plan.id}`, { headers: authorized }),
      await send(`${root}nothing`, { headers: authorized }),
      await send(`${root}?page=x`, { headers: authorized }),
      await send(root),
      await send(`${root}login`),
    ];
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 404, 400, 401, 200]);
    for (const reply of replies) {
      expect(reply.headers['content-security-policy']).toBe(
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; " +
          "frame-ancestors 'none'; base-uri 'none'",
      );
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(reply.headers['x-frame-options']).toBe('DENY');
      expect(reply.headers['cache-control']).toBe('no-store');
      // No script at all: auto-refresh is a meta tag.
      expect(reply.body).not.toMatch(/<script/i);
    }
  });
});
