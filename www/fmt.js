// Number formatting shared by every module that writes a number into a label.

/** Formats a number for a label: 3 significant digits, exponent form when very small or large. */
export function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}
