/**
 * Property: `world.send` given a malformed plan id, message name or payload rejects with the
 * documented code (`INVALID_ARGUMENT`, `UNSERIALIZABLE_VALUE`, `PLAN_NOT_FOUND`) and keeps nothing:
 * the step waiting by name then gets the first good message, not a refused one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue, MessageEnvelope } from '../../src/persistence/index.js';
import { Action, FlowlineError, MemoryAdapter, silentLogger } from '../../src/index.js';
import { checkSuspendOptions } from '../../src/action/wait-for.js';
import { storableText } from '../../src/errors.js';
import { nextEvent, withWorld } from '../helpers/world.js';

/** Counts the messages it is asked to keep. */
class CountingAdapter extends MemoryAdapter {
  kept = 0;
  override enqueueMessage(message: MessageEnvelope): Promise<void> {
    this.kept++;
    return super.enqueueMessage(message);
  }
}

class AwaitNotice extends Action<object, { got?: JsonValue }> {
  run(event?: JsonValue) {
    if (event === undefined) this.suspend({ waitFor: 'carrier.shipped' });
    this.output.got = event;
  }
}

/** Names no store can keep, or that are out of bounds, and values that are not names. */
const badName: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('', '\u0000', 'carrier\u0000shipped', '\uD800', 'x\uDFFF', 'a'.repeat(257)),
  fc.string({ minLength: 257, maxLength: 300 }),
  fc.string({ maxLength: 8 }).map((s) => `${s}\uD83D`),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object()),
);

/** Payloads that are not plain data. */
const badPayload: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Infinity,
    undefined,
    () => 1,
    Symbol('s'),
    10n,
    new Map(),
    new (class Point {
      x = 1;
    })(),
    'a\u0000b',
    { nested: '\uDC00' },
  ),
);

/** Plan ids that are not ids, and ids of no plan. */
const badPlanId: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('', '\u0000', 'x\uD800'),
  fc.oneof(fc.integer(), fc.constant(null), fc.constant(undefined), fc.array(fc.string())),
  fc.uuid(),
);

async function rejection(run: () => Promise<unknown>): Promise<FlowlineError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    return error as FlowlineError;
  }
  throw new Error('expected a rejection');
}

describe('world.send with malformed arguments', () => {
  it('refuses bad names, payloads and plan ids with their codes, and keeps nothing', async () => {
    const adapter = new CountingAdapter();
    await withWorld({ adapter, actions: [AwaitNotice], logger: silentLogger }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(AwaitNotice);
      await suspended;
      const send = world.send.bind(world) as (...args: unknown[]) => Promise<void>;

      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            badName.map((name) => ({
              planId: triggered.id,
              name,
              payload: 1,
              code: 'INVALID_ARGUMENT',
            })),
            badPayload.map((payload) => ({
              planId: triggered.id,
              name: 'carrier.shipped',
              payload,
              code: 'UNSERIALIZABLE_VALUE',
            })),
            badPlanId.map((planId) => ({
              planId,
              name: 'carrier.shipped',
              payload: 1,
              code:
                typeof planId === 'string' && planId.length === 36
                  ? 'PLAN_NOT_FOUND'
                  : 'INVALID_ARGUMENT',
            })),
          ),
          async ({ planId, name, payload, code }) => {
            const error = await rejection(() => send(planId, name, payload));
            expect(error.code).toBe(code);
            expect(adapter.kept).toBe(0);
          },
        ),
        { numRuns: 150 },
      );

      await world.send(triggered.id, 'carrier.shipped', 'the first good one');
      const plan = await triggered.finished;
      expect(plan.actions[0]?.output).toEqual({ got: 'the first good one' });
      expect(adapter.kept).toBe(1);
    });
  });

  it('suspend options: anything but { waitFor: a good name, timeoutMs?: 0..100 years } is INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ maxDepth: 2 }),
          fc.record({ waitFor: badName }),
          fc.record({
            waitFor: fc.constant('carrier.shipped'),
            timeoutMs: fc.oneof(
              fc.constantFrom(-1, Number.NaN, Infinity, 1e15, '5000', null),
              fc.double({ max: -Number.MIN_VALUE }),
            ),
          }),
        ),
        (options) => {
          let accepted = true;
          try {
            checkSuspendOptions(options, 'test');
          } catch (error) {
            accepted = false;
            expect(error).toBeInstanceOf(FlowlineError);
            expect((error as FlowlineError).code).toBe('INVALID_ARGUMENT');
          }
          const good =
            typeof options === 'object' &&
            options !== null &&
            typeof (options as { waitFor?: unknown }).waitFor === 'string' &&
            (options as { waitFor: string }).waitFor.length <= 256 &&
            (options as { waitFor: string }).waitFor !== '' &&
            storableText((options as { waitFor: string }).waitFor) ===
              (options as { waitFor: string }).waitFor &&
            ((options as { timeoutMs?: unknown }).timeoutMs === undefined ||
              ((options as { timeoutMs: unknown }).timeoutMs as number) >= 0);
          if (!good) expect(accepted).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
