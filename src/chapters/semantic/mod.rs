//! Semantic development (SMG19): progressive differentiation of the hidden representation,
//! representational similarity, illusions, typicality and inductive projection, all read from
//! the registry's main run, and the category-coherence demo, which has its own state.

pub mod charts;
pub mod coherence;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::{json, Value};

use super::chapter::{
    number, CallError, CallResult, CallSpec, Chapter, Context, PanelSpec, Shared,
};
use crate::charts::{ChartResult, Frame, Table, Theme};
use coherence::CoherenceDemo;

#[derive(Default)]
pub struct Semantic {
    pub coherence: CoherenceDemo,
}

impl Semantic {
    /// The coherence demo as JSON: `c`, `strength`, `overlap` and `spread` (mean and sd over the
    /// noise draws at `c`), `found` (above the BBP threshold), `singular_value` and
    /// `noise_edge` (first draw), and `draws`/`draws_total` of the curve.
    pub fn coherence_state(&self) -> Value {
        let d = &self.coherence;
        let now = d.current();
        let (done, total) = d.progress();
        json!({
            "c": d.coherence(),
            "strength": d.strength(),
            "overlap": now.mean,
            "spread": now.spread,
            "found": coherence::above_threshold(now.c),
            "singular_value": d.top_singular_value(),
            "noise_edge": coherence::noise_edge(d.sizes()),
            "draws": done,
            "draws_total": total,
        })
    }
}

impl Chapter for Semantic {
    const ID: &'static str = "semantic";
    const TITLE: &'static str = "Semantic development";
    const PANELS: &'static [PanelSpec] = &[
        PanelSpec::run("mds", "Progressive differentiation"),
        PanelSpec::run("rsm", "Representational similarity"),
        PanelSpec::run("illusion", "Semantic illusion"),
        PanelSpec::run("typicality", "Typicality"),
        PanelSpec::run("projection", "Inductive projection"),
        PanelSpec::own("coherence", "Category coherence"),
    ];
    /// The view choices the chapter's panels offer (their keys are the link's), each with its
    /// menu.
    const FIELDS: &'static [crate::config::fields::Field] =
        &[crate::config::fields::Field::choice(
            "proj",
            "projection.kind",
            "Teach",
            crate::page::view::ProjectionKind::OPTIONS,
        )
        .help("what the inductive-projection chart teaches the network")];
    const CALLS: &'static [CallSpec] = &[
        CallSpec {
            name: "setCoherence",
            args: 1,
            help: "moves the coherence slider to C (clamped to 0.2 to 5); answers coherenceState",
        },
        CallSpec {
            name: "refineCoherence",
            args: 0,
            help: "adds one noise draw to the coherence curve; true once it is complete",
        },
        CallSpec {
            name: "coherenceState",
            args: 0,
            help: "the coherence demo: c, strength, overlap ± spread, found, draws",
        },
        CallSpec {
            name: "semanticIllusions",
            args: 0,
            help: "the run's strongest illusions and their note, as in state(), without the rest \
                   of the state (the page's illusion list asks it while playing)",
        },
    ];

    fn version(&self, panel: &str, shared: &Shared<'_>) -> Option<u64> {
        Some(match panel {
            "coherence" => self.coherence.version(),
            _ => shared.version,
        })
    }

    fn draw<DB: DrawingBackend>(
        &mut self,
        panel: &str,
        root: &DrawingArea<DB, Shift>,
        shared: &Shared<'_>,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        match panel {
            "coherence" => charts::draw_coherence(root, &self.coherence, theme),
            _ => crate::charts::draw_panel(panel, root, shared.session, shared.view, theme),
        }
    }

    fn readout(
        &self,
        panel: &str,
        frame: &Frame,
        shared: &Shared<'_>,
        x: f64,
        y: f64,
    ) -> Option<String> {
        match panel {
            "coherence" => charts::coherence_readout(frame, &self.coherence, x, y),
            _ => crate::charts::readout(panel, frame, shared.session, shared.view, x, y),
        }
    }

    fn table(&self, panel: &str, shared: &Shared<'_>) -> Option<Table> {
        match panel {
            "coherence" => Some(charts::coherence_table(&self.coherence)),
            _ => crate::charts::panel_table(panel, shared.session, shared.view),
        }
    }

    fn call(&mut self, name: &str, args: &[Value], cx: Context<'_>) -> CallResult {
        match name {
            "semanticIllusions" => {
                let run = cx.session.run();
                Ok(serde_json::json!({
                    "illusions": run.illusions(10),
                    "illusion_note": run.illusion_note(),
                }))
            }
            "setCoherence" => {
                self.coherence
                    .set_coherence(number(args, 0, "coherence.c")?);
                Ok(self.coherence_state())
            }
            "refineCoherence" => Ok(Value::Bool(self.coherence.refine())),
            "coherenceState" => Ok(self.coherence_state()),
            other => Err(CallError::new(
                "call",
                format!("semantic has no call {other:?}"),
            )),
        }
    }
}
