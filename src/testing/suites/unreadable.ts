import { expect } from '../vitest.js';
import type { PersistenceAdapter } from '../../persistence/adapter.js';
import type { JsonValue, PlanRecord } from '../../plan/records.js';
import { fixtureBatch, makePlanRecord, makeSmallPlan, makeStepRecord } from '../fixtures.js';
import type { ConformanceHarness } from './harness.js';
import { rejectionOf } from './harness.js';

const T = '2024-09-01T00:00:00.000Z';

/**
 * Asserts the rejection of a plan that cannot be read: an `Error` whose `code` is `INVALID_PLAN`,
 * whose `planId` is the plan, and whose message names the plan and `record`.
 */
function expectInvalidPlan(error: unknown, planId: string, record: string, what: string): void {
  expect(error, `${what}: must reject with an Error`).toBeInstanceOf(Error);
  const {
    code,
    planId: named,
    message,
  } = error as {
    code?: unknown;
    planId?: unknown;
    message: string;
  };
  expect(code, `${what}: must reject with code INVALID_PLAN (got ${String(error)})`).toBe(
    'INVALID_PLAN',
  );
  expect(named, `${what}: the error's planId`).toBe(planId);
  expect(message, `${what}: the message must name the plan`).toContain(`plan ${planId}`);
  expect(message, `${what}: the message must name the record`).toContain(record);
}

/** A record as the engine would never write it: the stores keep records as they are given. */
function damaged<T>(record: T, fields: Record<string, JsonValue | undefined>): T {
  return { ...record, ...fields };
}

/** A plan record whose flows name no step: it loads on its own. */
function noSteps(): Partial<PlanRecord> {
  return { runFlow: { type: 'concurrence', flows: [] } };
}

async function writeSmallPlan(adapter: PersistenceAdapter, planId: string): Promise<void> {
  await adapter.write(fixtureBatch(makeSmallPlan(planId)));
}

