/**
 * The order-fulfilment app's HTTP side (plain `node:http`; mount the same calls in Express or
 * Fastify). Three routes:
 *
 * - `POST /orders` with an `Idempotency-Key` header and the order as JSON: triggers the saga with
 *   `world.triggerWith({ idempotencyKey })`, so a client that retries its POST (a timeout, a double
 *   click) gets the same plan back and is charged once. Answers 202 `{ planId }`.
 * - `POST /carrier/:planId`: the carrier's webhook, delivered by name with
 *   `world.send(planId, 'carrier.shipped', body)` to whichever step waits for it. Answers 204.
 * - `GET /orders/:planId`: the plan's state and result.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { World } from '../../src/index.js';
import { FlowlineError } from '../../src/index.js';
import { FulfilOrder, SHIPPED } from './actions.js';
import type { Order, ShipmentNotice } from './actions.js';
import type { Services } from './services.js';

/** A request that cannot be served, with its HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a JSON body (at most 64 KiB). */
async function jsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 65536) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}

function answer(response: ServerResponse, status: number, body?: unknown): void {
  response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

/** HTTP statuses for the `FlowlineError` codes these routes can meet. */
const STATUS_BY_CODE: Record<string, number> = {
  PLAN_NOT_FOUND: 404,
  STEP_NOT_SUSPENDED: 409,
  IDEMPOTENCY_CONFLICT: 409,
  INVALID_ARGUMENT: 400,
  UNSERIALIZABLE_VALUE: 400,
};

async function route(
  world: World<Services>,
  request: IncomingMessage,
): Promise<[number, unknown?]> {
  const url = new URL(request.url ?? '/', 'http://app');
  const [, resource, planId, extra] = url.pathname.split('/');
  if (request.method === 'POST' && resource === 'orders' && planId === undefined) {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') {
      throw new HttpError(400, 'an Idempotency-Key header is required');
    }
    const order = (await jsonBody(request)) as Order;
    const triggered = world.triggerWith(
      { idempotencyKey: key, label: 'order' },
      FulfilOrder,
      order,
    );
    const planned = await triggered.planned;
    if (planned.state === 'stopped' && planned.result === 'error') {
      // Planning refused the order (OrderInput's issues are on the plan step).
      const issues = planned.steps.flatMap((step) => step.error?.details?.issues ?? []);
      return [422, { planId: triggered.id, issues }];
    }
    return [202, { planId: triggered.id }];
  }
  if (request.method === 'POST' && resource === 'carrier' && planId !== undefined && !extra) {
    const notice = (await jsonBody(request)) as Partial<ShipmentNotice> | null;
    if (typeof notice?.tracking !== 'string') throw new HttpError(400, 'tracking is required');
    await world.send(planId, SHIPPED, { tracking: notice.tracking });
    return [204];
  }
  if (request.method === 'GET' && resource === 'orders' && planId !== undefined && !extra) {
    const plan = await world.executionPlan(planId);
    if (plan === undefined) throw new HttpError(404, `no order ${planId}`);
    return [200, { planId, state: plan.state, result: plan.result }];
  }
  throw new HttpError(404, 'no such route');
}

/** The app's request handler, over a started world. */
export function orderApp(
  world: World<Services>,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    route(world, request).then(
      ([status, body]) => answer(response, status, body),
      (error: unknown) => {
        if (error instanceof HttpError)
          return answer(response, error.status, { error: error.message });
        if (error instanceof FlowlineError) {
          return answer(response, STATUS_BY_CODE[error.code] ?? 500, {
            error: error.message,
            code: error.code,
          });
        }
        answer(response, 500, { error: 'internal error' });
      },
    );
  };
}

/** Starts the app on a free port of 127.0.0.1; resolves to its URL and a way to stop it. */
export async function listen(
  world: World<Services>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(orderApp(world));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
