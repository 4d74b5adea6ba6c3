/**
 * Bad arguments to `world.delay` and `world.chain` reject with a FlowlineError that names what was
 * wrong, and store nothing.
 */
import { describe, expect, it } from 'vitest';
import type { DelayOptions, ErrorCode, World } from '../../src/index.js';
import { Action, MemoryAdapter, World as WorldClass, silentLogger } from '../../src/index.js';
import { ManagedClock } from '../../src/testing/managed-clock.js';
import { expectFlowlineError, rejectionOf, thrownBy, withWorld } from '../helpers/world.js';

class Remind extends Action<{ who: string }> {
  override plan(who: string) {
    this.planSelf({ who });
  }
  run() {}
}

class Pair extends Action<{ first: string; second: string }> {
  override plan(first = 'one', second = 'two') {
    this.planSelf({ first, second });
  }
  run() {}
}

class Unregistered extends Action {
  run() {}
}

const FAR = '9999-12-31T23:59:59.999Z';

async function expectNothingStored(world: World, adapter: MemoryAdapter): Promise<void> {
  expect(await world.executionPlans()).toEqual([]);
  expect(await adapter.findDueDelayedPlans(FAR)).toEqual([]);
}

async function expectRejected(
  world: World,
  adapter: MemoryAdapter,
  promise: Promise<unknown>,
  code: ErrorCode,
  message: RegExp,
): Promise<void> {
  const error = expectFlowlineError(await rejectionOf(promise), code);
  expect(error.message).toMatch(message);
  await expectNothingStored(world, adapter);
}

describe('world.delay arguments', () => {
  const clock = new ManagedClock(Date.UTC(2026, 0, 1));
  const now = clock.now();

  it.each<[string, unknown, RegExp]>([
    ['a word', 'tomorrow', /startAt must be a valid Date.*got "tomorrow"/],
    ['an invalid Date', new Date(Number.NaN), /startAt .* got an invalid Date/],
    ['NaN', Number.NaN, /startAt .* got NaN/],
    ['Infinity', Number.POSITIVE_INFINITY, /startAt .* got Infinity/],
    ['an ISO time without zone', '2026-01-01T10:00:00', /startAt .*time zone/],
    ['a year beyond 9999', Date.UTC(10_000, 0, 1), /startAt .*9999/],
    ['missing', undefined, /startAt .* got nothing \(undefined\)/],
    ['an object', { at: 5 }, /startAt .* got an object/],
  ])('startAt as %s → INVALID_ARGUMENT naming startAt', async (_label, startAt, message) => {
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, clock, actions: [Remind], logger: silentLogger }, async (world) => {
      await expectRejected(
        world,
        adapter,
        world.delay(Remind, { startAt } as unknown as DelayOptions, 'ada'),
        'INVALID_ARGUMENT',
        message,
      );
    });
  });

  it('startBefore must be a time after startAt', async () => {
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, clock, actions: [Remind], logger: silentLogger }, async (world) => {
      await expectRejected(
        world,
        adapter,
        world.delay(Remind, { startAt: now + 1000, startBefore: now + 500 }, 'ada'),
        'INVALID_ARGUMENT',
        /startBefore \(2026-01-01T00:00:00\.500Z\) must be after startAt \(2026-01-01T00:00:01\.000Z\)/,
      );
      await expectRejected(
        world,
        adapter,
        world.delay(Remind, { startAt: now, startBefore: new Date(now) }, 'ada'),
        'INVALID_ARGUMENT',
        /startBefore .* must be after startAt/,
      );
      await expectRejected(
        world,
        adapter,
        world.delay(Remind, { startAt: now, startBefore: 'soon' }, 'ada'),
        'INVALID_ARGUMENT',
        /startBefore must be a valid Date/,
      );
    });
  });

  it('the options must be an object', async () => {
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, clock, actions: [Remind], logger: silentLogger }, async (world) => {
      await expectRejected(
        world,
        adapter,
        world.delay(Remind, now as unknown as DelayOptions, 'ada'),
        'INVALID_ARGUMENT',
        /second argument must be an object \{ startAt, startBefore\? \}, got 1767225600000/,
      );
    });
  });

  it('an unregistered class and arguments that are not JSON are refused', async () => {
    const adapter = new MemoryAdapter();
    await withWorld(
      { adapter, clock, actions: [Remind, Pair], logger: silentLogger },
      async (world) => {
        await expectRejected(
          world,
          adapter,
          world.delay(Unregistered, { startAt: now }),
          'ACTION_NOT_REGISTERED',
          /Unregistered is not registered/,
        );
        await expectRejected(
          world,
          adapter,
          world.delay(Remind, { startAt: now }, (() => 'ada') as unknown as string),
          'UNSERIALIZABLE_VALUE',
          /argument 1 of Remind: a function is not JSON-serializable/,
        );
        await expectRejected(
          world,
          adapter,
          world.delay(Pair, { startAt: now }, undefined, 'second'),
          'UNSERIALIZABLE_VALUE',
          /argument 1 of Pair: undefined cannot be stored .* pass null instead/,
        );
      },
    );
  });

  it('accepts a Date, an ISO string and epoch milliseconds alike', async () => {
    const adapter = new MemoryAdapter();
    await withWorld(
      { adapter, clock, actions: [Remind], executor: false, logger: silentLogger },
      async (world) => {
        const at = now + 90_000;
        const forms: DelayOptions['startAt'][] = [
          new Date(at),
          new Date(at).toISOString(),
          '2026-01-01T01:01:30+01:00',
          at,
        ];
        for (const startAt of forms) {
          const plan = await world.delay(Remind, { startAt }, 'ada');
          expect((await adapter.loadDelayedPlan(plan.id))?.startAt).toBe(
            '2026-01-01T00:01:30.000Z',
          );
        }
        const dayOnly = await world.delay(Remind, { startAt: '2026-02-01' }, 'ada');
        expect((await adapter.loadDelayedPlan(dayOnly.id))?.startAt).toBe(
          '2026-02-01T00:00:00.000Z',
        );
      },
    );
  });

  it('needs a started world', async () => {
    const world = new WorldClass({ actions: [Remind], logger: silentLogger });
    expectFlowlineError(
      await rejectionOf(world.delay(Remind, { startAt: Date.now() }, 'ada')),
      'WORLD_NOT_STARTED',
    );
  });

  it('the poll interval option must be a positive number', () => {
    const error = expectFlowlineError(
      thrownBy(() => new WorldClass({ schedulerPollIntervalMs: 0 })),
      'INVALID_ARGUMENT',
    );
    expect(error.message).toMatch(/schedulerPollIntervalMs must be a positive number/);
  });
});

