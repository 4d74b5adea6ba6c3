/**
 * The services the example flows talk to, faked on one local `node:http` server (port 0): the
 * internal event stream and account service, the Acme API, the customer database, the monthly
 * activity report, a Salesforce-like CRM and the data lake. Every request is recorded, so the demo
 * can print what each service got and the tests can assert it.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JSON value as the fake services read and write it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** One request a fake service received. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly query: { readonly [name: string]: string };
  /** Header names in lower case. */
  readonly headers: { readonly [name: string]: string };
  /** The parsed JSON body (`null` when there was none). */
  readonly body: Json;
}

/** The routes, as `METHOD /path` (what {@link FakeServicesOptions.failures} names). */
export const ROUTES = {
  events: 'GET /internal/events',
  accounts: 'POST /internal/accounts/lookup',
  acme: 'POST /acme/v1/events/batch',
  customers: 'POST /customers/lookup',
  activity: 'POST /reports/monthly-activity',
  crm: 'POST /crm/services/data/v59.0/sobjects/Lead',
  lake: 'POST /lake/v1/objects/leads',
} as const;

/** The bearer token the Acme API accepts. */
export const ACME_TOKEN = 'acme-demo-token';

/** Options of {@link startFakeServices}. */
export interface FakeServicesOptions {
  /** The internal stream's events, by stream name. @default `{ orders: SAMPLE_EVENTS }` */
  readonly streams?: { readonly [stream: string]: readonly Json[] };
  /** Domains the customer database knows, with the customer's id and name. */
  readonly customers?: {
    readonly [domain: string]: { readonly id: string; readonly name: string };
  };
  /** Answer the first N requests of a route with 503 (the stage retries them). */
  readonly failures?: { readonly [route: string]: number };
  /**
   * Hold the CRM's and the data lake's answers until both requests have arrived: proves the two
   * branches run concurrently (run one after the other, neither would ever be answered).
   */
  readonly rendezvous?: boolean;
}

/** The running fake services. */
export interface FakeServices {
  /** `http://127.0.0.1:<port>`: what `${BASE_URL}` in the flow files becomes. */
  readonly url: string;
  /** Every request, in the order they arrived. */
  readonly received: readonly ReceivedRequest[];
  /** The requests of one route (`ROUTES.acme`…) that were answered with success, in order. */
  accepted(route: string): ReceivedRequest[];
  /** Stops the server (answering the requests it holds first). */
  close(): Promise<void>;
}

/** Seven events of the `orders` stream, as the internal producer writes them. */
export const SAMPLE_EVENTS: readonly Json[] = [1, 2, 3, 4, 5, 6, 7].map((n) => ({
  id: `evt-${n}`,
  type: n % 3 === 0 ? 'order.refunded' : 'order.paid',
  user_id: `u-${(n % 2) + 1}`,
  email: `buyer${n}@shop${(n % 2) + 1}.example`,
  ip: `203.0.113.${n}`,
  card_last4: String(4000 + n),
  amount_cents: n * 1000,
  occurred_at: `2026-12-0${n}T10:00:00.000Z`,
}));

/** The accounts the internal account service knows. */
const ACCOUNTS: { readonly [userId: string]: Json } = {
  'u-1': { accountId: 'acct-100', tier: 'gold', country: 'NL' },
  'u-2': { accountId: 'acct-200', tier: 'silver', country: 'DE' },
};

/** The default customer database. */
export const SAMPLE_CUSTOMERS = {
  'initech.example': { id: 'cust-42', name: 'Initech' },
  'globex.example': { id: 'cust-7', name: 'Globex' },
} as const;

type Handler = (request: ReceivedRequest) => Promise<[number, Json]> | [number, Json];

/**
 * Starts the fake services on a free local port.
 *
 * @example
 * ```ts
 * const services = await startFakeServices();
 * // … run flows against services.url …
 * services.accepted(ROUTES.acme); // the batches Acme got
 * await services.close();
 * ```
 */
