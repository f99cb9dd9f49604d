//! What `dln run` and `dln sweep` print for this chapter's configs.
//!
//! `dln run` (JSON): `{"config", "steps", "time", "generalisation": {"train_error",
//! "test_error", "theory": {"train_error", "test_error", "train_error_mp", "test_error_mp"},
//! "t_opt", "test_error_at_t_opt", "ridge_test_error", "oracle", "frozen_floor",
//! "test_error_infinite", "alpha", "snr", "eigen_seconds"}, "modes", "theory_modes",
//! "theory_modes_label", "status"}`. The arrays are on the recorded `steps`; `theory.*` are the
//! sample's exact curves (null for a deep student), the `_mp` ones the large-N gradient-flow
//! curves; `t_opt` is in units of τ. `modes` and `theory_modes` (deep student only) are the
//! strengths of the modes of the sample's Σʸˣ and their scalar-map prediction.
//!
//! `dln sweep` with `"sweep": {"over": "alpha", "alphas": [..], "snrs": [..]}` prints one
//! object per (α, SNR): `{"alpha", "snr", "test_error_final", "test_error_at_t_opt", "t_opt",
//! "overtraining", "test_error_infinite", "ridge_test_error"}` from the theory, and
//! `"simulated"` means over `sweep.seeds` sampled datasets when asked for.

use serde::Serialize;
use serde_json::Value;

use super::config::GenConfig;
use super::exact::SampleSpectrum;
use super::run::GenRun;
use super::sweep::AlphaSweep;
use super::teacher::TeacherSample;
use crate::chapters::cli::Command;

#[derive(Serialize)]
struct TheoryColumns {
    train_error: Option<Vec<f64>>,
    test_error: Option<Vec<f64>>,
    train_error_mp: Vec<f64>,
    test_error_mp: Vec<f64>,
}

#[derive(Serialize)]
struct Generalisation {
    train_error: Vec<f64>,
    test_error: Vec<f64>,
    theory: TheoryColumns,
    t_opt: f64,
    test_error_at_t_opt: f64,
    ridge_test_error: f64,
    oracle: f64,
    frozen_floor: f64,
    test_error_infinite: f64,
    alpha: f64,
    snr: f64,
}

#[derive(Serialize)]
struct Document<'a> {
    config: &'a GenConfig,
    steps: Vec<u64>,
    time: Vec<f64>,
    generalisation: Generalisation,
    #[serde(skip_serializing_if = "Option::is_none")]
    modes: Option<Vec<Vec<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    theory_modes: Option<Vec<Vec<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    theory_modes_label: Option<&'static str>,
    status: &'static str,
}

/// Label of the deep student's mode predictions.
pub fn mode_label(exact: bool) -> &'static str {
    if exact {
        "exact: scalar map of each mode (whitened inputs, aligned balanced start)"
    } else {
        "approximate: scalar map of each mode of the sample's Σʸˣ with c = vᵀΣˣˣv (inputs not \
         whitened, or a random start)"
    }
}

/// The run's document as a JSON value.
pub fn run_document(run: &GenRun) -> Value {
    let recs = run.records();
    let col = |f: &dyn Fn(&super::run::GenRecord) -> Option<f64>| -> Option<Vec<f64>> {
        recs.iter().map(f).collect()
    };
    let th = run.theory();
    let stop = run.early_stop();
    let deep = run.deep();
    let doc = Document {
        config: run.config(),
        steps: recs.iter().map(|r| r.step).collect(),
        time: recs.iter().map(|r| r.time).collect(),
        generalisation: Generalisation {
            train_error: recs.iter().map(|r| r.train_error).collect(),
            test_error: recs.iter().map(|r| r.test_error).collect(),
            theory: TheoryColumns {
                train_error: col(&|r| r.exact_train_error),
                test_error: col(&|r| r.exact_test_error),
                train_error_mp: recs.iter().map(|r| r.mp_train_error).collect(),
                test_error_mp: recs.iter().map(|r| r.mp_test_error).collect(),
            },
            t_opt: stop.t_opt,
            test_error_at_t_opt: stop.test_error,
            ridge_test_error: run.ridge_test_error(),
            oracle: run.oracle(),
            frozen_floor: th.frozen_floor(),
            test_error_infinite: th.test_error_infinite_time(),
            alpha: th.alpha,
            snr: th.snr,
        },
        modes: deep.map(|_| recs.iter().map(|r| r.modes.clone()).collect()),
        theory_modes: run.predicted_modes(),
        theory_modes_label: deep.map(|d| mode_label(d.exact)),
        status: if run.diverged() { "diverged" } else { "done" },
    };
    serde_json::to_value(doc).expect("a run document always serialises")
}

/// The run's records as CSV: `step, time, train_error, test_error, theory_train_error,
/// theory_test_error, train_error_mp, test_error_mp` (theory columns empty for a deep student).
pub fn run_csv(run: &GenRun) -> String {
    let mut out = String::from(
        "step,time,train_error,test_error,theory_train_error,theory_test_error,train_error_mp,test_error_mp\n",
    );
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in run.records() {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            r.step,
            r.time,
            r.train_error,
            r.test_error,
            opt(r.exact_train_error),
            opt(r.exact_test_error),
            r.mp_train_error,
            r.mp_test_error
        ));
    }
    out
}

/// True for a config this chapter runs: a `teacher` dataset, or a sweep over α.
pub fn claims(_command: Command, value: &Value) -> bool {
    GenConfig::claims(value)
}

/// `dln run` / `dln sweep` on a config of this chapter (native only: it times the
/// eigen-decomposition, reported as `generalisation.eigen_seconds`). `progress` is called with
/// the fraction done from time to time.
pub fn answer(
    command: Command,
    value: &Value,
    csv: bool,
    progress: &mut dyn FnMut(f64),
) -> Result<String, String> {
    let cfg = GenConfig::from_value(value.clone()).map_err(|e| e.to_string())?;
    match command {
        Command::Run => {
            cfg.validate().map_err(|e| e.to_string())?;
            let sample = TeacherSample::draw(&cfg.dataset);
            let started = std::time::Instant::now();
            let spectrum = SampleSpectrum::new(&sample.x);
            let eigen_seconds = started.elapsed().as_secs_f64();
            let mut run = GenRun::with_sample(&cfg, sample, spectrum).map_err(|e| e.to_string())?;
            let chunk = (cfg.train.steps / 100).max(1);
            while !run.is_done() {
                run.advance(chunk);
                progress(run.step_count() as f64 / cfg.train.steps as f64);
            }
            if csv {
                return Ok(run_csv(&run));
            }
            let mut doc = run_document(&run);
            doc["generalisation"]["eigen_seconds"] = eigen_seconds.into();
            Ok(doc.to_string() + "\n")
        }
        Command::Sweep => {
            let mut sweep = AlphaSweep::new(&cfg);
            while !sweep.work(1) {
                progress(sweep.progress());
            }
            let rows = sweep.rows();
            if csv {
                let mut out = String::from(
                    "alpha,snr,test_error_final,test_error_at_t_opt,t_opt,overtraining,test_error_infinite,ridge_test_error\n",
                );
                for r in rows {
                    out.push_str(&format!(
                        "{},{},{},{},{},{},{},{}\n",
                        r.alpha,
                        r.snr,
                        r.test_error_final,
                        r.test_error_at_t_opt,
                        r.t_opt,
                        r.overtraining,
                        r.test_error_infinite,
                        r.ridge_test_error
                    ));
                }
                return Ok(out);
            }
            Ok(serde_json::to_string(rows).expect("sweep rows serialise") + "\n")
        }
    }
}