/** Registers the `unreadableRecords` group. */
export function registerUnreadableRecordTests(harness: ConformanceHarness): void {
  harness.group('unreadableRecords', 'records that cannot be read', (test) => {
    test('loadPlan rejects INVALID_PLAN naming the plan and the record for a step in a state no step has', async (adapter) => {
      await writeSmallPlan(adapter, 'plan-bogus');
      const step = damaged(makeStepRecord(2), { state: 'bogus' });
      await adapter.write({ steps: [{ planId: 'plan-bogus', record: step }] });
      expectInvalidPlan(
        await rejectionOf('loadPlan of a plan with a bogus step state', () =>
          adapter.loadPlan('plan-bogus'),
        ),
        'plan-bogus',
        'step 2',
        'loadPlan of a plan whose step 2 has state "bogus"',
      );
    });

    test('loadPlan rejects INVALID_PLAN for records that do not fit together', async (adapter) => {
      // The run flow names step 2, which was never written.
      await adapter.write({ plans: [makePlanRecord('plan-dangling')] });
      expectInvalidPlan(
        await rejectionOf('loadPlan of a plan whose flow names a missing step', () =>
          adapter.loadPlan('plan-dangling'),
        ),
        'plan-dangling',
        'step 2',
        'loadPlan of a plan whose run flow names a step that is not stored',
      );
      // Step records must be numbered 1, 2, … in order.
      await writeSmallPlan(adapter, 'plan-gap');
      await adapter.write({
        steps: [{ planId: 'plan-gap', record: makeStepRecord(4) }],
      });
      expectInvalidPlan(
        await rejectionOf('loadPlan of a plan with a gap in its steps', () =>
          adapter.loadPlan('plan-gap'),
        ),
        'plan-gap',
        'step',
        'loadPlan of a plan whose steps are 1, 2 and 4',
      );
    });

    test('findPlans lists a plan whose record cannot be read, marked invalid, and every other plan', async (adapter) => {
      const first = makePlanRecord('plan-first', noSteps());
      const broken = damaged(makePlanRecord('plan-broken'), { history: 'not a list' });
      const last = makePlanRecord('plan-last', { ...noSteps(), label: 'Last' });
      await adapter.write({ plans: [first, broken, last] });
      const listed = await adapter.findPlans();
      expect(
        listed.map((plan) => plan.id),
        'findPlans must list every plan, the unreadable one too, newest first',
      ).toEqual(['plan-last', 'plan-broken', 'plan-first']);
      expect(listed[0], 'a readable record is returned as it is').toEqual(last);
      expect(listed[2], 'a readable record is returned as it is').toEqual(first);
      const marked = listed[1] as PlanRecord;
      expect(marked.invalid?.code, 'the unreadable record is marked invalid: INVALID_PLAN').toBe(
        'INVALID_PLAN',
      );
      expect(marked.invalid?.message, 'the mark names the plan').toContain('plan plan-broken');
      expect(marked, 'what could be read is kept').toMatchObject({
        id: 'plan-broken',
        label: 'Root',
        state: 'planned',
        result: 'pending',
      });
      expect(
        (await adapter.findPlans({ state: 'planned', limit: 1, offset: 1 })).map((plan) => plan.id),
        'filters and paging count the unreadable record like any other',
      ).toEqual(['plan-broken']);
    });

    test('write refuses a plan record marked invalid and writes nothing of the batch', async (adapter) => {
      await adapter.write({
        plans: [damaged(makePlanRecord('plan-marked', noSteps()), { progress: 'x' })],
      });
      const [marked] = await adapter.findPlans();
      expect(marked?.invalid, 'the record is listed marked invalid').toBeDefined();
      const error = await rejectionOf('write of a record marked invalid', () =>
        adapter.write({ plans: [makePlanRecord('plan-other', noSteps()), marked as PlanRecord] }),
      );
      expect((error as { code?: unknown }).code, 'rejects with INVALID_ARGUMENT').toBe(
        'INVALID_ARGUMENT',
      );
      expect(
        (await adapter.findPlans()).map((plan) => plan.id),
        'nothing of the batch was written',
      ).toEqual(['plan-marked']);
    });

    test('takeEvent returns an event that cannot be read marked invalid, then the next one', async (adapter) => {
      const good = { id: 'e-good', planId: 'p1', stepId: 2, payload: { ok: true }, createdAt: T };
      await adapter.enqueueEvent(damaged(good, { id: 'e-bad', payload: undefined }));
      await adapter.enqueueEvent(good);
      const first = await adapter.takeEvent('p1', 2);
      expect(
        first,
        'the unreadable event, with its plan and step and a null payload',
      ).toMatchObject({
        planId: 'p1',
        stepId: 2,
        payload: null,
      });
      expect(first?.invalid?.code, 'marked invalid: INVALID_PLAN').toBe('INVALID_PLAN');
      expect(await adapter.takeEvent('p1', 2), 'then the good event').toEqual(good);
      expect(await adapter.takeEvent('p1', 2), 'then nothing').toBeUndefined();
    });

    test('findWorlds and findLocks list records that cannot be read, marked invalid, with their keys', async (adapter) => {
      await adapter.registerWorld({
        id: 'w-bad',
        host: 'h',
        pid: 'not a pid' as unknown as number,
        executor: true,
        startedAt: T,
        heartbeatAt: T,
      });
      const [world] = await adapter.findWorlds();
      expect(world, 'the world keeps its id and heartbeat').toMatchObject({
        id: 'w-bad',
        heartbeatAt: T,
      });
      expect(world?.invalid, 'the world record is marked invalid').toBeDefined();
      await adapter.acquireLock({
        key: 'k-bad',
        ownerId: 'w-bad',
        acquiredAt: 7 as unknown as string,
      });
      const [lock] = await adapter.findLocks('w-bad');
      expect(lock, 'the lock keeps its key and owner').toMatchObject({
        key: 'k-bad',
        ownerId: 'w-bad',
      });
      expect(lock?.invalid, 'the lock record is marked invalid').toBeDefined();
      await adapter.unregisterWorld('w-bad');
      expect(await adapter.findLocks('w-bad'), 'its locks go with it').toEqual([]);
    });

    test('a delayed-plan record that cannot be read: loadDelayedPlan rejects, findDueDelayedPlans marks it', async (adapter) => {
      const scheduled = makePlanRecord('d-bad', { ...noSteps(), state: 'scheduled' });
      await adapter.write({
        plans: [scheduled],
        delayedPlans: [
          damaged({ planId: 'd-bad', startAt: T, args: [], frozen: false }, { args: 'x' }),
        ],
      });
      expectInvalidPlan(
        await rejectionOf('loadDelayedPlan of an unreadable record', () =>
          adapter.loadDelayedPlan('d-bad'),
        ),
        'd-bad',
        'delayed-plan record',
        'loadDelayedPlan of a record whose args are no list',
      );
      const [due] = await adapter.findDueDelayedPlans('2999-01-01T00:00:00.000Z');
      expect(due, 'listed with its plan and start time').toMatchObject({
        planId: 'd-bad',
        startAt: T,
      });
      expect(due?.invalid?.code, 'marked invalid: INVALID_PLAN').toBe('INVALID_PLAN');
    });

    test('loadLogs replaces a line that cannot be read by an error line, and keeps the others', async (adapter) => {
      const line = (message: string) => ({
        planId: 'p1',
        stepId: 2,
        at: T,
        level: 'info' as const,
        message,
      });
      await adapter.appendLogs([
        line('first'),
        damaged(line('bad'), { level: 'loud' }),
        line('last'),
      ]);
      const lines = await adapter.loadLogs('p1', 2);
      expect(lines.map((l) => l.message).slice(0, 1), 'the first line').toEqual(['first']);
      expect(lines[2], 'the last line').toEqual(line('last'));
      expect(lines[1], 'an error line in place of the unreadable one').toMatchObject({
        planId: 'p1',
        stepId: 2,
        level: 'error',
      });
    });
  });
}
