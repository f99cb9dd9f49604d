// The chapters' own page code, one module each, listed once and keyed by the chapter's id in the
// Rust registry (src/chapters/registry.rs; `window.dln.chapters()` lists them). The learning
// chapter has no module of its own: its controls, transport and dataset editor are the
// Explorer's (controls.js, loop.js, editor.js). Each module's class has `static attach(explorer)`,
// which binds the chapter's controls if the page shows the chapter and answers null otherwise;
// it may also have `afterSteps(now)`, called after training steps.

import { ContextControls } from './context.js';
import { DepthControls } from './depth.js';
import { GeneralisationControls } from './generalisation.js';
import { SemanticControls } from './semantic.js';
import { PriorControls } from './prior.js';

export const CHAPTERS = {
  semantic: SemanticControls,
  depth: DepthControls,
  generalisation: GeneralisationControls,
  prior: PriorControls,
  context: ContextControls,
};
