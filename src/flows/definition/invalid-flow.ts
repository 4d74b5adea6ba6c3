import { ErrorCode, FlowlineError } from '../../errors.js';
import type { FlowViolation } from './types.js';

/** At most this many violations are written in the message (all are in `details.violations`). */
const MESSAGE_LIMIT = 50;

/**
 * The `INVALID_FLOW_DEFINITION` error for a flow's violations. Its message lists each on a line:
 * `  flows/acme.yaml:3:5 /stages/0/out/0: stage "Nope" does not exist` (with a file name),
 * `  line 3, column 5 /stages/0/out/0: …` (without one), or just the path when there is no
 * position (the flow was given as an object).
 *
 * @param flowName - the flow's name, when the definition has one
 * @internal
 */
export function invalidFlowError(
  violations: readonly FlowViolation[],
  flowName: string | undefined,
  fileName: string | undefined,
): FlowlineError {
  const count = violations.length;
  const what =
    flowName === undefined || flowName === '' ? 'flow' : `flow ${JSON.stringify(flowName)}`;
  const lines = violations
    .slice(0, MESSAGE_LIMIT)
    .map((violation) => `\n  ${describe(violation, fileName)}`);
  if (count > MESSAGE_LIMIT)
    lines.push(`\n  … and ${count - MESSAGE_LIMIT} more (see details.violations)`);
  const message = `${what} is invalid (${count} problem${count === 1 ? '' : 's'}):${lines.join('')}`;
  return new FlowlineError(ErrorCode.INVALID_FLOW_DEFINITION, message, {
    details: { violations: violations.map((violation) => ({ ...violation })) },
  });
}

function describe(violation: FlowViolation, fileName: string | undefined): string {
  const path = violation.path === '' ? '(the flow)' : violation.path;
  const { line, column } = violation;
  if (line === undefined || column === undefined) return `${path}: ${violation.message}`;
  const where =
    fileName === undefined ? `line ${line}, column ${column}` : `${fileName}:${line}:${column}`;
  return `${where} ${path}: ${violation.message}`;
}
