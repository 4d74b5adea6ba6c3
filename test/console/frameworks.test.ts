/**
 * The console mounted in real Express and Fastify servers, as docs/console.md shows: links carry
 * the mount path, and a form post (CSRF included) reaches the console and resumes a plan.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import { createConsole } from '../../src/console/index.js';
import { nextEvent } from '../helpers/world.js';
import { ACTIONS, Client, Closer, Flaky, Pipeline } from './helpers.js';

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

async function pausedPipeline(): Promise<ExecutionPlan> {
  const plan = await world.trigger(Pipeline).finished;
  expect(plan.state).toBe('paused');
  return plan;
}

/** Lists, opens and resumes a paused plan through a console mounted at `/flowline`. */
async function listOpenAndResume(client: Client): Promise<void> {
  const plan = await pausedPipeline();
  const list = await client.get('');
  expect(list.status).toBe(200);
  expect(list.flat).toContain(`href="/flowline/plans/${plan.id}"`);
  const detail = await client.get(`plans/${plan.id}`);
  expect(detail.flat).toContain(`action="/flowline/plans/${plan.id}/resume"`);

  Flaky.broken = false;
  const stopped = nextEvent(
    world,
    'plan:state',
    (e) => e.planId === plan.id && e.state === 'stopped',
  );
  const reply = await client.post(`plans/${plan.id}/resume`);
  expect(reply.status).toBe(303);
  expect(reply.headers.location).toMatch(new RegExp(`^/flowline/plans/${plan.id}\\?flash=`));
  expect((await stopped).result).toBe('success');
}

describe('mounted in Express', () => {
  async function listen(app: express.Express): Promise<string> {
    const server: Server = await new Promise((resolve) => {
      const started = app.listen(0, '127.0.0.1', () => resolve(started));
    });
    closer.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/flowline/`;
  }

  it('with app.use: links and redirects carry the mount path; a resume goes through', async () => {
    const app = express();
    app.use('/flowline', createConsole({ world }));
    await listOpenAndResume(new Client(await listen(app)));
  });

  it('behind express.urlencoded(): the parsed form is used', async () => {
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use('/flowline', createConsole({ world }));
    await listOpenAndResume(new Client(await listen(app)));
  });

  it("passes requests outside the console on to the app's next handler", async () => {
    const app = express();
    app.use('/flowline', createConsole({ world }));
    app.get('/health', (_req, res) => {
      res.send('ok');
    });
    const root = await listen(app);
    const reply = await new Client(root).get(new URL('/health', root).toString());
    expect(reply).toMatchObject({ status: 200, body: 'ok' });
  });
});

describe('mounted in Fastify', () => {
  it('with the recipe of docs/console.md: links carry basePath; a resume goes through', async () => {
    const fastify = Fastify();
    closer.add(() => fastify.close());
    const flowline = createConsole({ world, basePath: '/flowline' });
    fastify.addContentTypeParser(
      'application/x-www-form-urlencoded',
      (_request, _payload, done) => {
        done(null);
      },
    );
    const handler = (request: FastifyRequest, reply: FastifyReply): void => {
      void reply.hijack();
      flowline(request.raw, reply.raw);
    };
    fastify.all('/flowline', handler);
    fastify.all('/flowline/*', handler);
    const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
    await listOpenAndResume(new Client(`${address}/flowline/`));
  });
});
