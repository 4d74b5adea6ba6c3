import { describe, expect, it } from 'vitest';
import type { RescueStrategy } from '../../src/action/types.js';
import { combineStrategies } from '../../src/executor/rescue.js';

describe('combineStrategies', () => {
  const cases: [RescueStrategy[], RescueStrategy][] = [
    [['skip'], 'skip'],
    [['skip', 'skip', 'skip'], 'skip'],
    [['fail'], 'fail'],
    [['fail', 'fail'], 'fail'],
    [['pause'], 'pause'],
    [['pause', 'pause'], 'pause'],
    [['skip', 'fail'], 'pause'],
    [['fail', 'skip'], 'pause'],
    [['skip', 'pause'], 'pause'],
    [['fail', 'pause'], 'pause'],
    [['skip', 'skip', 'fail'], 'pause'],
    [[], 'pause'],
    [['rollback'], 'rollback'],
    [['rollback', 'rollback'], 'rollback'],
    [['rollback', 'fail'], 'rollback'],
    [['skip', 'rollback'], 'rollback'],
    [['skip', 'fail', 'rollback'], 'rollback'],
    [['rollback', 'pause'], 'pause'],
  ];
  for (const [input, expected] of cases) {
    it(`[${input.join(', ')}] → ${expected}`, () => {
      expect(combineStrategies(input)).toBe(expected);
    });
  }
});
