/**
 * The props schemas of the packaged stage actions: each compiles as draft-07, refuses unknown
 * props, props that are not an object and props of the wrong type, and accepts the documented
 * examples.
 */
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packagedStageActions } from '../../../src/flows/actions/index.js';
import type { JsonObject } from '../../../src/index.js';

/** Valid props of each action, as its TSDoc example gives them. */
const examples: Record<string, JsonObject[]> = {
  'Manual Trigger': [{}],
  Map: [{}, { items: 'orders.lines', concurrency: 50, maxItems: 20000 }],
  Reduce: [{}],
  'Run Flow': [{ flow: 'Refund order' }, { flow: 'Child', input: { any: ['json'] } }],
  'Remap Fields': [
    {
      keep: true,
      rename: { company_name: 'company' },
      fields: { email: 'contact.email' },
      constants: { source: 'hubspot' },
      drop: ['internal_id'],
      timeoutMs: 500,
    },
  ],
  Filter: [{ condition: 'amount >= 100' }],
  'HTTP Request': [
    { url: 'https://api.acme.test/v1', method: 'POST', headers: { a: 'b' }, body: { x: 1 } },
    { url: 'http://x.test', timeoutMs: 5000, responseType: 'text' },
  ],
  Batch: [{ size: 100, items: 'orders' }, { size: 1 }],
  Log: [{}, { level: 'warn', message: 'm', data: false }],
  'Run Command': [
    {
      command: 'python3',
      args: ['export.py'],
      env: { A: '1' },
      inheritEnv: false,
      cwd: '/tmp',
      timeoutMs: 1000,
      killGraceMs: 10,
      stdin: 'json',
      parseJson: true,
      allowFailure: true,
    },
  ],
};

const ajv = new Ajv({ strict: true, allErrors: true });

interface PropSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly description?: string;
}

function schemaOf(name: string): {
  properties: Record<string, PropSchema>;
  required?: string[];
  additionalProperties: unknown;
} {
  const cls = packagedStageActions.find((action) => action.actionName === name);
  return cls?.propsSchema as unknown as ReturnType<typeof schemaOf>;
}

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

describe('props schemas of the packaged stage actions', () => {
  it('has one class per documented action, each named once', () => {
    const names = packagedStageActions.map((cls) => cls.actionName);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(Object.keys(examples).sort());
  });

  it.each(Object.keys(examples))(
    '%s: compiles as draft-07, closed, every prop described',
    (name) => {
      const schema = schemaOf(name);
      expect(() => ajv.compile(schema)).not.toThrow();
      expect(schema.additionalProperties).toBe(false);
      for (const [prop, sub] of Object.entries(schema.properties)) {
        expect(sub.description, `${name}.${prop}`).toEqual(expect.any(String));
      }
    },
  );

  it.each(Object.keys(examples))('%s: accepts the documented examples', (name) => {
    const validate = ajv.compile(schemaOf(name));
    for (const example of examples[name] ?? []) {
      expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it.each(Object.keys(examples))('%s: refuses malformed props', (name) => {
    const schema = schemaOf(name);
    const validate = ajv.compile(schema);
    const base = examples[name]?.[0] ?? {};
    const known = Object.keys(schema.properties);
    const typed = Object.entries(schema.properties).filter(
      ([, sub]) => sub.type !== undefined || sub.enum !== undefined,
    );
    const notAnObject = fc.oneof(
      fc.constant(null),
      fc.string(),
      fc.double(),
      fc.boolean(),
      fc.array(fc.jsonValue({ maxDepth: 2 })),
    );
    const unknownProp = fc
      .tuple(fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 2 }))
      .filter(([key]) => !known.includes(key))
      .map(([key, value]) => ({ ...base, [key]: value }));
    const arbitraries = [notAnObject, unknownProp];
    if (typed.length > 0) {
      const wrongType = fc
        .tuple(fc.constantFrom(...typed), fc.jsonValue({ maxDepth: 2 }))
        .filter(([[, sub], value]) =>
          sub.enum !== undefined
            ? !sub.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))
            : !matchesType(value, sub.type ?? ''),
        )
        .map(([[prop], value]) => ({ ...base, [prop]: value }));
      arbitraries.push(wrongType);
    }
    fc.assert(
      fc.property(fc.oneof(...arbitraries), (props) => {
        expect(validate(props)).toBe(false);
      }),
      { numRuns: 300 },
    );
    for (const required of schema.required ?? []) {
      const { [required]: _dropped, ...rest } = base;
      expect(validate(rest), `${name} without ${required}`).toBe(false);
    }
  });
});
