//! Studies of whole runs: the course of one output (`dln run --illusion`) and the delay of each
//! mode behind its prediction over several seeds (SMG14 Fig 3, right). They read or train a
//! [`Run`], so they live beside it; the measures they apply are in [`super::measures`], which
//! knows nothing of runs.

use super::measures::{
    course_end, crossing_time, group_modes, overshoot, predicted_output, short_list, DelayGroup,
    IllusionTrace, ModeDelays, SCAN_POINTS,
};
use super::Run;

/// One output (an item's value of a feature) read while a run trains: at every step the caller
/// reads it, so its course and simulated extreme have the resolution of the training loop, not of
/// the sparser snapshots (`dln run --illusion`).
#[derive(Clone, Debug)]
pub struct Probe {
    item: usize,
    feature: usize,
    steps: Vec<u64>,
    times: Vec<f64>,
    sim: Vec<f64>,
}

impl Probe {
    /// A probe of the pair named by their labels, with the run's current output as its first
    /// reading; an error names the unknown label.
    pub fn new(run: &Run, item: &str, feature: &str) -> Result<Probe, String> {
        let data = run.data();
        let i = data.items.iter().position(|x| x == item).ok_or_else(|| {
            format!(
                "--illusion: no item {item:?} (items: {})",
                short_list(&data.items)
            )
        })?;
        let m = data
            .features
            .iter()
            .position(|x| x == feature)
            .ok_or_else(|| {
                format!(
                    "--illusion: no feature {feature:?} (features: {})",
                    short_list(&data.features)
                )
            })?;
        let mut probe = Probe {
            item: i,
            feature: m,
            steps: vec![],
            times: vec![],
            sim: vec![],
        };
        probe.read(run);
        Ok(probe)
    }

    /// Reads the output at the run's current step (once per step).
    pub fn read(&mut self, run: &Run) {
        let step = run.step_count();
        if self.steps.last() == Some(&step) {
            return;
        }
        let out = run.network().output(run.data());
        self.steps.push(step);
        self.times.push(run.time());
        self.sim.push(out[(self.feature, self.item)]);
    }

    /// The course read so far, its prediction at the same times, and both extremes (the
    /// predicted one over the whole course, not only the steps run).
    pub fn trace(&self, run: &Run) -> IllusionTrace {
        let data = run.data();
        let (m, i) = (self.feature, self.item);
        let pred = run.prediction().ok();
        let theory = pred.and_then(|p| predicted_output(p, run.svd(), m, i, &self.times));
        let course = pred.and_then(|p| {
            let end = course_end(p, &run.svd().s);
            let ts: Vec<f64> = (0..=SCAN_POINTS * 4)
                .map(|k| end * k as f64 / (SCAN_POINTS * 4) as f64)
                .collect();
            predicted_output(p, run.svd(), m, i, &ts).map(|y| {
                let (_, k) = overshoot(&y);
                (y[k], run.step_at_time(ts[k]).round())
            })
        });
        let y = &self.sim;
        let k = match course.map(|c| c.0) {
            _ if y.is_empty() => None,
            Some(v) if v >= y[0] => (0..y.len()).max_by(|&a, &b| y[a].total_cmp(&y[b])),
            Some(_) => (0..y.len()).min_by(|&a, &b| y[a].total_cmp(&y[b])),
            None => Some(overshoot(y).1),
        };
        IllusionTrace {
            item: data.items[i].clone(),
            feature: data.features[m].clone(),
            target: data.y[(m, i)],
            steps: self.steps.clone(),
            sim: self.sim.clone(),
            theory,
            peak_sim: k.map(|k| y[k]),
            step_sim: k.map(|k| self.steps[k]),
            peak_theory: course.map(|c| c.0),
            step_theory: course.map(|c| c.1),
        }
    }
}

/// Trains `cfg` once per seed (`train.seed` replaced) and measures each mode's delay behind the
/// prediction; `tolerance` groups near-equal singular values. Runs without a prediction are an
/// error.
pub fn mode_delays(
    cfg: &crate::config::Config,
    seeds: &[u64],
    tolerance: f64,
) -> Result<ModeDelays, String> {
    let mut runs = Vec::with_capacity(seeds.len());
    for &seed in seeds {
        runs.push(seed_run(cfg, seed)?);
    }
    let refs: Vec<&Run> = runs.iter().collect();
    delays_of(&refs, tolerance)
}

/// `cfg` trained to its end with `train.seed` = `seed`.
pub fn seed_run(cfg: &crate::config::Config, seed: u64) -> Result<Run, String> {
    let mut c = cfg.clone();
    c.train.seed = seed;
    let mut run = Run::new(&c.validated().map_err(|e| e.to_string())?);
    run.advance(cfg.train.steps);
    Ok(run)
}

/// Each mode's delay behind the gradient-flow prediction's half-learning time, over runs of one
/// task that differ in their seed (as far as each has got); `tolerance` groups near-equal
/// singular values. A run without a prediction is an error.
pub fn delays_of(runs: &[&Run], tolerance: f64) -> Result<ModeDelays, String> {
    let mut per_mode: Vec<Vec<Option<f64>>> = vec![];
    let mut groups = vec![];
    let mut s = vec![];
    for run in runs {
        let pred = run.prediction().map_err(str::to_string)?;
        let half = pred.half_times();
        let whiten = run.data().whitening().unwrap_or(1.0);
        s = run.svd().s.clone();
        groups = group_modes(&s, tolerance);
        let recs = run.history().records();
        per_mode.push(
            (0..s.len())
                .map(|a| {
                    let th = half.get(a).copied().flatten()?;
                    let sim = crossing_time(recs, a, 0.5 * s[a] / whiten)?;
                    (th > 0.0).then(|| sim / th - 1.0)
                })
                .collect(),
        );
    }
    let groups = groups
        .into_iter()
        .map(|modes| {
            let per_seed: Vec<f64> = per_mode
                .iter()
                .filter_map(|d| {
                    let v: Option<Vec<f64>> = modes.iter().map(|&a| d[a]).collect();
                    v.map(|v| v.iter().sum::<f64>() / v.len() as f64)
                })
                .collect();
            let n = per_seed.len() as f64;
            let mean = if n > 0.0 {
                per_seed.iter().sum::<f64>() / n
            } else {
                f64::NAN
            };
            let spread = if n > 1.0 {
                (per_seed.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            DelayGroup {
                s: modes.iter().map(|&a| s[a]).sum::<f64>() / modes.len() as f64,
                modes,
                per_seed,
                mean,
                spread,
            }
        })
        .filter(|g| !g.per_seed.is_empty())
        .collect();
    Ok(ModeDelays {
        seeds: runs.len(),
        groups,
    })
}
