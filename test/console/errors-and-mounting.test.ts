/**
 * Failures inside the console (a generic 500, details only in the log), a world that is not
 * running (503), and mounting below a path: basePath, Express-style `req.baseUrl`, `next`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAdapter, World, silentLogger } from '../../src/index.js';
import type { PlanFilter, PlanRecord, StoredPlan } from '../../src/persistence/index.js';
import { createConsole } from '../../src/console/index.js';
import { nextEvent, recordingLogger } from '../helpers/world.js';
import { ACTIONS, Client, Closer, Echo, Flaky, Pipeline } from './helpers.js';

const closer = new Closer();
afterEach(async () => {
  await closer.closeAll();
});

/** A store whose reads fail with an error that must never reach a client. */
class BrokenAdapter extends MemoryAdapter {
  override async findPlans(_filter?: PlanFilter): Promise<PlanRecord[]> {
    throw new Error('secret detail: connection to db.internal:5432 refused');
  }
  override async loadPlan(_planId: string): Promise<StoredPlan | undefined> {
    throw new TypeError('secret detail: cannot read properties of undefined');
  }
}

/** Serves a handler on 127.0.0.1 and returns its root URL. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
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

async function startWorld(): Promise<World> {
  const world = new World({ actions: ACTIONS, logger: silentLogger });
  await world.start();
  closer.add(() => world.close());
  return world;
}

describe('failures', () => {
  it('answers 500 with a generic page, and logs the error', async () => {
    const logger = recordingLogger();
    const server = await createConsole({ adapter: new BrokenAdapter(), logger }).listen();
    closer.add(() => server.close());
    const client = new Client(server.url);
    for (const path of ['/', '/plans/some-id', '/plans/some-id/steps/1']) {
      const reply = await client.get(path);
      expect(reply.status, path).toBe(500);
      expect(reply.body).toContain('The console could not answer this request.');
      expect(reply.body).not.toMatch(/secret|db\.internal|TypeError|at .*\.ts/);
      expect(reply.headers['content-security-policy']).toMatch(/^default-src 'none'/);
      expect(reply.headers['set-cookie']).toBeUndefined();
    }
    const errors = logger.entries.filter((entry) => entry.level === 'error');
    expect(errors).toHaveLength(3);
    expect(errors[0]?.message).toBe('flowline console: request failed');
    expect((errors[0]?.meta?.error as Error).message).toContain('secret detail');
    expect(errors[0]?.meta?.url).toBe('/');
    // The worlds page does not touch plans: the console still works for it.
    expect((await client.get('/worlds')).status).toBe(200);
  });

  it("answers 503 when the console's world is closed", async () => {
    const logger = recordingLogger();
    const world = new World({ logger: silentLogger });
    await world.start();
    const server = await createConsole({ world, logger }).listen();
    closer.add(() => server.close());
    await world.close();
    const reply = await new Client(server.url).get('/');
    expect(reply.status).toBe(503);
    expect(reply.body).toContain('The console&#39;s world is not running.');
    expect(logger.entries.map((entry) => entry.level)).toEqual(['warn']);
  });
});

describe('mounting', () => {
  it('serves below basePath in a plain server, with every link and redirect under it', async () => {
    const world = await startWorld();
    const plan = await world.trigger(Pipeline).finished;
    const flowline = createConsole({ world, basePath: '/flowline' });
    const root = await serve((req, res) => {
      flowline(req, res);
    });
    const client = new Client(`${root}flowline/`);
    const list = await client.get('/');
    expect(list.status).toBe(200);
    expect(list.flat).toContain(`href="/flowline/plans/${plan.id}"`);
    expect(list.flat).toContain('<a href="/flowline/worlds">Worlds</a>');
    expect(list.setCookies.get('flowline_csrf')).toContain('Path=/flowline;');
    const detail = await client.get(`/plans/${plan.id}`);
    expect(detail.flat).toContain(`action="/flowline/plans/${plan.id}/resume"`);
    expect((await new Client(root).get('/flowline')).status).toBe(200);
    // Outside the base path: not the console's.
    expect((await new Client(root).get('/other')).status).toBe(404);
    expect((await new Client(root).get('/flowlinex')).status).toBe(404);
    Flaky.broken = false;
    const stopped = nextEvent(
      world,
      'plan:state',
      (e) => e.planId === plan.id && e.state === 'stopped',
    );
    const resumed = await client.post(`/plans/${plan.id}/resume`);
    expect(resumed.headers.location).toMatch(new RegExp(`^/flowline/plans/${plan.id}\\?flash=`));
    await stopped;
  });

  it("uses Express's req.baseUrl and a body Express already parsed, and calls next outside basePath", async () => {
    const world = await startWorld();
    Flaky.broken = true;
    const plan = await world.trigger(Pipeline).finished;
    const flowline = createConsole({ world });
    // What app.use('/admin/flowline', express.urlencoded(), console) hands the console.
    const root = await serve((req, res) => {
      const mount = '/admin/flowline';
      if (!req.url?.startsWith(mount)) {
        res.statusCode = 418;
        res.end();
        return;
      }
      const express = req as IncomingMessage & { baseUrl?: string; body?: unknown };
      express.baseUrl = mount;
      express.url = req.url.slice(mount.length) || '/';
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          express.body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
          flowline(req, res);
        });
        return;
      }
      flowline(req, res);
    });
    const client = new Client(`${root}admin/flowline/`);
    const detail = await client.get(`/plans/${plan.id}`);
    expect(detail.flat).toContain(`action="/admin/flowline/plans/${plan.id}/halt"`);
    expect(detail.setCookies.get('flowline_csrf')).toContain('Path=/admin/flowline;');
    const halted = await client.post(`/plans/${plan.id}/halt`);
    expect(halted.status).toBe(303);
    expect(halted.headers.location).toBe(`/admin/flowline/plans/${plan.id}?flash=halt%3Adone`);
    expect((await world.executionPlan(plan.id))?.state).toBe('stopped');
    const forged = await client.post(`/plans/${plan.id}/cancel`, {}, { csrf: false });
    expect(forged.status).toBe(403);

    // express.json() alone leaves req.body = {} on a form post, with the body still unread.
    const paused = await world.trigger(Pipeline).finished;
    const jsonOnly = await serve((req, res) => {
      (req as IncomingMessage & { body?: unknown }).body = {};
      flowline(req, res);
    });
    const jsonClient = new Client(jsonOnly);
    const cancelled = await jsonClient.post(`/plans/${paused.id}/cancel`);
    expect(cancelled.status).toBe(303);
    expect((await world.executionPlan(paused.id))?.result).toBe('cancelled');

    // With basePath and a next function, requests outside the base path go to next.
    let passedOn = 0;
    const nested = createConsole({ world, basePath: '/flowline' });
    const other = await serve((req, res) => {
      nested(req, res, () => {
        passedOn++;
        res.statusCode = 204;
        res.end();
      });
    });
    expect((await new Client(other).get('/elsewhere')).status).toBe(204);
    expect((await new Client(other).get('/flowline/')).status).toBe(200);
    expect(passedOn).toBe(1);
  });

  it('reads absolute-form request targets, and refuses malformed ones with 400', async () => {
    const world = await startWorld();
    const plan = await world.trigger(Echo, 'x').finished;
    const server = await createConsole({ world }).listen();
    closer.add(() => server.close());
    const { port } = new URL(server.url);
    const statusOf = (target: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.end(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
        });
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
        socket.on('error', reject);
      });
    expect(await statusOf(`http://127.0.0.1:${port}/plans/${plan.id}`)).toBe('HTTP/1.1 200 OK');
    expect(await statusOf('http://[zz/plans')).toBe('HTTP/1.1 400 Bad Request');
  });

  it('tolerates a doubled slash after the console URL', async () => {
    const world = await startWorld();
    const plan = await world.trigger(Echo, 'x').finished;
    const server = await createConsole({ world }).listen();
    closer.add(() => server.close());
    const reply = await new Client(server.url).get(`/plans/${plan.id}`);
    expect(reply.status).toBe(200);
    const doubled = await new Client(`${server.url}/`).get(`//plans/${plan.id}`);
    expect(doubled.status).toBe(200);
  });

  it('answers 400, not 500, for an address holding U+0000 or a lone surrogate', async () => {
    const world = await startWorld();
    const server = await createConsole({ world }).listen();
    closer.add(() => server.close());
    for (const bad of ['/plans/%00', '/plans/%ED%A0%80', '/plans/x/steps/%00']) {
      expect((await new Client(server.url).get(bad)).status).toBe(400);
    }
  });
});
