#!/usr/bin/env node
// Adjusts the wasm-bindgen glue for a strict Content-Security-Policy (run by `make build`):
//   node scripts/glue.mjs www/pkg/dln_explorer.js
// plotters measures text by giving a <span> a style attribute through setAttribute('style', …),
// which a policy without 'unsafe-inline' in style-src refuses (the text would then be measured
// in the wrong font). The glue's setAttribute import is routed through the CSSOM for 'style'
// (element.style.cssText), which such a policy allows; every other attribute is unchanged.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CALL = 'arg0.setAttribute(getStringFromWasm0(arg1, arg2), getStringFromWasm0(arg3, arg4));';
const PATCHED = 'setAttributeCssom(arg0, getStringFromWasm0(arg1, arg2), getStringFromWasm0(arg3, arg4));';
const HELPER = `
// Added by scripts/glue.mjs: a style attribute goes through the CSSOM, which a strict
// Content-Security-Policy allows.
function setAttributeCssom(el, name, value) {
    if (name === 'style' && el.style) el.style.cssText = value;
    else el.setAttribute(name, value);
}
`;

/** The glue with setAttribute('style', …) routed through the CSSOM; unchanged if already done. */
export function patchGlue(text) {
  if (text.includes('function setAttributeCssom(')) return text;
  if (!text.includes('.setAttribute(')) return text;
  if (!text.includes(CALL)) throw new Error('glue: the setAttribute import has an unexpected form; update scripts/glue.mjs');
  return text.split(CALL).join(PATCHED) + HELPER;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node scripts/glue.mjs GLUE.js');
    process.exit(2);
  }
  try {
    writeFileSync(file, patchGlue(readFileSync(file, 'utf8')));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
