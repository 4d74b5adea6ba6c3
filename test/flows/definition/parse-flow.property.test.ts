import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { ErrorCode, FlowlineError } from '../../../src/errors.js';
import { parseFlow } from '../../../src/flows/index.js';
import type { FlowDefinition } from '../../../src/flows/index.js';
import type { JsonObject } from '../../../src/plan/records.js';
import { actions } from './stage-actions.js';

/** parseFlow either accepts the source or throws INVALID_FLOW_DEFINITION with sound violations. */
function parsesOrRefusesCleanly(source: unknown): void {
  try {
    parseFlow(source, { actions, fileName: 'junk.yaml' });
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    const flowError = error as FlowlineError;
    expect(flowError.code).toBe(ErrorCode.INVALID_FLOW_DEFINITION);
    const violations = flowError.details?.violations ?? [];
    expect(violations.length).toBeGreaterThan(0);
    for (const violation of violations) {
      expect(typeof violation.path).toBe('string');
      expect(violation.path === '' || violation.path.startsWith('/')).toBe(true);
      expect(violation.message.length).toBeGreaterThan(0);
      if (violation.line !== undefined) expect(violation.line).toBeGreaterThanOrEqual(1);
      if (violation.column !== undefined) expect(violation.column).toBeGreaterThanOrEqual(1);
    }
  }
}

const VALID = `name: Acme
stages:
  - name: Start
    action: Trigger
    props: { $retry: { retries: 2 } }
    out: [Enrich, Print]
  - name: Enrich
    action: Enrich
    props: { field: seen }
    out: [Print]
  - name: Print
    action: Log
    props: {}
    out: []
`;

describe('parseFlow on malformed input (property-based)', () => {
  test('random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), parsesOrRefusesCleanly), {
      numRuns: 300,
    });
  });

  test('random values of any kind', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
        }),
        parsesOrRefusesCleanly,
      ),
      {
        numRuns: 300,
      },
    );
  });

  test('random YAML documents', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => parsesOrRefusesCleanly(stringify(value))),
      {
        numRuns: 200,
      },
    );
  });

  test('flow-shaped objects with random parts', () => {
    const part = fc.oneof(fc.jsonValue(), fc.string(), fc.array(fc.string(), { maxLength: 3 }));
    const randomStage = fc.record(
      {
        name: fc.oneof(fc.constantFrom('a', 'b', 'c'), part),
        action: fc.oneof(fc.constantFrom('Log', 'Trigger', 'Enrich'), part),
        props: fc.oneof(
          fc.dictionary(
            fc.constantFrom('$retry', '$timeout', '$fallback', '$input', '$x', 'level', 'field'),
            fc.jsonValue(),
          ),
          part,
        ),
        out: fc.oneof(fc.array(fc.constantFrom('a', 'b', 'c', 'd')), part),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            name: fc.oneof(fc.string(), part),
            stages: fc.oneof(fc.array(randomStage, { maxLength: 4 }), part),
          },
          { requiredKeys: [] },
        ),
        (flow) => {
          parsesOrRefusesCleanly(flow);
          parsesOrRefusesCleanly(stringify(flow));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a valid flow text with random edits', () => {
    fc.assert(
      fc.property(
        fc.nat(VALID.length),
        fc.nat(20),
        fc.string({ maxLength: 10 }),
        (at, cut, insert) => {
          parsesOrRefusesCleanly(VALID.slice(0, at) + insert + VALID.slice(at + cut));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A random DAG with one entry: stage i's parents come before it in creation order. */
const dagArbitrary = fc
  .integer({ min: 1, max: 25 })
  .chain((size) =>
    fc.tuple(
      fc.constant(size),
      // For each stage after the first: one parent for sure, maybe more.
      fc.array(fc.tuple(fc.nat(), fc.array(fc.nat(), { maxLength: 3 })), {
        minLength: size - 1,
        maxLength: size - 1,
      }),
      fc.shuffledSubarray([...Array(size).keys()], { minLength: size, maxLength: size }),
    ),
  )
  .map(([size, parents, order]): JsonObject => {
    const out: string[][] = Array.from({ length: size }, () => []);
    parents.forEach(([first, more], index) => {
      const child = index + 1;
      for (const pick of [first, ...more]) {
        const parent = pick % child;
        if (!out[parent]?.includes(`s${child}`)) out[parent]?.push(`s${child}`);
      }
    });
    const stages = order.map((i) => ({
      name: `s${i}`,
      action: 'Log',
      props: {},
      out: out[i] ?? [],
    }));
    return { name: 'dag', stages };
  });

describe('parseFlow on valid and mutated flows (property-based)', () => {
  test('random DAGs with one entry are accepted, as objects and as YAML text', () => {
    fc.assert(
      fc.property(dagArbitrary, (flow) => {
        expect(parseFlow(flow, { actions })).toEqual(flow);
        expect(parseFlow(stringify(flow), { actions })).toEqual(flow);
      }),
      { numRuns: 200 },
    );
  });

  test('an out entry renamed to a missing stage is caught at its path, with its line', () => {
    const withOut = dagArbitrary.filter((flow) =>
      (flow.stages as JsonObject[]).some((stage) => (stage.out as string[]).length > 0),
    );
    fc.assert(
      fc.property(withOut, fc.nat(), fc.nat(), (flow, pickStage, pickOut) => {
        const stages = structuredClone(flow.stages) as { out: string[] }[];
        const sources = stages.flatMap((stage, index) => (stage.out.length > 0 ? [index] : []));
        const index = sources[pickStage % sources.length] as number;
        const outs = (stages[index] as { out: string[] }).out;
        const position = pickOut % outs.length;
        outs[position] = 'missing stage';
        const text = stringify({ name: 'dag', stages });
        const found = (() => {
          try {
            parseFlow(text, { actions });
          } catch (error) {
            return (error as FlowlineError).details?.violations ?? [];
          }
          return [];
        })();
        const violation = found.find((v) => v.path === `/stages/${index}/out/${position}`);
        expect(violation?.message).toBe('stage "missing stage" does not exist');
        expect(
          text.split('\n')[(violation?.line ?? 0) - 1]?.slice((violation?.column ?? 0) - 1),
        ).toMatch(/^missing stage/);
      }),
      { numRuns: 200 },
    );
  });

  test('a field added to a stage is caught at that field', () => {
    fc.assert(
      fc.property(
        dagArbitrary,
        fc.nat(),
        fc.constantFrom('outs', 'prop', 'Name', 'after', 'a/b'),
        (flow, pick, field) => {
          const stages = structuredClone(flow.stages) as JsonObject[];
          const index = pick % stages.length;
          (stages[index] as JsonObject)[field] = 1;
          const error = (() => {
            try {
              parseFlow({ name: 'dag', stages }, { actions });
            } catch (caught) {
              return caught as FlowlineError;
            }
            return undefined;
          })();
          expect(error?.details?.violations).toEqual([
            {
              path: `/stages/${index}/${field.replace('/', '~1')}`,
              message: `unknown field ${JSON.stringify(field)} (a stage has name, action, props and out)`,
            },
          ]);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('the definition returned is the input, whatever the order of stages', () => {
    fc.assert(
      fc.property(dagArbitrary, (flow) => {
        const definition: FlowDefinition = parseFlow(flow, { actions });
        expect(definition.stages.map((stage) => stage.name)).toEqual(
          (flow.stages as JsonObject[]).map((stage) => stage.name),
        );
      }),
      { numRuns: 50 },
    );
  });
});
