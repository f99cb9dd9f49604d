//! Studies of whole runs: the course of one output (`dln run --illusion`) and the delay of each
//! mode behind its prediction over several seeds (SMG14 Fig 3, right). They read or train a
//! [`Run`], so they live beside it; the measures they apply are in [`super::measures`], which
//! knows nothing of runs.

use super::measures::{
    course_end, crossing_time, group_modes, overshoot, predicted_output, short_list, sim_extreme,
    DelayGroup, IllusionTrace, ModeDelays, SCAN_POINTS,
};
use super::Run;

/// The trace of one (item, feature) pair named by their labels; an error names the unknown one.
pub fn illusion_trace(run: &Run, item: &str, feature: &str) -> Result<IllusionTrace, String> {
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
    let snaps = run.history().snapshots();
    let steps: Vec<u64> = snaps.iter().map(|s| s.step).collect();
    let sim: Vec<f64> = snaps.iter().map(|s| s.output[(m, i)]).collect();
    let pred = run.prediction().ok();
    let theory = pred.and_then(|p| {
        let ts: Vec<f64> = snaps.iter().map(|s| s.time).collect();
        predicted_output(p, run.svd(), m, i, &ts)
    });
    // The predicted extreme over the whole course.
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
    let sim_peak = sim_extreme(snaps, m, i, course.map(|c| c.0));
    Ok(IllusionTrace {
        item: data.items[i].clone(),
        feature: data.features[m].clone(),
        target: data.y[(m, i)],
        steps,
        sim,
        theory,
        peak_sim: sim_peak.map(|s| s.0),
        step_sim: sim_peak.map(|s| s.1),
        peak_theory: course.map(|c| c.0),
        step_theory: course.map(|c| c.1),
    })
}

/// Trains `cfg` once per seed (`train.seed` replaced) and measures each mode's delay behind the
/// prediction; `tolerance` groups near-equal singular values. Runs without a prediction are an
/// error.
pub fn mode_delays(
    cfg: &crate::config::Config,
    seeds: &[u64],
    tolerance: f64,
) -> Result<ModeDelays, String> {
    let mut per_mode: Vec<Vec<Option<f64>>> = vec![];
    let mut groups = vec![];
    let mut s = vec![];
    for &seed in seeds {
        let mut c = cfg.clone();
        c.train.seed = seed;
        let mut run = Run::new(&c.validated().map_err(|e| e.to_string())?);
        let steps = cfg.train.steps;
        run.advance(steps);
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
        seeds: seeds.len(),
        groups,
    })
}
