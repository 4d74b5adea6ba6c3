import { describe, expect, it } from 'vitest';
import type { Middleware, MiddlewareContext } from '../../src/action/middleware.js';
import { MiddlewareStack, compose } from '../../src/action/middleware.js';
import { Action } from '../../src/index.js';
import { caughtFlowlineError } from '../helpers/errors.js';

const context = { action: new Action(), executionPlanId: 'p' } as MiddlewareContext;

function tracer(name: string, log: string[]): Middleware {
  return {
    name,
    async run(next, event) {
      log.push(`${name}>`);
      await next(event);
      log.push(`<${name}`);
    },
  };
}

describe('MiddlewareStack', () => {
  it('use appends innermost; before, after and replace place relative to a named middleware', () => {
    const log: string[] = [];
    const stack = new MiddlewareStack()
      .use(tracer('a', log))
      .use(tracer('c', log))
      .use(tracer('b', log), { after: 'a' })
      .use(tracer('first', log), { before: 'a' })
      .use(tracer('C', log), { replace: 'c' });
    expect(stack.entries.map((m) => m.name)).toEqual(['first', 'a', 'b', 'C']);
    expect(stack.without('b').entries.map((m) => m.name)).toEqual(['first', 'a', 'C']);
  });

  it('is immutable: a derived stack never changes its parent', () => {
    const parent = new MiddlewareStack().use({ name: 'p' });
    const child = parent.use({ name: 'c' });
    expect(parent.entries.map((m) => m.name)).toEqual(['p']);
    expect(
      child.inside(new MiddlewareStack().use({ name: 'world' })).entries.map((m) => m.name),
    ).toEqual(['world', 'p', 'c']);
  });

  it('refuses bad placements and malformed middleware with clear errors', () => {
    const stack = new MiddlewareStack().use({ name: 'a' });
    expect(caughtFlowlineError(() => stack.use({}, { after: 'missing' })).message).toMatch(
      /no middleware of that name/,
    );
    expect(caughtFlowlineError(() => stack.use({}, { before: 'a', after: 'a' })).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      caughtFlowlineError(() => stack.use({ name: 'bad', run: 42 } as unknown as Middleware))
        .message,
    ).toMatch(/run must be a function/);
    expect(caughtFlowlineError(() => stack.use(null as unknown as Middleware)).code).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('compose', () => {
  it('wraps outermost first and reaches the core with what the middleware passes on', async () => {
    const log: string[] = [];
    const stack = new MiddlewareStack()
      .use(tracer('outer', log))
      .use({
        name: 'rewrite',
        run: (next, event) => next(event === 'ping' ? 'pong' : event),
      })
      .use(tracer('inner', log));
    const run = compose(
      stack,
      'run',
      async (event) => {
        log.push(`core(${String(event)})`);
      },
      context,
    );
    await run('ping');
    expect(log).toEqual(['outer>', 'inner>', 'core(pong)', '<inner', '<outer']);
  });

  it('a middleware that does not call next skips the phase; no middleware returns the core itself', async () => {
    let ran = false;
    const core = async () => {
      ran = true;
    };
    const skip = compose(
      new MiddlewareStack().use({ finalize: () => undefined }),
      'finalize',
      core,
      context,
    );
    await skip();
    expect(ran).toBe(false);
    expect(compose(new MiddlewareStack().use({ name: 'x' }), 'finalize', core, context)).toBe(core);
  });

  it('errors thrown by the core or a middleware propagate', async () => {
    const failing = compose(
      new MiddlewareStack().use(tracer('t', [])),
      'run',
      async (_event: unknown) => {
        throw new Error('boom');
      },
      context,
    );
    await expect(failing(undefined)).rejects.toThrow('boom');
  });
});
