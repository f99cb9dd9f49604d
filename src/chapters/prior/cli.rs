//! What `dln run` and `dln sweep` print for the chapter's configurations: a configuration with a
//! `tasks` list, a similarity sweep, or a lazy-against-rich comparison.

use serde::Serialize;
use serde_json::Value;

use crate::chapters::cli::Command;
use crate::config::ConfigError;

use super::config::TasksConfig;
use super::experiments::{lazy_rich, similarity_sweep, LazyRichConfig, SimilarityPoint};
use super::sequence::{PhaseInfo, TaskRun};

/// True for a configuration this chapter runs: for `dln run` a JSON object with `tasks` or
/// `lazy_rich`, for `dln sweep` one with `"sweep": {"over": ...}` (a similarity sweep).
pub fn claims(command: Command, v: &Value) -> bool {
    match command {
        Command::Run => v.get("tasks").is_some() || v.get("lazy_rich").is_some(),
        Command::Sweep => v.get("sweep").and_then(|s| s.get("over")).is_some(),
    }
}

/// `dln run` or `dln sweep` on a configuration this chapter claims; written as JSON only.
pub fn answer(
    command: Command,
    value: &Value,
    csv: bool,
    _progress: &mut dyn FnMut(f64),
) -> Result<String, String> {
    match (command, csv) {
        (Command::Run, true) => Err(
            "task sequences and lazy_rich runs are written as JSON only; \
                                     drop --format csv"
                .into(),
        ),
        (Command::Sweep, true) => {
            Err("a similarity sweep is written as JSON only; drop --format csv".into())
        }
        (Command::Run, false) => run(value.clone()).map_err(|e| e.to_string()),
        (Command::Sweep, false) => sweep(value.clone()).map_err(|e| e.to_string()),
    }
}

/// The `tasks` field of `dln run`.
#[derive(Serialize)]
pub struct TasksDocument<'a> {
    pub names: Vec<String>,
    /// Global step at which each phase starts.
    pub starts: Vec<u64>,
    /// The recorded steps (a switch is recorded twice: at the end of one phase and, after any
    /// growth, at the start of the next).
    pub steps: Vec<u64>,
    /// Time in units of tau.
    pub time: Vec<f64>,
    /// `loss[k][i]`: loss on task k at record i.
    pub loss: Vec<Vec<f64>>,
    /// The predictions of the same (null where a phase has none), or null when no phase has one.
    pub theory_loss: Option<Vec<Vec<Option<f64>>>>,
    pub theory_label: Option<String>,
    pub phases: &'a [PhaseInfo],
}

/// The recorded losses of a run in the form `dln run` writes.
pub fn tasks_document(run: &TaskRun) -> TasksDocument<'_> {
    let recs = run.records();
    let n = run.names().len();
    let loss = (0..n)
        .map(|k| recs.iter().map(|r| r.loss[k]).collect())
        .collect();
    let any = recs.iter().any(|r| r.theory.iter().any(Option::is_some));
    let theory_loss = any.then(|| {
        (0..n)
            .map(|k| recs.iter().map(|r| r.theory[k]).collect())
            .collect()
    });
    TasksDocument {
        names: run.names(),
        starts: run.starts(),
        steps: recs.iter().map(|r| r.step).collect(),
        time: recs.iter().map(|r| r.step as f64 * run.lr()).collect(),
        loss,
        theory_loss,
        theory_label: run.theory_label(),
        phases: run.infos(),
    }
}

/// `dln run` on a chapter configuration: trains it and returns the JSON document.
pub fn run(value: Value) -> Result<String, ConfigError> {
    if let Some(lr) = value.get("lazy_rich") {
        let cfg: LazyRichConfig = crate::config::read(lr.clone()).map_err(|e| {
            ConfigError::new(
                format!("lazy_rich.{}", e.path()),
                e.into_inner().to_string(),
            )
        })?;
        let res = lazy_rich(&cfg).map_err(|mut e| {
            e.field = format!("lazy_rich.{}", e.field);
            e
        })?;
        return Ok(
            serde_json::to_string(&serde_json::json!({ "lazy_rich": res }))
                .expect("results serialise")
                + "\n",
        );
    }
    let prepared = TasksConfig::from_value(value)?;
    let mut run = TaskRun::from_prepared(prepared);
    run.run_to_end();
    let doc = serde_json::json!({
        "config": run.config(),
        "tasks": tasks_document(&run),
    });
    Ok(serde_json::to_string(&doc).expect("a run serialises") + "\n")
}

#[derive(Serialize)]
struct SweepDocument {
    over: &'static str,
    threshold: f64,
    tau_steps: f64,
    angles: Vec<SimilarityPoint>,
}

/// `dln sweep` on a similarity sweep: one entry per angle.
pub fn sweep(value: Value) -> Result<String, ConfigError> {
    let prepared = TasksConfig::from_value(value)?;
    let res = similarity_sweep(&prepared.config)?;
    let doc = SweepDocument {
        over: "similarity",
        threshold: res.threshold,
        tau_steps: res.tau_steps,
        angles: res.points,
    };
    Ok(serde_json::to_string(&doc).expect("results serialise") + "\n")
}
