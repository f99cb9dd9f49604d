// A chapter's part of the field table, declared once in Rust (each chapter's `FIELDS`, listed
// by `dln.chapters()`), applied to the chapter's controls: a number box or slider whose data-*
// attribute names a field's key takes that field's range and step, so no limit is typed in HTML.

/** Sets min, max and step on the inputs in `section` that name one of `fields` by key. */
export function applyFields(section, fields) {
  if (!section || !fields?.length) return;
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const el of section.querySelectorAll('input[type="number"], input[type="range"]')) {
    const f = Object.values(el.dataset).map((v) => byKey.get(v)).find(Boolean);
    if (!f) continue;
    // A slider spans the field's slider range where it has one (a box, or a config, can go
    // beyond it), else the field's range.
    const [lo, hi] = el.type === 'range' && f.slider ? f.slider : [f.min_open ? null : f.min, f.max];
    if (lo != null) el.min = String(lo);
    if (hi != null) el.max = String(hi);
    if (f.step != null) el.step = String(f.step);
    if (f.help && !el.title) el.title = f.help;
  }
}
