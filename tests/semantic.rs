//! Semantic development on the rm8 recipe of THEORY.md 2.4: N_h = 16, lr = 0.01 / s_max
//! (tau = 632 steps), small random start with std sqrt(2e-6 / N_h) (u0 = 1e-6), 8311 steps.

mod common;

use dln_explorer::run::measures::{correlation, gram, novel_feature, novel_item};
use dln_explorer::run::Run;
use serde_json::json;

const S_MAX: f64 = 6.320_606_924_810_471;

fn recipe() -> Run {
    let cfg = common::config(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": (2e-6f64 / 16.0).sqrt()},
        "train": {"lr": 0.01 / S_MAX, "steps": 8311, "record_every": 10, "seed": 3}
    }));
    let mut run = Run::new(&cfg);
    run.advance(8311);
    run
}

fn index(names: &[String], name: &str) -> usize {
    names.iter().position(|n| n == name).unwrap()
}

#[test]
fn the_rm8_recipe_reproduces_the_pine_has_leaves_illusion_in_simulation_and_theory() {
    let run = recipe();
    let list = run.illusions(10);
    let top = &list[0];
    assert_eq!(
        (top.item.as_str(), top.feature.as_str()),
        ("pine", "leaves")
    );
    assert_eq!(top.target, 0.0);
    let (th, sim) = (top.peak_theory.unwrap(), top.peak_sim.unwrap());
    assert!((th - 0.669).abs() < 0.02, "theory peak {th}");
    assert!((sim - 0.676).abs() < 0.02, "simulated peak {sim}");
    let (ts, tt) = (top.step_sim.unwrap() as f64, top.step_theory.unwrap());
    assert!(
        (ts - 1350.0).abs() < 200.0 && (tt - 1350.0).abs() < 100.0,
        "peaks at {ts} and {tt}"
    );
    // The output returns to 0 by the end.
    let leaves = index(&run.data().features, "leaves");
    let last = run.history().snapshots().last().unwrap();
    assert!(last.output[(leaves, 0)].abs() < 0.01);
    // And the ranking has the other classic ones (THEORY.md 2.3.4).
    let pairs: Vec<(String, String)> = list
        .iter()
        .map(|i| (i.item.clone(), i.feature.clone()))
        .collect();
    for (item, feature) in [("canary", "red"), ("robin", "yellow"), ("oak", "petals")] {
        assert!(
            pairs.contains(&(item.into(), feature.into())),
            "{item} {feature} missing from {pairs:?}"
        );
    }
}

#[test]
fn the_simulated_rsm_matches_v_a_v_transposed_throughout_the_recipe() {
    let run = recipe();
    let pred = run.prediction().unwrap();
    let snaps = run.history().snapshots();
    for frac in [1.0 / 3.0, 2.0 / 3.0, 1.0] {
        let step = (8311.0 * frac) as u64;
        let snap = run.history().snapshot_at(step).unwrap();
        let sim = gram(snap.hidden.as_ref().unwrap());
        let theory = pred.matrices_at(snap.time).unwrap().hidden_gram.unwrap();
        let r = correlation(&sim, &theory);
        assert!(r > 0.999, "at step {}: correlation {r}", snap.step);
    }
    assert!(snaps.len() > 100);
}

#[test]
fn the_analytic_rsm_is_v_a_v_transposed() {
    let run = recipe();
    let pred = run.prediction().unwrap();
    let svd = run.svd();
    let t = 3.0;
    let a = pred.at(t).modes;
    let m = pred.matrices_at(t).unwrap().hidden_gram.unwrap();
    let mut want = ndarray::Array2::<f64>::zeros((8, 8));
    for k in 0..8 {
        let v = svd.v.column(k);
        for i in 0..8 {
            for j in 0..8 {
                want[(i, j)] += a[k] * v[i] * v[j];
            }
        }
    }
    let err = (&m - &want).iter().fold(0.0f64, |x, v| x.max(v.abs()));
    assert!(err < 1e-12, "{err}");
}

#[test]
fn a_novel_feature_taught_to_canary_generalises_as_the_theory_says_after_training() {
    let run = recipe();
    let items = &run.data().items;
    let last = run.history().snapshots().last().unwrap();
    let sim = novel_feature(&gram(last.hidden.as_ref().unwrap()), index(items, "canary"));
    let want = [
        ("pine", 0.0497),
        ("oak", 0.0418),
        ("rose", 0.0705),
        ("daisy", 0.1602),
        ("robin", 0.4461),
        ("canary", 1.0),
        ("sunfish", 0.2198),
        ("salmon", 0.1308),
    ];
    for (name, v) in want {
        let got = sim[index(items, name)];
        assert!((got - v).abs() < 0.01, "{name}: {got} vs {v}");
    }
    // The theory at the same time says the same.
    let pred = run.prediction().unwrap().matrices_at(last.time).unwrap();
    let th = novel_feature(pred.hidden_gram.as_ref().unwrap(), index(items, "canary"));
    for (name, v) in want {
        assert!((th[index(items, name)] - v).abs() < 0.01, "theory {name}");
    }
}

#[test]
fn a_novel_item_that_can_fly_is_predicted_to_be_a_bird_with_wings_and_feathers() {
    let run = recipe();
    let features = &run.data().features;
    let last = run.history().snapshots().last().unwrap();
    let r = last.readout.as_ref().unwrap();
    let proj = novel_item(&r.dot(&r.t()), index(features, "fly"));
    for (name, v) in [
        ("bird", 1.0),
        ("wings", 1.0),
        ("feathers", 1.0),
        ("animal", 0.7375),
        ("move", 0.7375),
    ] {
        let got = proj[index(features, name)];
        assert!((got - v).abs() < 0.01, "{name}: {got} vs {v}");
    }
}

#[test]
fn early_in_training_a_novel_feature_spreads_more_broadly_than_late() {
    let run = recipe();
    let items = &run.data().items;
    let canary = index(items, "canary");
    let pine = index(items, "pine");
    let early = run.history().snapshot_at(1000).unwrap();
    let late = run.history().snapshots().last().unwrap();
    let e = novel_feature(&gram(early.hidden.as_ref().unwrap()), canary);
    let l = novel_feature(&gram(late.hidden.as_ref().unwrap()), canary);
    assert!(
        e[pine] > l[pine] + 0.2,
        "early {} vs late {}",
        e[pine],
        l[pine]
    );
}
