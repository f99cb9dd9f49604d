//! A run and, optionally, a second network ("another species") trained on the same data in
//! lockstep, to compare their representations (PNAS19's conservation of semantic similarity).
//!
//! The second network's config is the main config with a partial config (`twin`) merged on top,
//! in the one Config vocabulary: e.g. `{"network": {"hidden": [40]}, "train": {"seed": 2}}`.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::Value;

use crate::config::{Config, ConfigError, ValidConfig};
use crate::run::{Change, Run, Status};

pub struct Session {
    run: Run,
    twin: Option<Run>,
    twin_patch: Option<Value>,
    /// What the charts last drew of this session, by panel (see [`Session::with_memo`]).
    memo: RefCell<HashMap<&'static str, Box<dyn Any + Send>>>,
}

/// The config of a second network: `patch` merged onto `config`, after the patch's own rules
/// (no dataset, only the seed of training). Errors name the field under `twin.`.
fn twin_config(config: &Config, patch: &Value) -> Result<ValidConfig, ConfigError> {
    check_patch(patch)?;
    config.merged(patch).map_err(|e| ConfigError {
        field: format!("twin.{}", e.field),
        message: e.message,
    })
}

/// Checks that `patch` describes a valid second network for `config`: the keys it may change,
/// merged into `config` and validated, with errors under `twin.`.
pub fn check_twin(config: &Config, patch: &Value) -> Result<(), ConfigError> {
    twin_config(config, patch).map(|_| ())
}

/// Keys a second network may change: the dataset and the training schedule stay shared.
fn check_patch(patch: &Value) -> Result<(), ConfigError> {
    let Some(obj) = patch.as_object() else {
        return Err(ConfigError::new(
            "twin",
            "must be an object such as {\"network\": {\"hidden\": [40]}}",
        ));
    };
    for key in obj.keys() {
        if key == "dataset" {
            return Err(ConfigError::new(
                "twin.dataset",
                "the second network learns the same data",
            ));
        }
    }
    if let Some(train) = obj.get("train").and_then(Value::as_object) {
        for key in train.keys() {
            if key != "seed" {
                return Err(ConfigError::new(
                    format!("twin.train.{key}"),
                    "the second network trains in step with the first; only its seed may differ",
                ));
            }
        }
    }
    Ok(())
}

impl Session {
    pub fn new(cfg: &ValidConfig) -> Session {
        Session {
            run: Run::new(cfg),
            twin: None,
            twin_patch: None,
            memo: RefCell::new(HashMap::new()),
        }
    }

    pub fn run(&self) -> &Run {
        &self.run
    }

    pub fn twin(&self) -> Option<&Run> {
        self.twin.as_ref()
    }

    /// Runs `f` on the value kept for this session under `key` (a `T::default()` the first
    /// time): for what the charts keep between frames, such as what each panel last drew. The
    /// keeper decides when a value is stale (e.g. from the runs' [`Run::revision`]). `f` must not
    /// call `with_memo`.
    pub fn with_memo<T: Default + Send + 'static, R>(
        &self,
        key: &'static str,
        f: impl FnOnce(&mut T) -> R,
    ) -> R {
        let mut memo = self.memo.borrow_mut();
        let slot = memo.entry(key).or_insert_with(|| Box::new(T::default()));
        if !slot.is::<T>() {
            *slot = Box::new(T::default());
        }
        match slot.downcast_mut::<T>() {
            Some(v) => f(v),
            None => f(&mut T::default()),
        }
    }

    /// The partial config that defines the second network, if there is one.
    pub fn twin_patch(&self) -> Option<&Value> {
        self.twin_patch.as_ref()
    }

    /// Starts (or, with `None`, removes) the second network, caught up to the current step.
    pub fn set_twin(&mut self, patch: Option<Value>) -> Result<(), ConfigError> {
        self.start_twin(patch)?;
        self.catch_up_twin(u64::MAX);
        Ok(())
    }

    /// Starts (or, with `None`, removes) the second network at step 0, behind the first by its
    /// steps so far: [`catch_up_twin`](Session::catch_up_twin) brings it level a slice at a time,
    /// and until then [`advance`](Session::advance) keeps the gap as it is.
    pub fn start_twin(&mut self, patch: Option<Value>) -> Result<(), ConfigError> {
        match patch {
            None => {
                self.twin = None;
                self.twin_patch = None;
            }
            Some(p) => {
                let cfg = twin_config(self.run.config(), &p)?;
                self.twin = Some(Run::new(&cfg));
                self.twin_patch = Some(p);
            }
        }
        Ok(())
    }

    /// The steps the second network still has to take to be level with the first: 0 without
    /// one, and 0 once it has stopped (diverged or at its last step).
    pub fn twin_behind(&self) -> u64 {
        match &self.twin {
            Some(t) if *t.status() == Status::Running => {
                self.run.step_count().saturating_sub(t.step_count())
            }
            _ => 0,
        }
    }

    /// Takes up to `n` of the steps the second network is behind; answers how many are left.
    pub fn catch_up_twin(&mut self, n: u64) -> u64 {
        let k = self.twin_behind().min(n);
        if let Some(t) = &mut self.twin {
            t.advance(k);
        }
        self.twin_behind()
    }

    /// Takes up to `n` steps with both networks; returns the steps the main run took. A second
    /// network that is behind takes as many steps as the first, so the gap stays as it was.
    pub fn advance(&mut self, n: u64) -> u64 {
        let behind = self.twin_behind();
        let took = self.run.advance(n);
        if let Some(t) = &mut self.twin {
            let target = self.run.step_count().saturating_sub(behind);
            t.advance(target.saturating_sub(t.step_count()));
        }
        took
    }

    pub fn reset(&mut self) {
        self.run.reset();
        if let Some(t) = &mut self.twin {
            t.reset();
        }
    }

    /// Applies a new config to the main run and carries it over to the second network (whose
    /// own config, the patch on top, is checked once here).
    pub fn reconfigure(&mut self, cfg: &ValidConfig) -> Result<Change, ConfigError> {
        // Refuse a config the second network cannot follow before changing anything.
        let twin_cfg = match &self.twin_patch {
            Some(p) => Some(twin_config(cfg, p)?),
            None => None,
        };
        let change = self.run.reconfigure(cfg);
        if let (Some(twin_cfg), Some(twin)) = (twin_cfg, &mut self.twin) {
            match &change {
                Change::Reset(_) => *twin = Run::new(&twin_cfg),
                _ => {
                    twin.reconfigure(&twin_cfg);
                }
            }
        }
        Ok(change)
    }
}
