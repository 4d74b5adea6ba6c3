/**
 * Property: every World API call, given arbitrary arguments (anything at all, odd strings, deep
 * values, class instances, wrong types, and real ids now and then), either works as documented or
 * throws/rejects a FlowlineError with a code documented for it — never a raw error, never a hang —
 * and a trigger, plan, delay or chain that is refused stores nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type {
  ErrorCode,
  ExecutionPlan,
  JsonValue,
  PersistenceAdapter,
  World,
} from '../../src/index.js';
import { Action, FlowlineError, MemoryAdapter, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import type { HostileThrow } from '../helpers/hostile-values.js';
import { hostileThrows } from '../helpers/hostile-values.js';
import { useTestDatabase } from '../helpers/postgres.js';
import { nextEvent, withWorld } from '../helpers/world.js';

/** Takes any arguments; plans itself with them (planning refuses what is not data). */
class Echo extends Action {
  override plan(...args: unknown[]): void {
    this.planSelf({ args });
  }
  run(): void {}
}

/** Fails until told otherwise: its plans pause, for resume, rollback and skipStep. */
let echoFails = true;
class Fails extends Action {
  run(): void {
    if (echoFails) throw new Error('failing on purpose');
  }
}

/** Suspends until an event: its plans stay running, for event, pause, halt and cancel. */
class Waits extends Action {
  run(event?: JsonValue): void {
    if (event === undefined) this.suspend();
  }
}

class NotRegistered extends Action {
  run(): void {}
}

const actions = [Echo, Fails, Waits];

/** The codes each call may reject with (anything else, or a non-FlowlineError, fails). */
const documented: Record<string, readonly ErrorCode[]> = {
  trigger: ['ACTION_NOT_REGISTERED', 'UNSERIALIZABLE_VALUE', 'INVALID_ARGUMENT'],
  plan: ['ACTION_NOT_REGISTERED', 'UNSERIALIZABLE_VALUE', 'INVALID_ARGUMENT'],
  delay: ['ACTION_NOT_REGISTERED', 'UNSERIALIZABLE_VALUE', 'INVALID_ARGUMENT'],
  chain: ['ACTION_NOT_REGISTERED', 'UNSERIALIZABLE_VALUE', 'INVALID_ARGUMENT', 'PLAN_NOT_FOUND'],
  event: [
    'INVALID_ARGUMENT',
    'UNSERIALIZABLE_VALUE',
    'PLAN_NOT_FOUND',
    'STEP_NOT_FOUND',
    'STEP_NOT_SUSPENDED',
  ],
  send: ['INVALID_ARGUMENT', 'UNSERIALIZABLE_VALUE', 'PLAN_NOT_FOUND', 'STEP_NOT_SUSPENDED'],
  executionPlans: ['INVALID_ARGUMENT'],
  executionPlan: ['INVALID_ARGUMENT'],
  cancel: ['INVALID_ARGUMENT', 'PLAN_NOT_FOUND', 'INVALID_PLAN_STATE'],
  halt: ['INVALID_ARGUMENT', 'PLAN_NOT_FOUND', 'INVALID_PLAN_STATE'],
  pause: ['INVALID_ARGUMENT', 'PLAN_NOT_FOUND', 'INVALID_PLAN_STATE'],
  resume: ['INVALID_ARGUMENT', 'PLAN_NOT_FOUND', 'INVALID_PLAN_STATE'],
  rollback: ['INVALID_ARGUMENT', 'PLAN_NOT_FOUND', 'INVALID_PLAN_STATE'],
  skipStep: [
    'INVALID_ARGUMENT',
    'PLAN_NOT_FOUND',
    'STEP_NOT_FOUND',
    'STEP_NOT_FAILED',
    'INVALID_PLAN_STATE',
  ],
  subPlans: ['INVALID_ARGUMENT', 'PLAN_NOT_FOUND', 'STEP_NOT_FOUND'],
  stepLog: ['INVALID_ARGUMENT', 'PLAN_NOT_FOUND', 'STEP_NOT_FOUND'],
};

/** An object nested `levels` deep. */
function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < levels; level++) value = { a: value };
  return value;
}

