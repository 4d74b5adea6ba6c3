import { mapSegments } from './map-segments.js';
import type { FlowDefinition, FlowViolation } from './types.js';

/**
 * Problems with the flow's `Map` / `Reduce` stages (each `Map` needs a matching `Reduce` that every
 * path from it reaches). Called once the graph itself is valid.
 *
 * @internal
 */
export function mapViolations(flow: FlowDefinition): FlowViolation[] {
  return mapSegments(flow.stages).violations;
}
