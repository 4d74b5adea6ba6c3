/**
 * The timers behind `planEvent`: armed once a call has suspended, each sent at its due time on the
 * clock, and cleared when the step ends, the world closes or the plan is halted.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/index.js';
import { armPlannedEvents, disarmPlannedEvents } from '../../src/executor/planned-events.js';
import { ManagedClock } from '../../src/testing/index.js';

function target(planId = 'plan-1', stepId = 2) {
  const clock = new ManagedClock();
  const sent: { payload: JsonValue; at: number }[] = [];
  const closing = new AbortController();
  const halted = new AbortController();
  const start = clock.now();
  return {
    sent,
    closing,
    halted,
    start,
    clock,
    target: {
      planId,
      stepId,
      clock,
      closing: closing.signal,
      halted: halted.signal,
      sendEvent: (payload: JsonValue) => {
        sent.push({ payload, at: clock.now() - start });
        return Promise.resolve();
      },
    },
  };
}

describe('planned events', () => {
  it('sends each event at its due time, measured from when it was planned', async () => {
    const t = target();
    // Planned at the start, armed 300 ms later (the call took that long): still due at 1000.
    const events = [
      { payload: 'b', due: t.start + 2000 },
      { payload: 'a', due: t.start + 1000 },
    ];
    await t.clock.advance(300);
    armPlannedEvents(t.target, events);
    await t.clock.advance(699);
    expect(t.sent).toEqual([]);
    await t.clock.advance(2000);
    expect(t.sent).toEqual([
      { payload: 'a', at: 1000 },
      { payload: 'b', at: 2000 },
    ]);
    expect(t.clock.pending).toBe(0);
  });

  it('an event already due is sent at once', async () => {
    const t = target();
    await t.clock.advance(50);
    armPlannedEvents(t.target, [{ payload: 'late', due: t.start }]);
    await t.clock.advance(0);
    expect(t.sent).toEqual([{ payload: 'late', at: 50 }]);
  });

  it('disarming a step clears its timers, and only its own', async () => {
    const t = target('plan-1', 2);
    const other = { ...t.target, stepId: 3 };
    armPlannedEvents(t.target, [{ payload: 'mine', due: t.start + 100 }]);
    armPlannedEvents(other, [{ payload: 'other', due: t.start + 100 }]);
    disarmPlannedEvents('plan-1', 2);
    disarmPlannedEvents('plan-1', 2);
    await t.clock.advance(100);
    expect(t.sent.map((s) => s.payload)).toEqual(['other']);
  });

  it('the world closing or the plan halting clears the timers', async () => {
    for (const signal of ['closing', 'halted'] as const) {
      const t = target();
      armPlannedEvents(t.target, [{ payload: 'x', due: t.start + 100 }]);
      expect(t.clock.pending).toBe(1);
      t[signal].abort();
      expect(t.clock.pending).toBe(0);
      await t.clock.advance(1000);
      expect(t.sent).toEqual([]);
    }
  });

  it('nothing is armed for a world already closing', () => {
    const t = target();
    t.closing.abort();
    armPlannedEvents(t.target, [{ payload: 'x', due: t.start + 100 }]);
    expect(t.clock.pending).toBe(0);
  });

  it('an event the world refuses (the step moved on) is dropped quietly', async () => {
    const t = target();
    let refused = 0;
    armPlannedEvents(
      { ...t.target, sendEvent: () => Promise.reject(new Error(`no ${++refused}`)) },
      [{ payload: 'x', due: t.start + 10 }],
    );
    await t.clock.advance(10);
    expect(refused).toBe(1);
  });
});
