// A part of the field table, declared once in Rust (each chapter's `FIELDS`, listed by
// `dln.chapters()`, or the config's, `dln.schema()`), applied to a section's controls: a number
// box or slider whose data-* attribute names a field's key takes that field's range and step, and
// a menu that names one takes its options, so no limit or option list is typed in HTML.

/** Fills a menu with a field's options: their values, labels and help as tooltips. */
export function fillMenu(sel, field) {
  sel.replaceChildren(...field.options.map((o) => {
    const opt = sel.ownerDocument.createElement('option');
    opt.value = o.value;
    opt.textContent = o.label;
    if (o.help) opt.title = o.help;
    return opt;
  }));
}

/**
 * Sets min, max and step on the inputs in `section` that name one of `fields` by key, and the
 * options of the menus that do.
 */
export function applyFields(section, fields) {
  if (!section || !fields?.length) return;
  const byKey = new Map(fields.map((f) => [f.key, f]));
  const named = (el) => Object.values(el.dataset).map((v) => byKey.get(v)).find(Boolean);
  for (const sel of section.querySelectorAll('select')) {
    const f = named(sel);
    if (f?.options?.length) fillMenu(sel, f);
  }
  for (const el of section.querySelectorAll('input[type="number"], input[type="range"]')) {
    const f = named(el);
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
