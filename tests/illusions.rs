//! The illusion scan (docs/theory.md §2.3.4): the mode-basis scan against a scan of the predicted
//! matrices, the filter of features owned by one item, large datasets, and one pair's course.

mod common;

use std::time::Instant;

use dln_explorer::run::measures::{
    course_end, overshoot, predicted_illusions, single_item_features, SCAN_POINTS,
};
use dln_explorer::run::studies::Probe;
use dln_explorer::run::Run;
use ndarray::Array2;
use serde_json::json;

/// The scan the measures replace: every (feature, item) read off the predicted matrix at every
/// grid time.
fn brute_force(run: &Run, skip: &[bool]) -> Vec<(f64, usize, usize)> {
    let pred = run.prediction().unwrap();
    let end = course_end(pred, &run.svd().s);
    let maps: Vec<Array2<f64>> = (0..=SCAN_POINTS)
        .map(|k| {
            pred.matrices_at(end * k as f64 / SCAN_POINTS as f64)
                .unwrap()
                .map
        })
        .collect();
    let (nf, p) = maps[0].dim();
    let mut out = vec![];
    for m in (0..nf).filter(|&m| !skip[m]) {
        for i in 0..p {
            let y: Vec<f64> = maps.iter().map(|w| w[(m, i)]).collect();
            let (o, _) = overshoot(&y);
            if o > 0.01 {
                out.push((o, m, i));
            }
        }
    }
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    out
}

#[test]
fn the_mode_basis_scan_finds_the_same_illusions_as_a_scan_of_the_predicted_matrices() {
    for init in [
        json!({"kind": "balanced", "scale": 0.001}),
        json!({"kind": "small_gaussian", "scale": 0.001}),
    ] {
        let run = Run::new(&common::config(json!({"init": init})));
        let pred = run.prediction().unwrap();
        let y = &run.data().y;
        let skip = single_item_features(y);
        let fast = predicted_illusions(pred, run.svd(), y, 20, 0.01);
        let slow = brute_force(&run, &skip);
        assert!(fast.len() >= 10, "rm8 has many illusions");
        for (f, s) in fast.iter().zip(&slow) {
            assert!(
                (f.overshoot - s.0).abs() < 1e-9,
                "overshoot {} against {}",
                f.overshoot,
                s.0
            );
            // Equal overshoots may swap places; the pair must be one with that overshoot.
            let same = slow
                .iter()
                .any(|t| (t.0 - f.overshoot).abs() < 1e-9 && t.1 == f.feature && t.2 == f.item);
            assert!(
                same,
                "pair ({}, {}) not in the full scan",
                f.feature, f.item
            );
        }
    }
}

#[test]
fn features_present_in_only_one_item_are_left_out_of_the_ranking() {
    let cfg = common::config(json!({
        "dataset": {"kind": "diffusion", "branching": 2, "levels": 4, "features": 200, "flip": 0.1},
        "init": {"kind": "balanced", "scale": 0.001}
    }));
    let run = Run::new(&cfg);
    let y = &run.data().y;
    let skip = single_item_features(y);
    assert!(
        skip.iter().any(|&s| s),
        "the ±1 dataset has features owned by one item"
    );
    // Without the filter, those features would be ranked: the full scan finds them.
    let unfiltered = brute_force(&run, &vec![false; skip.len()]);
    assert!(unfiltered.iter().take(10).any(|c| skip[c.1]));
    let ranked = predicted_illusions(run.prediction().unwrap(), run.svd(), y, 50, 0.01);
    assert!(!ranked.is_empty());
    for c in &ranked {
        let row = y.row(c.feature);
        let (lo, hi) = row
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
        let owners = row.iter().filter(|&&v| v > 0.5 * (lo + hi)).count();
        assert!(owners != 1, "feature {} is owned by one item", c.feature);
    }
}

