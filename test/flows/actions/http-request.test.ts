/**
 * `HTTP Request` against a real local server: JSON in and out, text, error statuses (5xx
 * retryable, 4xx not), network errors, a time-out and the stage's abort.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequest } from '../../../src/flows/index.js';
import { ManagedClock } from '../../../src/testing/index.js';
import { deferred } from '../../helpers/world.js';
import { factsOf, runStageAction } from './stage-harness.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const routes = new Map<string, Handler>();
/** Requests the server holds unanswered, ended when the suite ends. */
const held: ServerResponse[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const handler = routes.get(req.url ?? '');
      if (handler === undefined) {
        res.writeHead(404).end('no route');
        return;
      }
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('HTTP Request', () => {
  it('sends the stage data as JSON for a POST and reads a JSON answer', async () => {
    routes.set('/echo', (req, body, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-seen': req.method ?? '' });
      res.end(
        JSON.stringify({ got: JSON.parse(body) as unknown, type: req.headers['content-type'] }),
      );
    });
    const run = await runStageAction(
      HttpRequest,
      { url: `${base}/echo`, method: 'post' },
      { a: 1 },
    );
    expect(run.kind).toBe('success');
    const value = run.output.value as {
      status: number;
      headers: Record<string, string>;
      body: unknown;
    };
    expect(value.status).toBe(201);
    expect(value.headers['x-seen']).toBe('POST');
    expect(value.body).toEqual({ got: { a: 1 }, type: 'application/json' });
  });

  it('sends the body prop and headers, and reads text by content type', async () => {
    routes.set('/text', (req, body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.headers.authorization ?? ''}|${body}`);
    });
    const run = await runStageAction(
      HttpRequest,
      {
        url: `${base}/text`,
        method: 'PUT',
        headers: { authorization: 'Bearer t' },
        body: [1, 'x'],
      },
      { ignored: true },
    );
    expect((run.output.value as { body: unknown }).body).toBe('Bearer t|[1,"x"]');
  });

  it('sends no body for a GET and honours responseType', async () => {
    routes.set('/get', (_req, body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(JSON.stringify({ length: body.length }));
    });
    const run = await runStageAction(
      HttpRequest,
      { url: `${base}/get`, responseType: 'json' },
      { a: 1 },
    );
    expect((run.output.value as { body: unknown }).body).toEqual({ length: 0 });
  });

  it('fails a 5xx answer with HTTP_REQUEST_FAILED, retryable', async () => {
    routes.set('/busy', (_req, _body, res) => res.writeHead(503).end('try later'));
    const run = await runStageAction(HttpRequest, { url: `${base}/busy` }, null);
    expect(run.error?.code).toBe('HTTP_REQUEST_FAILED');
    expect(run.error?.message).toContain('stage "S" (HTTP Request): GET');
    expect(run.error?.message).toContain('answered 503: try later');
    expect(factsOf(run.error)).toEqual({ url: `${base}/busy`, status: 503, retryable: true });
    expect(run.error?.retryable).toBe(true);
  });

  it('fails a 4xx answer as not retryable', async () => {
    routes.set('/bad', (_req, _body, res) => {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end('{"error":"email missing"}');
    });
    const run = await runStageAction(HttpRequest, { url: `${base}/bad`, method: 'POST' }, {});
    expect(run.error?.code).toBe('HTTP_REQUEST_FAILED');
    expect(run.error?.message).toContain('answered 422: {"error":"email missing"}');
    expect(factsOf(run.error)).toMatchObject({ status: 422, retryable: false });
  });

  it('fails a body that is not the JSON it claims as not retryable', async () => {
    routes.set('/broken', (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{not json');
    });
    const run = await runStageAction(HttpRequest, { url: `${base}/broken` }, null);
    expect(run.error?.code).toBe('HTTP_REQUEST_FAILED');
    expect(factsOf(run.error)).toMatchObject({ status: 200, retryable: false });
  });

  it('fails a network error as retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await runStageAction(
      HttpRequest,
      { url: `http://127.0.0.1:${String(port)}/` },
      null,
    );
    expect(run.error?.code).toBe('HTTP_REQUEST_FAILED');
    expect(run.error?.message).toContain('failed');
    expect(factsOf(run.error)).toMatchObject({ retryable: true });
    expect(factsOf(run.error).status).toBeUndefined();
  });

  it('refuses a URL that is not http(s) as not retryable', async () => {
    const run = await runStageAction(HttpRequest, { url: 'file:///etc/passwd' }, null);
    expect(run.error?.code).toBe('HTTP_REQUEST_FAILED');
    expect(factsOf(run.error)).toMatchObject({ retryable: false });
  });

  it('times out a request the server never answers, retryable', async () => {
    routes.set('/hold', (_req, _body, res) => {
      held.push(res);
    });
    const run = await runStageAction(HttpRequest, { url: `${base}/hold`, timeoutMs: 20 }, null);
    expect(run.error?.code).toBe('HTTP_REQUEST_FAILED');
    expect(run.error?.message).toContain('timed out after 20 ms');
    expect(factsOf(run.error)).toMatchObject({ retryable: true });
  });

  it("cancels the request when the stage's signal aborts (a step timeout)", async () => {
    const arrived = deferred();
    const cancelled = deferred();
    routes.set('/hold-abort', (_req, _body, res) => {
      held.push(res);
      res.on('close', () => cancelled.resolve());
      arrived.resolve();
    });
    class TimedRequest extends HttpRequest {
      static override timeout = 1000;
    }
    const clock = new ManagedClock(0);
    const running = runStageAction(TimedRequest, { url: `${base}/hold-abort` }, null, { clock });
    await arrived.promise;
    await clock.advance(1000);
    const run = await running;
    expect(run.error?.code).toBe('STEP_TIMEOUT');
    await cancelled.promise; // the server saw the client go away
  });
});
