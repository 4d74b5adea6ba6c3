/**
 * Flows describe the order of steps: an `atom` is one step, a `sequence` runs its parts one after
 * another, a `concurrence` runs them at the same time. Plans keep them as plain JSON trees.
 */

/** One step. */
export interface AtomFlow {
  readonly type: 'atom';
  readonly stepId: number;
}

/** Parts run one after another. */
export interface SequenceFlow {
  readonly type: 'sequence';
  readonly flows: Flow[];
}

/** Parts run at the same time. */
export interface ConcurrenceFlow {
  readonly type: 'concurrence';
  readonly flows: Flow[];
}

/** A run or finalize flow of an execution plan. */
export type Flow = AtomFlow | SequenceFlow | ConcurrenceFlow;

/** A flow that holds other flows. */
export type ComposedFlow = SequenceFlow | ConcurrenceFlow;

/** Builds an empty composed flow of the given kind. */
export function composed(type: ComposedFlow['type']): ComposedFlow {
  return { type, flows: [] };
}

/**
 * Simplifies a flow tree the way Dynflow's `flatten!` does: empty composites disappear, a composite
 * with one part becomes that part, and a sequence inside a sequence (or a concurrence inside a
 * concurrence) is merged into its parent. Iterative, so deep trees do not overflow the stack.
 *
 * @param root - the tree to simplify; it is not modified
 * @param rootType - the kind the result must have (the root run flow is always a concurrence)
 */
export function normalizeFlow(root: Flow, rootType: ComposedFlow['type']): ComposedFlow {
  const simplified = simplify(root);
  if (simplified === undefined) return composed(rootType);
  if (simplified.type === rootType) return simplified;
  return { type: rootType, flows: [simplified] };
}

function simplify(flow: Flow): Flow | undefined {
  if (flow.type === 'atom') return flow;
  // Post-order over an explicit stack: children are simplified before their parent.
  const results = new Map<ComposedFlow, Flow | undefined>();
  const stack: { node: ComposedFlow; expanded: boolean }[] = [{ node: flow, expanded: false }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame === undefined) break;
    if (!frame.expanded) {
      frame.expanded = true;
      for (const child of frame.node.flows) {
        if (child.type !== 'atom') stack.push({ node: child, expanded: false });
      }
      continue;
    }
    stack.pop();
    const parts: Flow[] = [];
    for (const child of frame.node.flows) {
      const done = child.type === 'atom' ? child : results.get(child);
      if (done === undefined) continue;
      if (done.type === frame.node.type) parts.push(...done.flows);
      else parts.push(done);
    }
    results.set(
      frame.node,
      parts.length === 0
        ? undefined
        : parts.length === 1
          ? parts[0]
          : { type: frame.node.type, flows: parts },
    );
  }
  return results.get(flow);
}

/**
 * Every step id in a flow, in tree order.
 *
 * @param flow - the flow to walk
 */
export function flowStepIds(flow: Flow): number[] {
  const ids: number[] = [];
  const stack: Flow[] = [flow];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === undefined) break;
    if (node.type === 'atom') ids.push(node.stepId);
    else for (let i = node.flows.length - 1; i >= 0; i--) stack.push(node.flows[i] as Flow);
  }
  return ids;
}
