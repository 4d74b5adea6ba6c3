/**
 * Property: an action class whose static (timeout, retry, singleton, idempotent, actionName,
 * subscribe, middleware, input, output) holds a bad value is refused when it is registered, with
 * INVALID_ACTION naming the class and the static, and is left unregistered; never a raw error, never
 * a failure deferred to the first trigger. Good values register.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ActionClass } from '../../src/index.js';
import { Action, ErrorCode, FlowlineError, World, silentLogger } from '../../src/index.js';

type Key =
  | 'timeout'
  | 'retry'
  | 'singleton'
  | 'idempotent'
  | 'actionName'
  | 'subscribe'
  | 'middleware'
  | 'input'
  | 'output';

/** Anything, functions and odd objects included. */
const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true }),
  fc.constantFrom<unknown>(
    () => 1,
    Symbol('s'),
    Number.NaN,
    null,
    [],
    { '~standard': { version: 2, validate: () => ({ value: {} }) } },
    { '~standard': { version: 1 } },
    { '~standard': null },
  ),
);

/** Bad values of each static (a bad value is one the types refuse, as plain JavaScript may give). */
const bad: Record<Key, fc.Arbitrary<unknown>> = {
  timeout: anything.filter(
    (value) =>
      value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0),
  ),
  retry: fc.oneof(
    anything.filter(
      (value) =>
        value !== undefined &&
        (typeof value !== 'object' || value === null || Array.isArray(value)),
    ),
    // A misspelt or unknown option.
    fc
      .string({ minLength: 1, maxLength: 12 })
      .filter((key) => !['retries', 'factor', 'minTimeout', 'maxTimeout'].includes(key))
      .map((key) => ({ retries: 1, [key]: 1 })),
    fc.constantFrom({ minTimout: 1 }, { retries: 2, minTimout: 10 }),
    // Bad numbers.
    fc
      .oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.string())
      .map((retries) => ({ retries })),
    fc
      .oneof(fc.constant(0), fc.integer({ max: -1 }), fc.constant(Number.NaN))
      .map((factor) => ({ retries: 1, factor })),
  ),
  singleton: anything.filter((value) => value !== undefined && typeof value !== 'boolean'),
  idempotent: anything.filter((value) => value !== undefined && typeof value !== 'boolean'),
  actionName: anything.filter(
    (value) => value !== undefined && (typeof value !== 'string' || value === ''),
  ),
  subscribe: anything.filter((value) => value !== undefined && typeof value !== 'function'),
  middleware: anything.filter((value) => value !== undefined),
  input: anything.filter((value) => value !== undefined),
  output: anything.filter((value) => value !== undefined),
};

/** Good values of each static. */
const good: Record<Key, unknown> = {
  timeout: 1500,
  retry: { retries: 3, minTimeout: 10, factor: 2, maxTimeout: 1000 },
  singleton: true,
  idempotent: false,
  actionName: 'GoodName',
  subscribe: undefined,
  middleware: Action.middleware,
  input: z.object({ a: z.string() }),
  output: z.object({ b: z.number() }),
};

/** A fresh class named `Bad` with `key` set to `value`, as JavaScript (or a cast) could make it. */
function classWith(key: Key, value: unknown): ActionClass {
  class Bad extends Action {
    run() {}
  }
  Object.defineProperty(Bad, key, { value, configurable: true, writable: true });
  return Bad;
}

describe('action statics are checked when the class is registered', () => {
  it.each(Object.keys(bad) as Key[])(
    'a bad static %s is refused by register with INVALID_ACTION naming the class and the static',
    (key) => {
      fc.assert(
        fc.property(bad[key], (value) => {
          const world = new World({ logger: silentLogger });
          const cls = classWith(key, value);
          let refused: unknown;
          try {
            world.register(cls);
          } catch (error) {
            refused = error;
          }
          expect(refused).toBeInstanceOf(FlowlineError);
          const error = refused as FlowlineError;
          expect(error.code).toBe(ErrorCode.INVALID_ACTION);
          expect(error.message).toContain('Bad');
          expect(error.message).toContain(key === 'subscribe' ? 'subscribe' : `static ${key}`);
          // Left unregistered: a second register checks it again (a registered class is skipped).
          expect(() => {
            world.register(cls);
          }).toThrow(FlowlineError);
          world.register(classWith(key, good[key]));
        }),
        { numRuns: 60 },
      );
    },
  );

  it('the same check applies to new World({ actions }): the world is not created', () => {
    const error = (() => {
      try {
        new World({ actions: [classWith('singleton', 'yes')], logger: silentLogger });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FlowlineError);
    expect((error as FlowlineError).message).toBe(
      'action Bad: static singleton must be true or false, got "yes"',
    );
  });

  it('a static getter that throws is refused with INVALID_ACTION, not a raw error', () => {
    class Hostile extends Action {
      static override get timeout(): number {
        throw new Error('getter says no');
      }
      run() {}
    }
    let refused: unknown;
    try {
      new World({ actions: [Hostile], logger: silentLogger });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(FlowlineError);
    expect((refused as FlowlineError).code).toBe(ErrorCode.INVALID_ACTION);
    expect((refused as FlowlineError).message).toContain('getter says no');
  });

  it('good values of every static register', () => {
    class Good extends Action {
      static override timeout = 1500;
      static override retry = { retries: 3, minTimeout: 10 };
      static override singleton = true;
      static override idempotent = true;
      static override actionName = 'Good';
      static override input = z.object({ a: z.string() });
      static override output = z.object({ b: z.number() });
      static override middleware = Action.middleware.use({ name: 'noop' });
      run() {}
    }
    class Follower extends Action {
      static override subscribe() {
        return Good;
      }
      run() {}
    }
    const world = new World({ actions: [Good, Follower], logger: silentLogger });
    expect(world).toBeInstanceOf(World);
  });
});