describe('world.chain arguments', () => {
  it('an unknown prerequisite → PLAN_NOT_FOUND naming it; nothing stored', async () => {
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, actions: [Remind], logger: silentLogger }, async (world) => {
      const missing = '6f1c1b52-0000-4000-8000-000000000000';
      const error = expectFlowlineError(
        await rejectionOf(world.chain([missing], Remind, 'ada')),
        'PLAN_NOT_FOUND',
      );
      expect(error.message).toContain(`prerequisite plan ${missing} does not exist`);
      expect(error.planId).toBe(missing);
      await expectNothingStored(world, adapter);
      expect(await adapter.findDependencies(missing)).toEqual([]);
    });
  });

  it('a mix of known and unknown prerequisites stores nothing', async () => {
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, actions: [Remind], logger: silentLogger }, async (world) => {
      const known = await world.trigger(Remind, 'ada').finished;
      expectFlowlineError(
        await rejectionOf(world.chain([known.id, 'nope'], Remind, 'bob')),
        'PLAN_NOT_FOUND',
      );
      expect((await world.executionPlans()).map((p) => p.id)).toEqual([known.id]);
      expect(await adapter.findDependents(known.id)).toEqual([]);
    });
  });

  it('bad ids, an unregistered class and non-JSON arguments are refused', async () => {
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, actions: [Remind], logger: silentLogger }, async (world) => {
      const known = await world.trigger(Remind, 'ada').finished;
      const only = [known.id];
      for (const [call, code, message] of [
        [
          () => world.chain(42 as unknown as string[], Remind, 'x'),
          'INVALID_ARGUMENT',
          /prerequisiteIds must be a plan id or an array of plan ids/,
        ],
        [
          () => world.chain([known.id, ''], Remind, 'x'),
          'INVALID_ARGUMENT',
          /prerequisite 2 must be a plan id/,
        ],
        [() => world.chain(only, Unregistered), 'ACTION_NOT_REGISTERED', /Unregistered/],
        [
          () => world.chain(only, Remind, 10n as unknown as string),
          'UNSERIALIZABLE_VALUE',
          /argument 1 of Remind/,
        ],
      ] as const) {
        const error = expectFlowlineError(await rejectionOf(call()), code);
        expect(error.message).toMatch(message);
      }
      expect((await world.executionPlans()).map((p) => p.id)).toEqual([known.id]);
      expect(await adapter.findDueDelayedPlans(FAR)).toEqual([]);
    });
  });

  it('stores a scheduled plan with its prerequisites in one write', async () => {
    const adapter = new MemoryAdapter();
    const clock = new ManagedClock();
    await withWorld(
      { adapter, clock, actions: [Remind], executor: false, logger: silentLogger },
      async (world) => {
        const a = await world.plan(Remind, 'a');
        const b = await world.plan(Remind, 'b');
        const chained = await world.chain([a.id, b.id], Remind, 'c');
        expect(chained.state).toBe('scheduled');
        expect(await adapter.findDependencies(chained.id)).toEqual([a.id, b.id]);
        expect(await adapter.loadDelayedPlan(chained.id)).toEqual({
          planId: chained.id,
          startAt: new Date(clock.now()).toISOString(),
          args: ['c'],
          frozen: false,
        });
      },
    );
  });
});
