import { ErrorCode, FlowlineError } from '../errors.js';
import type { ReferenceTarget } from '../plan/references.js';
import { REFERENCE_TARGET, toStoredReference } from '../plan/references.js';

declare const referenceBrand: unique symbol;

/** Marks a value as an output reference; a reference to `T` is still accepted where `T` is. */
export interface ReferenceBrand {
  readonly [referenceBrand]: true;
}

/**
 * A reference to (part of) another action's output, taken during planning. Typed as the value it
 * stands for, so `planned.output.id` fits where a `string` is expected; at run time it is replaced by
 * the persisted value, and the referencing step runs after the referenced one.
 */
export type OutputReference<T> = (T extends readonly (infer E)[]
  ? OutputReference<E>[]
  : T extends object
    ? { readonly [K in keyof T]-?: OutputReference<Exclude<T[K], undefined>> }
    : T) &
  ReferenceBrand;

/**
 * Creates the proxy behind `planned.output`: any property read gives a deeper reference.
 *
 * @internal
 */
export function createOutputReference(target: ReferenceTarget): unknown {
  const describe = (): string =>
    `output${target.path.map((key) => `.${key}`).join('')} of action ${target.actionId}`;
  return new Proxy(Object.create(null) as object, {
    get(_t, key) {
      if (key === REFERENCE_TARGET) return target;
      if (key === 'toJSON') return () => toStoredReference(target);
      if (key === Symbol.toPrimitive || key === 'toString' || key === 'valueOf') {
        return () => {
          throw new FlowlineError(
            ErrorCode.PHASE_MISUSE,
            `${describe()} has no value during planning; pass the reference itself in planSelf input`,
            { actionId: target.actionId },
          );
        };
      }
      // Not a thenable, not iterable: awaiting or spreading a reference must not misbehave.
      if (typeof key === 'symbol' || key === 'then') return undefined;
      return createOutputReference({ ...target, path: [...target.path, key] });
    },
    set() {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${describe()} is read-only during planning`,
        {
          actionId: target.actionId,
        },
      );
    },
    has: () => false,
    ownKeys: () => [],
  });
}