/** Strings PostgreSQL cannot keep, and other awkward ones. */
const oddString = fc.oneof(
  fc.constantFrom('', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFF', '__proto__', '$flowlineRef', ' '),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

/** Values no plain-data check should let through, and some it should. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...hostileThrows).map((hostile) => new HostileArgument(hostile)),
  fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true }),
  oddString,
  fc.constantFrom(257, 300, 100_000).map(nested),
  fc.constantFrom(
    new Date(Number.NaN),
    Buffer.from('x'),
    new Uint8Array(1),
    new (class Point {
      x = 1;
    })(),
    JSON.parse('{"__proto__":{"admin":true}}') as unknown,
    // eslint-disable-next-line no-sparse-arrays -- a hole is the point
    [1, , 2],
    { toJSON: () => 'x' },
    Symbol('s'),
    () => 1,
    Number.NaN,
    -0,
    null,
    undefined,
  ),
);

const knownPlans = new WeakSet<object>();
const hostileArguments = new WeakSet<object>();

/**
 * Stands for a value that throws when looked at (a revoked Proxy, …), made only when the call is:
 * fast-check itself cannot hold such values.
 */
class HostileArgument {
  constructor(readonly hostile: HostileThrow) {
    hostileArguments.add(this);
  }
  [fc.toStringMethod](): string {
    return `<${this.hostile.name}>`;
  }
}
/** The lists of ids the generator made (chain prerequisites), in which known plans are resolved. */
const generatedLists = new WeakSet<object>();

/**
 * Names one of the plans kept in {@link Pool} (done, paused, suspended), resolved when the call is
 * made: calls change those plans, and the pool replaces them.
 */
class KnownPlan {
  constructor(readonly index: number) {
    knownPlans.add(this);
  }
  [fc.toStringMethod](): string {
    return `<${['done', 'paused', 'suspended'][this.index] ?? '?'} plan>`;
  }
}

/** A plan that stopped, one paused on a failed step, one running with a suspended step. */
class Pool {
  readonly ids: string[] = [];
  /** The suspended step's id and a handle that sends it an event. */
  suspendedStep = 0;

  constructor(private readonly world: World) {}

  /** Makes sure the three plans are as described, replacing those that calls moved on. */
  async refresh(): Promise<void> {
    const world = this.world;
    const [done, paused, suspended] = await Promise.all(
      this.ids.map((id) => world.executionPlan(id)),
    );
    if (done?.state !== 'stopped') this.ids[0] = (await world.trigger(Echo, { a: 1 }).finished).id;
    if (paused?.state !== 'paused') {
      echoFails = true;
      this.ids[1] = (await world.trigger(Fails).finished).id;
    }
    const waiting = suspended?.steps.some((step) => step.state === 'suspended') === true;
    if (suspended?.state !== 'running' || !waiting) {
      const suspension = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      this.ids[2] = world.trigger(Waits).id;
      this.suspendedStep = (await suspension).stepId;
    }
  }

  /**
   * An argument with the known plans it names replaced by their ids. Looks into nothing else: the
   * other values may be proxies whose every trap throws.
   */
  resolve(value: unknown): unknown {
    if (knownPlans.has(value as object)) return this.ids[(value as KnownPlan).index];
    if (hostileArguments.has(value as object)) return (value as HostileArgument).hostile.make();
    if (!generatedLists.has(value as object)) return value;
    return (value as unknown[]).map((item) => this.resolve(item));
  }
}

function idArbitrary(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 }).map((index) => new KnownPlan(index)) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: oddString },
    { weight: 2, arbitrary: oddValue },
  );
}

function stepIdArbitrary(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(1, 2) },
    { weight: 1, arbitrary: fc.integer({ min: -2, max: 5 }) },
    { weight: 2, arbitrary: oddValue },
  );
}

const actionArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(Echo, Fails) },
  { weight: 1, arbitrary: fc.constant<unknown>(NotRegistered) },
  { weight: 1, arbitrary: oddValue },
);

const argsArbitrary = fc.array(oddValue, { maxLength: 3 }).map((list) => {
  generatedLists.add(list);
  return list;
});

const filterArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  oddValue,
  fc.record(
    {
      state: fc.oneof(fc.constantFrom('running', 'paused', 'stopped', 'bogus'), oddValue),
      result: fc.oneof(fc.constantFrom('success', 'error'), oddValue),
      label: fc.oneof(fc.constantFrom('Echo'), oddValue),
      limit: fc.oneof(fc.integer({ min: -1, max: 5 }), oddValue),
      offset: fc.oneof(fc.integer({ min: -1, max: 5 }), oddValue),
      parent: oddValue,
    },
    { requiredKeys: [] },
  ),
);

const delayOptionsArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  oddValue,
  fc.record(
    {
      startAt: fc.oneof(
        fc.constantFrom<unknown>(Date.now() + 3_600_000, '2999-01-01T00:00:00Z'),
        oddValue,
      ),
      startBefore: oddValue,
    },
    { requiredKeys: ['startAt'] },
  ),
);

/** Arguments as fast-check prints them, cut short (a value 100 000 levels deep cannot be). */
function printable(values: unknown[]): string {
  let text: string;
  try {
    text = fc.stringify(values);
  } catch {
    return '(too deep to print)';
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** One World API call with generated arguments. */
type Call = {
  readonly method: string;
  readonly label: string;
  readonly run: (world: World, pool: Pool) => unknown;
  /** The plan ids the call names, once resolved. */
  readonly names: (pool: Pool) => unknown[];
};

function callArbitrary(): fc.Arbitrary<Call> {
  const id = idArbitrary();
  const stepId = stepIdArbitrary();
  const call = <T extends unknown[]>(
    method: string,
    args: fc.Arbitrary<T>,
    run: (world: World, ...args: T) => unknown,
  ): fc.Arbitrary<Call> =>
    args.map((values) => {
      const label = `${method}(${printable(values)})`;
      return {
        method,
        label,
        run: (world: World, pool: Pool) => run(world, ...(values.map((v) => pool.resolve(v)) as T)),
        names: (pool: Pool) => values.map((v) => pool.resolve(v)),
        toString: () => label,
        [fc.toStringMethod]: () => label,
      };
    });
  type AnyWorld = Record<string, (...args: unknown[]) => unknown>;
  const raw = (world: World): AnyWorld => world as unknown as AnyWorld;
  return fc.oneof(
    call('trigger', fc.tuple(actionArbitrary, argsArbitrary), (w, cls, args) =>
      raw(w).trigger?.(cls, ...args),
    ),
    call('plan', fc.tuple(actionArbitrary, argsArbitrary), (w, cls, args) =>
      raw(w).plan?.(cls, ...args),
    ),
    call('delay', fc.tuple(actionArbitrary, delayOptionsArbitrary, argsArbitrary), (w, c, o, a) =>
      raw(w).delay?.(c, o, ...a),
    ),
    call(
      'chain',
      fc.tuple(
        fc.oneof(
          id,
          fc.array(id, { maxLength: 3 }).map((list) => {
            generatedLists.add(list);
            return list;
          }),
        ),
        actionArbitrary,
        argsArbitrary,
      ),
      (w, ids, cls, args) => raw(w).chain?.(ids, cls, ...args),
    ),
    call('event', fc.tuple(id, stepId, oddValue), (w, i, s, p) => raw(w).event?.(i, s, p)),
    call(
      'send',
      fc.tuple(id, fc.oneof(fc.constant('carrier.shipped'), oddString, oddValue), oddValue),
      (w, i, n, p) => raw(w).send?.(i, n, p),
    ),
    call('executionPlans', fc.tuple(filterArbitrary), (w, f) => raw(w).executionPlans?.(f)),
    call('executionPlan', fc.tuple(id), (w, i) => raw(w).executionPlan?.(i)),
    call('cancel', fc.tuple(id, oddValue), (w, i, o) => raw(w).cancel?.(i, o)),
    call('halt', fc.tuple(id), (w, i) => raw(w).halt?.(i)),
    call('pause', fc.tuple(id), (w, i) => raw(w).pause?.(i)),
    call('resume', fc.tuple(id), (w, i) => raw(w).resume?.(i)),
    call('rollback', fc.tuple(id), (w, i) => raw(w).rollback?.(i)),
    call('skipStep', fc.tuple(id, stepId), (w, i, s) => raw(w).skipStep?.(i, s)),
    call('subPlans', fc.tuple(id, fc.oneof(fc.constant(undefined), stepId)), (w, i, s) =>
      raw(w).subPlans?.(i, s),
    ),
    call('stepLog', fc.tuple(id, fc.oneof(fc.constant(undefined), stepId)), (w, i, s) =>
      raw(w).stepLog?.(i, s),
    ),
  );
}

/** A call that has not settled within this bound (on the wall clock) counts as a hang. */
const HANG_MS = 5_000;

/** How a call ended: its value, or what it threw or rejected with. */
type Settled =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

async function settle(call: Call, world: World, pool: Pool): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${call.label} did not settle within ${HANG_MS} ms`));
    }, HANG_MS);
  });
  try {
    const running = Promise.resolve().then(() => call.run(world, pool));
    // Resuming the plan whose step waits for an event waits for that event, as documented.
    if (call.method === 'resume' && call.names(pool)[0] === pool.ids[2]) {
      running.catch(() => {});
      await world.event(pool.ids[2] as string, pool.suspendedStep, 'wake up');
    }
    const value = await Promise.race([running, hang]);
    // What trigger returns settles later: both of its promises must settle too.
    if (call.method === 'trigger') {
      const triggered = value as {
        planned: Promise<ExecutionPlan>;
        finished: Promise<ExecutionPlan>;
      };
      await Promise.race([triggered.planned, hang]);
      await Promise.race([triggered.finished, hang]);
    }
    return { ok: true, value };
  } catch (error) {
    if (error instanceof Error && error.message.includes('did not settle within')) throw error;
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks what a successful call returned against what its documentation says. */
function expectDocumentedResult(method: string, value: unknown): void {
  switch (method) {
    case 'trigger':
      expect(typeof (value as { id: unknown }).id).toBe('string');
      break;
    case 'plan':
    case 'delay':
    case 'chain':
    case 'resume':
    case 'rollback':
      expect(typeof (value as ExecutionPlan).id).toBe('string');
      break;
    case 'executionPlan':
      if (value !== undefined) expect(typeof (value as ExecutionPlan).id).toBe('string');
      break;
    case 'executionPlans':
    case 'subPlans':
    case 'stepLog':
      expect(Array.isArray(value)).toBe(true);
      break;
    default:
      expect(value).toBeUndefined();
  }
}

const storing = new Set(['trigger', 'plan', 'delay', 'chain']);

async function checkApi(world: World, numRuns: number, seedValue: number): Promise<void> {
  const pool = new Pool(world);
  await fc.assert(
    fc.asyncProperty(callArbitrary(), async (call) => {
      await pool.refresh();
      const before = storing.has(call.method) ? (await world.executionPlans()).length : 0;
      const settled = await settle(call, world, pool);
      if (settled.ok) {
        expectDocumentedResult(call.method, settled.value);
        return;
      }
      const error = settled.error;
      expect(error, `${call.label} threw ${String(error)}`).toBeInstanceOf(FlowlineError);
      expect(documented[call.method], `${call.label}: ${(error as Error).message}`).toContain(
        (error as FlowlineError).code,
      );
      if (storing.has(call.method)) {
        expect((await world.executionPlans()).length, `${call.label} stored a plan`).toBe(before);
      }
    }),
    { numRuns, seed: seedValue, endOnFailure: true },
  );
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('World API arguments', () => {
  it('memory: every call works as documented or is refused with a documented code', async () => {
    await withWorld({ adapter: new MemoryAdapter(), actions, logger: silentLogger }, (world) =>
      checkApi(world, 1500, 11),
    );
  }, 120_000);

  it('SQLite file: the same, fewer runs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-api-'));
    dirs.push(dir);
    const adapter: PersistenceAdapter = new SqliteAdapter({ filename: path.join(dir, 'f.db') });
    await withWorld({ adapter, actions, logger: silentLogger }, (world) =>
      checkApi(world, 300, 12),
    );
  }, 120_000);

  describe('PostgreSQL', () => {
    const db = useTestDatabase();
    it('the same, fewer runs', async () => {
      await withWorld({ adapter: db.freshAdapter(), actions, logger: silentLogger }, (world) =>
        checkApi(world, 300, 13),
      );
    }, 120_000);
  });
});
