import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ErrorCode, FlowlineError } from '../../../src/errors.js';
import { parseFlow } from '../../../src/flows/index.js';
import type { FlowViolation } from '../../../src/flows/index.js';
import { actions } from './stage-actions.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/invalid');

/** `# expect: <path> <line>:<column> <message start>` lines at the top of a fixture. */
function expectations(text: string): FlowViolation[] {
  return [...text.matchAll(/^# expect: (\S+) (\d+):(\d+) (.+)$/gm)].map((match) => ({
    path: match[1] === "''" ? '' : (match[1] as string),
    line: Number(match[2]),
    column: Number(match[3]),
    message: match[4] as string,
  }));
}

function violationsOf(text: string, fileName: string): FlowViolation[] {
  try {
    parseFlow(text, { fileName, actions });
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    expect((error as FlowlineError).code).toBe(ErrorCode.INVALID_FLOW_DEFINITION);
    return [...((error as FlowlineError).details?.violations ?? [])];
  }
  throw new Error(`${fileName} was accepted`);
}

describe('each kind of violation, one fixture each', () => {
  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.yaml'));

  test('there is a fixture per kind', () => {
    expect(files.length).toBeGreaterThanOrEqual(24);
  });

  test.each(files)('%s', (file) => {
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    const expected = expectations(text);
    expect(expected.length).toBeGreaterThan(0);
    const violations = violationsOf(text, `fixtures/${file}`);
    expect(violations).toHaveLength(expected.length);
    for (const want of expected) {
      const found = violations.find((violation) => violation.path === want.path);
      expect(found, `no violation at ${JSON.stringify(want.path)}`).toBeDefined();
      expect(found?.message.startsWith(want.message), found?.message).toBe(true);
      expect([found?.line, found?.column], `${want.path}: ${found?.message}`).toEqual([
        want.line,
        want.column,
      ]);
    }
  });
});
