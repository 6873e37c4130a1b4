/**
 * The smallest string greater than every string that starts with `prefix`, in code point
 * order (which is also UTF-8 byte order, SQLite's order for TEXT), or undefined when no such
 * bound exists (the empty prefix, or one made only of U+10FFFF). With it a prefix scan is an
 * index range `key >= prefix AND key < end` instead of a full scan.
 */
export function prefixEnd(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      // Lone surrogates are not valid text; the next code point after 0xd7ff is 0xe000.
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return codePoints.join('') + String.fromCodePoint(next);
    }
  }
  return undefined;
}
