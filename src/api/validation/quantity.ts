/**
 * resource.Quantity, read as a plain number: "500m" → 0.5, "1Gi" → 1073741824, "1e3" → 1000.
 * Validation uses it to reject malformed quantities and to compare requests with limits; the
 * scheduler reuses it to add up requests. A float is exact enough for both (upstream keeps
 * arbitrary precision only to round-trip the text, which we keep as written).
 */

/** Decimal suffixes as powers of ten. */
const DECIMAL: Record<string, number> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Binary suffixes as powers of two. */
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** Dividing by a power of ten keeps "100n" exactly 1e-7, where multiplying by 1e-9 would not. */
function scale(base: number, exp10: number): number {
  return exp10 >= 0 ? base * 10 ** exp10 : base / 10 ** -exp10;
}

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The message upstream gives for text that is not a quantity. */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/**
 * The value of a quantity given as text or as a JSON number, or undefined when it is not one.
 * @example parseQuantity("250m") === 0.25
 */
export function parseQuantity(s: string | number): number | undefined {
  if (typeof s === 'number') return Number.isFinite(s) ? s : undefined;
  if (typeof s !== 'string') return undefined;
  const m = QUANTITY.exec(s);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return scale(base, Number(m[2].slice(1)));
  const suffix = m[3] ?? '';
  return suffix in BINARY ? base * 2 ** BINARY[suffix] : scale(base, DECIMAL[suffix]);
}
