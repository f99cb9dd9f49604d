//! The recorded data of a run as JSON and CSV: what `dln run` writes and what the page exports.
//!
//! JSON: `{"config", "items", "features", "steps", "time", "loss", "singular_values",
//! "mode_names", "modes" (one row per record, one column per mode: u_a^T W_tot v_a),
//! "theory" ({"modes", "loss", "exact", "label"} on the same steps, or null),
//! "theory_note" (why there is no theory, or why it is a reference only for a nonlinear
//! network; null otherwise), "learned_at" (predicted step at which each
//! mode is half learned, null where there is none), "rsm" ({"step", "sim", "theory"}: the first
//! hidden layer's RSM at the last snapshot and `V A(t) V^T`), "illusions" (ranked by the overshoot
//! rule: {"item", "feature", "target", "overshoot", "peak_sim", "step_sim", "peak_theory",
//! "step_theory"}), "status", "message", "note" (dead relu units of a finished run, or null)}`.

use serde::Serialize;
use serde_json::Value;

use crate::config::Config;
use crate::run::measures::Illusion;
use crate::run::Run;
use crate::run::{RsmPair, Status};
use crate::theory::predict::Quality;

#[derive(Serialize)]
struct TheoryColumns {
    modes: Vec<Vec<f64>>,
    loss: Vec<f64>,
    exact: bool,
    /// `exact`, `gradient_flow`, `approximate` or `reference`.
    kind: Quality,
    label: String,
    /// Where an approximation stops holding, when this run lies outside that range.
    validity: Option<String>,
    /// The continuous-time solution on the same steps, beside an exact map.
    flow: Option<FlowColumns>,
}

#[derive(Serialize)]
struct FlowColumns {
    label: String,
    modes: Vec<Vec<f64>>,
    loss: Vec<f64>,
}

#[derive(Serialize)]
struct Document<'a> {
    config: &'a Config,
    items: &'a [String],
    features: &'a [String],
    steps: Vec<u64>,
    time: Vec<f64>,
    loss: Vec<f64>,
    singular_values: &'a [f64],
    mode_names: Vec<String>,
    modes: Vec<Vec<f64>>,
    theory: Option<TheoryColumns>,
    theory_note: Option<String>,
    learned_at: Vec<Option<f64>>,
    rsm: Option<RsmPair>,
    illusions: Vec<Illusion>,
    status: &'a Status,
    message: Option<&'a str>,
    note: Option<&'a str>,
}

fn document(run: &Run) -> Document<'_> {
    let recs = run.history().records();
    let svd = run.svd();
    let theory = run.prediction().ok().map(|p| TheoryColumns {
        modes: recs
            .iter()
            .map(|r| r.theory.clone().unwrap_or_default())
            .collect(),
        loss: recs
            .iter()
            .map(|r| r.theory_loss.unwrap_or(f64::NAN))
            .collect(),
        exact: p.exact,
        kind: p.kind(),
        label: p.label.clone(),
        validity: p.validity.clone(),
        flow: p.flow_label.as_ref().map(|label| {
            let points: Vec<_> = recs.iter().map(|r| p.flow_at(r.time)).collect();
            FlowColumns {
                label: label.clone(),
                loss: points.iter().map(|q| q.loss).collect(),
                modes: points.into_iter().map(|q| q.modes).collect(),
            }
        }),
    });
    Document {
        config: run.config(),
        items: &run.data().items,
        features: &run.data().features,
        steps: recs.iter().map(|r| r.step).collect(),
        time: recs.iter().map(|r| r.time).collect(),
        loss: recs.iter().map(|r| r.loss).collect(),
        singular_values: &svd.s,
        mode_names: (0..svd.s.len())
            .map(|a| svd.describe_mode(a, &run.data().features))
            .collect(),
        modes: recs.iter().map(|r| r.modes.clone()).collect(),
        theory,
        theory_note: run.theory_note(),
        learned_at: run
            .learned_at()
            .into_iter()
            .map(|s| s.map(f64::round))
            .collect(),
        rsm: run.rsm(),
        illusions: run.illusions(10),
        status: run.status(),
        message: run.message(),
        note: run.note(),
    }
}

/// The run's records as a JSON value.
pub fn to_json_value(run: &Run) -> Value {
    serde_json::to_value(document(run)).expect("a run document always serialises")
}

/// The run's records as compact JSON text.
pub fn to_json(run: &Run) -> String {
    serde_json::to_string(&document(run)).expect("a run document always serialises")
}

/// The run's records as CSV: one row per record, columns `step, time, loss, theory_loss,
/// mode_1..mode_k, theory_mode_1..theory_mode_k` (theory columns empty without a prediction).
pub fn to_csv(run: &Run) -> String {
    let k = run.svd().s.len();
    let mut out = String::from("step,time,loss,theory_loss");
    for a in 1..=k {
        out.push_str(&format!(",mode_{a}"));
    }
    for a in 1..=k {
        out.push_str(&format!(",theory_mode_{a}"));
    }
    out.push('\n');
    for r in run.history().records() {
        out.push_str(&format!("{},{},{}", r.step, r.time, r.loss));
        out.push(',');
        if let Some(l) = r.theory_loss {
            out.push_str(&l.to_string());
        }
        for m in &r.modes {
            out.push_str(&format!(",{m}"));
        }
        match &r.theory {
            Some(t) => t.iter().for_each(|v| out.push_str(&format!(",{v}"))),
            None => (0..k).for_each(|_| out.push(',')),
        }
        out.push('\n');
    }
    out
}
