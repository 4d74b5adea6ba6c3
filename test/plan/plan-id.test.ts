import { describe, expect, it } from 'vitest';
import { newPlanId } from '../../src/plan/plan-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newPlanId', () => {
  it('is a version 7 UUID carrying the given millisecond', () => {
    const at = Date.UTC(2026, 10, 23, 6, 40, 0, 123);
    const id = newPlanId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts ids of later milliseconds after earlier ones', () => {
    const start = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 50 }, (_, i) => newPlanId(start + i * 7));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats, even within one millisecond and across the random pool refills', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newPlanId(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });
});
