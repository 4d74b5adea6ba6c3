import { describe, expect, it } from 'vitest';
import { ManagedClock } from '../../src/testing/index.js';

describe('ManagedClock', () => {
  it('starts at a fixed time and only moves when advanced', async () => {
    const clock = new ManagedClock(1_000);
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('fires due timers in time order, each at its own time, including timers they set', async () => {
    const clock = new ManagedClock(0);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
    clock.setTimeout(() => {
      fired.push(['a', clock.now()]);
      clock.setTimeout(() => fired.push(['a2', clock.now()]), 50);
    }, 100);
    clock.setTimeout(() => fired.push(['late', clock.now()]), 1_000);
    await clock.advance(300);
    expect(fired).toEqual([
      ['a', 100],
      ['a2', 150],
      ['b', 200],
    ]);
    expect(clock.now()).toBe(300);
    expect(clock.pending).toBe(1);
    expect(clock.nextDue).toBe(1_000);
  });

  it('lets async work started by a timer settle before the next timer fires', async () => {
    const clock = new ManagedClock(0);
    const order: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve()
        .then(() => order.push('follow-up of 1'))
        .then(() => clock.setTimeout(() => order.push('timer set by follow-up'), 5));
    }, 10);
    clock.setTimeout(() => order.push('timer 2'), 20);
    await clock.advance(20);
    expect(order).toEqual(['follow-up of 1', 'timer set by follow-up', 'timer 2']);
  });

  it('cleared timers never fire; next() jumps to the next timer', async () => {
    const clock = new ManagedClock(0);
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 40);
    clock.clearTimeout(handle);
    expect(await clock.next()).toBe(true);
    expect(clock.now()).toBe(40);
    expect(fired).toBe(1);
    expect(await clock.next()).toBe(false);
  });

  it('refuses to go back in time', async () => {
    await expect(new ManagedClock().advance(-1)).rejects.toThrow(RangeError);
  });
});
