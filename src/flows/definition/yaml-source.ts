import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Pair, YAMLError } from 'yaml';
import type { Finding, Locator } from './finding.js';
import { pointerSegments, toPointer } from './pointer.js';
import type { PathSegment } from './pointer.js';

/** A flow definition's text, parsed: its value, its YAML problems and where each node is. */
export interface ParsedSource {
  /** The parsed value (as much as could be read when there are YAML errors). */
  readonly value: unknown;
  /** YAML syntax errors and duplicate keys, with their positions. */
  readonly findings: readonly Finding[];
  /** Finds the line and column of a path. */
  readonly locator: Locator;
}

/**
 * Parses YAML (or JSON, which is YAML) text, keeping the position of every node. Duplicate keys
 * are errors. Never throws: whatever goes wrong is a finding.
 *
 * @internal
 */
export function parseSource(text: string): ParsedSource {
  const lines = new LineCounter();
  const position = (offset: number): { line: number; column: number } => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  // prettyErrors off: prettifying an error on a very long line builds a huge regular expression.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const findings: Finding[] = doc.errors.map((error) => {
    const path = pathAt(doc, error.pos[0]);
    return { path: toPointer(path), message: yamlMessage(error, path), ...position(error.pos[0]) };
  });
  let value: unknown = null;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    findings.push({
      path: '',
      message: `cannot read the YAML: ${errorText(error)}`,
      line: 1,
      column: 1,
    });
  }
  const locator: Locator = {
    locate: (path, at) => {
      const offset = offsetOf(doc, pointerSegments(path), at);
      return offset === undefined ? undefined : position(offset);
    },
  };
  return { value, findings, locator };
}

function yamlMessage(error: YAMLError, path: readonly PathSegment[]): string {
  const key = path.at(-1);
  if (error.code === 'DUPLICATE_KEY' && key !== undefined) {
    return `duplicate key ${JSON.stringify(String(key))}: keys in a mapping must be unique`;
  }
  return `YAML syntax error: ${error.message}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type AnyDoc = Document.Parsed;

function resolve(doc: AnyDoc, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function startOf(node: unknown): number | undefined {
  return isNode(node) ? node.range?.[0] : undefined;
}

function keyText(pair: Pair): string | undefined {
  if (isScalar(pair.key)) return String(pair.key.value);
  return undefined;
}

/** The offset of the node at `segments` (or of its key), else of the deepest node on the way. */
function offsetOf(
  doc: AnyDoc,
  segments: readonly string[],
  at: 'key' | 'value',
): number | undefined {
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? 0;
  for (const [index, segment] of segments.entries()) {
    const current = resolve(doc, node);
    let key: unknown;
    if (isMap(current)) {
      // The last pair with the key: it is the one the parsed value holds.
      const pair = current.items.findLast((item) => keyText(item) === segment);
      if (pair === undefined) return offset;
      key = pair.key;
      node = pair.value;
    } else if (isSeq(current)) {
      node = current.items[Number(segment)];
      if (node === undefined) return offset;
    } else {
      return offset;
    }
    const last = index === segments.length - 1;
    const keyStart = startOf(key);
    const nodeStart = startOf(node);
    offset = (last && at === 'key' ? keyStart : undefined) ?? nodeStart ?? keyStart ?? offset;
  }
  return offset;
}

/** The path of the deepest node (or key) holding `offset`. */
function pathAt(doc: AnyDoc, offset: number): PathSegment[] {
  const path: PathSegment[] = [];
  const holds = (node: unknown): boolean =>
    isNode(node) && node.range !== undefined && node.range !== null
      ? node.range[0] <= offset && offset < Math.max(node.range[2], node.range[0] + 1)
      : false;
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => holds(item.key) || holds(item.value));
      if (pair === undefined) return path;
      path.push(keyText(pair) ?? '');
      if (holds(pair.key)) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => holds(item));
      if (index < 0) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}