export async function startFakeServices(options: FakeServicesOptions = {}): Promise<FakeServices> {
  const streams = options.streams ?? { orders: SAMPLE_EVENTS };
  const customers: { readonly [domain: string]: Json } = options.customers ?? SAMPLE_CUSTOMERS;
  const failuresLeft = new Map(Object.entries(options.failures ?? {}));
  const received: ReceivedRequest[] = [];
  const succeeded: { route: string; request: ReceivedRequest }[] = [];
  const arrived = { crm: deferred(), lake: deferred() };
  let leadIds = 0;

  const handlers: { readonly [route: string]: Handler } = {
    [ROUTES.events]: (request) => {
      const events = streams[request.query.stream ?? ''];
      if (events === undefined) return [404, { error: `no stream "${request.query.stream}"` }];
      const max = Number(request.query.max ?? events.length);
      // The stream's wire format: newline-delimited JSON, which the reading stage deserializes.
      return [
        200,
        events
          .slice(0, max)
          .map((event) => JSON.stringify(event))
          .join('\n'),
      ];
    },
    [ROUTES.accounts]: (request) => {
      const userId = field(request.body, 'userId');
      const account = typeof userId === 'string' ? ACCOUNTS[userId] : undefined;
      return account === undefined ? [404, { error: 'no such user' }] : [200, account];
    },
    [ROUTES.acme]: (request) => {
      if (request.headers.authorization !== `Bearer ${ACME_TOKEN}`) {
        return [401, { error: 'missing or wrong bearer token' }];
      }
      if (!Array.isArray(request.body)) return [400, { error: 'a batch is a JSON array' }];
      return [202, { accepted: request.body.length }];
    },
    [ROUTES.customers]: (request) => {
      const domain = field(request.body, 'domain');
      const customer = typeof domain === 'string' ? customers[domain] : undefined;
      const answer: Json =
        customer === undefined ? { existing: false } : { existing: true, customer };
      return [200, answer];
    },
    [ROUTES.activity]: (request) => {
      const customerId = field(field(request.body, 'customer'), 'id');
      if (typeof customerId !== 'string') return [400, { error: 'customer.id is required' }];
      const seed = customerId.length * 17;
      return [
        200,
        { customerId, month: '2026-11', activeUsers: seed, apiCalls: seed * 1000, tickets: 2 },
      ];
    },
    [ROUTES.crm]: async () => {
      arrived.crm.resolve();
      if (options.rendezvous === true) await arrived.lake.promise;
      leadIds += 1;
      return [
        201,
        { id: `00Q5e00000${String(leadIds).padStart(5, '0')}`, success: true, errors: [] },
      ];
    },
    [ROUTES.lake]: async (request) => {
      arrived.lake.resolve();
      if (options.rendezvous === true) await arrived.crm.promise;
      const domain = field(request.body, 'domain');
      return [201, { key: `leads/${typeof domain === 'string' ? domain : 'unknown'}.json` }];
    },
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await readRequest(req);
    received.push(request);
    const route = `${request.method} ${request.path}`;
    const handler = handlers[route];
    let answer: [number, Json];
    const failures = failuresLeft.get(route) ?? 0;
    if (handler === undefined) answer = [404, { error: `no route ${route}` }];
    else if (failures > 0) {
      failuresLeft.set(route, failures - 1);
      answer = [503, { error: 'temporarily unavailable' }];
    } else answer = await handler(request);
    const [status, body] = answer;
    if (status < 400) succeeded.push({ route, request });
    const ndjson = typeof body === 'string';
    res.writeHead(status, {
      'content-type': ndjson ? 'application/x-ndjson' : 'application/json',
    });
    res.end(ndjson ? body : JSON.stringify(body));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    accepted: (route) => succeeded.filter((s) => s.route === route).map((s) => s.request),
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Answer a request still held for its rendezvous.
        arrived.crm.resolve();
        arrived.lake.resolve();
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

async function readRequest(req: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: { [name: string]: string } = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers[name] = value;
  }
  let body: Json;
  try {
    body = text === '' ? null : (JSON.parse(text) as Json);
  } catch {
    body = text;
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
  };
}

function field(value: Json | undefined, name: string): Json | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value[name];
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
