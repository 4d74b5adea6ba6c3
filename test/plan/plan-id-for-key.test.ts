import { describe, expect, it } from 'vitest';
import { planIdForKey } from '../../src/plan/plan-id.js';

describe('planIdForKey', () => {
  it('gives the same UUID (version 8) for the same key, and another for another key', () => {
    const id = planIdForKey('req-1');
    expect(id).toBe(planIdForKey('req-1'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(planIdForKey('req-2')).not.toBe(id);
    expect(planIdForKey('req-1 ')).not.toBe(id);
    expect(planIdForKey('😀')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
