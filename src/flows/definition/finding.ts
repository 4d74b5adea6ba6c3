import type { FlowViolation } from './types.js';

/**
 * A violation as the checks find it: its path and message, and which part of the node at that
 * path shows it (`key`: the key naming it, for an unknown field; `value`: the node itself, the
 * default). Positions are added at the end, from the source text when there is one.
 *
 * @internal
 */
export interface Finding {
  /** JSON pointer of the offending node. */
  readonly path: string;
  /** What is wrong, in words. */
  readonly message: string;
  /** Point at the key of the node rather than its value. */
  readonly at?: 'key' | 'value';
  /** 1-based position, when the check knows it already (a YAML syntax error). */
  readonly line?: number;
  readonly column?: number;
}

/** Where a path is in the source text. @internal */
export interface Locator {
  /** The 1-based position of the node at `path` (or of its key), or of its nearest ancestor. */
  locate(path: string, at: 'key' | 'value'): { line: number; column: number } | undefined;
}

/**
 * The violations of the findings, each with its position when a locator knows it.
 *
 * @internal
 */
export function toViolations(
  findings: readonly Finding[],
  locator: Locator | undefined,
): FlowViolation[] {
  return findings.map((finding) => {
    const position =
      finding.line !== undefined && finding.column !== undefined
        ? { line: finding.line, column: finding.column }
        : locator?.locate(finding.path, finding.at ?? 'value');
    return position === undefined
      ? { path: finding.path, message: finding.message }
      : { path: finding.path, message: finding.message, ...position };
  });
}
