/**
 * Output references as the plan model knows them: what a reference points at, and the form it is
 * stored in inside an action's input (`{ $flowlineRef: { actionId, path } }`). The typed proxy that
 * actions use while planning (`planned.output.x`) is made in the action layer.
 */

/** What a reference points at. */
export interface ReferenceTarget {
  /** The referenced action. */
  readonly actionId: number;
  /** Keys below its output. */
  readonly path: readonly string[];
  /** The plan being built; a reference is only valid inside the plan that made it. */
  readonly owner: object;
}

/** The stored form of a reference, inside an action's input. */
export interface StoredReference {
  readonly $flowlineRef: { readonly actionId: number; readonly path: readonly string[] };
}

/**
 * The key under which an output reference proxy (made in the action layer) exposes its target.
 *
 * @internal
 */
export const REFERENCE_TARGET: unique symbol = Symbol('flowline.outputReference');

/**
 * The target of an output reference, or `undefined` when the value is not one.
 *
 * @internal
 */
export function referenceTarget(value: unknown): ReferenceTarget | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  return (value as { [REFERENCE_TARGET]?: ReferenceTarget })[REFERENCE_TARGET];
}

/** The stored form of a reference. @internal */
export function toStoredReference(target: ReferenceTarget): StoredReference {
  return { $flowlineRef: { actionId: target.actionId, path: [...target.path] } };
}

/**
 * The stored reference inside an input value, or `undefined`.
 *
 * @internal
 */
export function storedReference(value: unknown): StoredReference['$flowlineRef'] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const ref = (value as Partial<StoredReference>).$flowlineRef;
  if (ref === undefined || typeof ref.actionId !== 'number' || !Array.isArray(ref.path)) {
    return undefined;
  }
  return ref;
}