#[test]
fn the_theory_scan_runs_on_a_256_by_4096_dataset_and_gives_peaks() {
    let cfg = common::config(json!({
        "dataset": {"kind": "diffusion", "branching": 2, "levels": 8, "features": 4096},
        "network": {"hidden": [32]},
        "init": {"kind": "balanced", "scale": 0.001},
        "train": {"lr": 0.0005, "steps": 1, "record_every": 1}
    }));
    let run = Run::new(&cfg);
    let t0 = Instant::now();
    let ranked = predicted_illusions(
        run.prediction().unwrap(),
        run.svd(),
        &run.data().y,
        50,
        0.01,
    );
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "illusion scan on 256 x 4096: {secs:.2} s, {} found",
        ranked.len()
    );
    assert!(!ranked.is_empty());
    let state = run.state();
    assert!(state.illusions[0].peak_theory.is_some());
    // The scan's own bound: each reported extreme is the exact predicted output at that time.
    let c = &ranked[0];
    let pred = run.prediction().unwrap();
    let w = pred.sample(c.time).modes;
    let svd = run.svd();
    let exact: f64 = (0..w.len())
        .map(|a| w[a] * svd.u[(c.feature, a)] * svd.v[(c.item, a)])
        .sum();
    assert!((exact - c.extreme).abs() < 1e-9);
}

#[test]
fn one_pairs_probe_reads_its_course_at_every_record_and_gives_both_peaks() {
    let cfg = common::config(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": (2e-6f64 / 16.0).sqrt()},
        "train": {"lr": 0.01 / 6.320_606_924_810_471, "steps": 8311, "record_every": 10, "seed": 3}
    }));
    let mut run = Run::new(&cfg);
    let mut probe = Probe::new(&run, "pine", "leaves").unwrap();
    while run.advance(10) > 0 {
        probe.read(&run);
    }
    let t = probe.trace(&run);
    // A reading at step 0 and after every 10 steps, the last at the run's end.
    assert_eq!(t.steps.len(), 1 + 8311_usize.div_ceil(10));
    assert_eq!(t.steps.last(), Some(&8311));
    assert_eq!(t.sim.len(), t.steps.len());
    let out = run.network().output(run.data());
    let (i, m) = (
        run.data().items.iter().position(|x| x == "pine").unwrap(),
        run.data()
            .features
            .iter()
            .position(|x| x == "leaves")
            .unwrap(),
    );
    assert_eq!(t.sim.last(), Some(&out[(m, i)]));
    assert_eq!(t.theory.as_ref().unwrap().len(), t.steps.len());
    // docs/theory.md §2.3.4: pine has leaves peaks near 0.67 around step 1350, then returns to 0.
    let (pt, ps) = (t.peak_theory.unwrap(), t.peak_sim.unwrap());
    assert!((pt - 0.669).abs() < 0.02, "theory peak {pt}");
    assert!((ps - pt).abs() < 0.05, "simulated peak {ps}");
    assert!((1000.0..1800.0).contains(&t.step_theory.unwrap()));
    // The simulated peak, read every 10 steps, lies near the predicted one (a small random
    // start lags the prediction a little).
    assert!((t.step_sim.unwrap() as f64 - t.step_theory.unwrap()).abs() < 150.0);
    let err = Probe::new(&run, "pine", "wings!").unwrap_err();
    assert!(
        err.contains("--illusion") && err.contains("wings!"),
        "{err}"
    );
}

#[test]
fn the_largest_diffusion_dataset_scans_within_its_budget_and_says_which_outputs_it_covered() {
    // 256 items x 4096 features: scanning every output costs far past the budget.
    let cfg = dln_explorer::config::Config::default()
        .merged(&serde_json::json!({"dataset": {"kind": "diffusion", "levels": 8, "feature_count": 4096}}))
        .unwrap();
    let run = dln_explorer::run::Run::new(&cfg);
    let note = run.state().illusion_note.expect("a partial scan is noted");
    assert!(note.contains("of 4096 features"), "{note}");
    // A small dataset is scanned whole, with no note.
    let small = dln_explorer::run::Run::new(
        &dln_explorer::config::Config::default()
            .merged(&serde_json::json!({}))
            .unwrap(),
    );
    assert_eq!(small.state().illusion_note, None);
}
