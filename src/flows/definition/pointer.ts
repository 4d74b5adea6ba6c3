/**
 * JSON pointers (RFC 6901): where a violation is in a flow definition (`/stages/2/out/0`).
 */

/** One step of a path: an object key or an array index. @internal */
export type PathSegment = string | number;

/**
 * The JSON pointer of a path: `''` for the whole value, else `/`-separated segments with `~`
 * written `~0` and `/` written `~1`.
 *
 * @internal
 */
export function toPointer(segments: readonly PathSegment[]): string {
  let pointer = '';
  for (const segment of segments) pointer += `/${escapeSegment(String(segment))}`;
  return pointer;
}

/**
 * A JSON pointer with more segments appended.
 *
 * @internal
 */
export function childPointer(pointer: string, ...segments: readonly PathSegment[]): string {
  return pointer + toPointer(segments);
}

/**
 * The segments of a JSON pointer (`''` has none), unescaped; array indexes stay strings.
 *
 * @internal
 */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
