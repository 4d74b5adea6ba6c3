/**
 * The filter and the order of `findFlowVersions`, the same on every store: a filter is checked
 * ({@link checkFlowVersionFilter}) and matched ({@link matchesFlowVersionFilter}); versions are
 * ordered by name, by Unicode code point (as SQLite's BINARY and PostgreSQL's "C" collations compare
 * UTF-8), then by version ({@link compareFlowVersions}).
 */
import { ErrorCode, FlowlineError } from '../errors.js';
import { describeValue } from '../shared/describe-value.js';
import type { FlowVersionFilter, FlowVersionRecord } from './adapter.js';
import { FLOW_VERSION_STAGES, isFlowName, isFlowStage } from './flow-version-records.js';
import { isJsonObject } from './record-checks.js';

/**
 * Checks a filter for `findFlowVersions`.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` naming the field
 */
export function checkFlowVersionFilter(source: string, filter: unknown): FlowVersionFilter {
  if (filter === undefined) return {};
  const fail = (what: string): never => {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${source}: findFlowVersions: the filter ${what}`,
    );
  };
  if (!isJsonObject(filter)) return fail(`is ${describeValue(filter)}, not an object`);
  if (filter.name !== undefined && !isFlowName(filter.name)) {
    fail(`has name ${describeValue(filter.name)}, not a non-empty string without U+0000`);
  }
  if (filter.stage !== undefined && !isFlowStage(filter.stage)) {
    fail(`has stage ${describeValue(filter.stage)}, not ${FLOW_VERSION_STAGES.join(', ')}`);
  }
  return filter;
}

/** Whether a record matches a (checked) filter. */
export function matchesFlowVersionFilter(
  record: FlowVersionRecord,
  filter: FlowVersionFilter,
): boolean {
  return (
    (filter.name === undefined || record.name === filter.name) &&
    (filter.stage === undefined || record.stage === filter.stage)
  );
}

/** Orders flow versions by name (by Unicode code points, as the SQL stores compare), then version. */
export function compareFlowVersions(a: FlowVersionRecord, b: FlowVersionRecord): number {
  if (a.name !== b.name) return compareCodePoints(a.name, b.name);
  return a.version - b.version;
}

function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done === true || y.done === true)
      return (x.done === true ? 0 : 1) - (y.done === true ? 0 : 1);
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx - cy;
  }
}
