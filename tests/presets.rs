//! The presets: every one loads, and the ones about depth and nonlinearity show what their
//! captions promise.

use dln_explorer::chapters::depth::sweep::{Sweep, SweepResults};
use dln_explorer::page::presets::{preset, presets};
use dln_explorer::run::Run;
use serde_json::json;

#[test]
fn every_preset_starts_a_run_and_its_sweep() {
    for p in presets() {
        let cfg = p.full_config().unwrap_or_else(|e| panic!("{}: {e}", p.id));
        let run = Run::new(&cfg);
        assert_eq!(run.step_count(), 0, "{}", p.id);
        let sweep = Sweep::new(&cfg);
        assert!(!sweep.is_done(), "{} has a sweep to run", p.id);
    }
}

fn sweep_of(id: &str, depths: &[usize]) -> SweepResults {
    let cfg = preset(id)
        .unwrap()
        .full_config()
        .unwrap()
        .merged(&json!({"sweep": {"depths": depths}}))
        .unwrap();
    let mut sweep = Sweep::new(&cfg);
    while !sweep.work(100_000) {}
    sweep.results().clone()
}

#[test]
fn every_preset_config_validates_and_names_a_caption() {
    for p in presets() {
        let cfg = p.full_config().unwrap_or_else(|e| panic!("{}: {e}", p.id));
        cfg.validate().unwrap();
        assert!(p.caption.len() > 40, "{}: caption too short", p.id);
        assert!(preset(p.id).is_some());
    }
}

#[test]
fn the_fig_6a_preset_sweeps_orthogonal_flat_and_scaled_gaussian_growing() {
    // A subset of the preset's depths, for speed.
    let r = sweep_of("depth_fig6a", &[2, 8, 32]);
    let orth = &r.learning_time["orthogonal"];
    let (o2, o32) = (orth[0].unwrap() as f64, orth[2].unwrap() as f64);
    assert!(o32 <= 2.0 * o2 && o32 < 20.0, "orthogonal {o2} -> {o32}");
    let gauss = &r.learning_time["scaled_gaussian"];
    let (g2, g8) = (gauss[0].unwrap() as f64, gauss[1].unwrap() as f64);
    assert!(g8 > 4.0 * g2, "scaled Gaussian {g2} -> {g8}");
    assert_eq!(
        gauss[2], None,
        "scaled Gaussian at depth 32 misses the limit"
    );
    assert_eq!(r.learning_time["small_gaussian"][1], None);
    let pre = &r.learning_time["pretrained"];
    assert!(pre[1].unwrap() as f64 >= orth[1].unwrap() as f64);
    assert!((pre[1].unwrap() as f64) < g8);
}

#[test]
fn the_infinite_depth_preset_shows_the_balanced_learning_time_levelling_off() {
    let r = sweep_of("infinite_depth", &[2, 16, 32, 64]);
    let t: Vec<f64> = r.learning_time["balanced"]
        .iter()
        .map(|t| t.expect("learned within the limit") as f64)
        .collect();
    assert!(t[1] > 5.0 * t[0], "grows at first: {t:?}");
    // Doubling the depth from 32 to 64 adds little: the time is levelling off.
    assert!(t[3] < 1.2 * t[2], "levels off: {t:?}");
    assert!(t[3] < 2500.0, "finite: {t:?}");
    // The simulation is on the exact solution.
    for (k, th) in r.theory["balanced"].iter().enumerate() {
        let th = th.unwrap();
        assert!(
            (t[k] / th - 1.0).abs() < 0.05,
            "depth index {k}: {} vs {th}",
            t[k]
        );
    }
    for o in &r.learning_time["orthogonal"] {
        assert!(o.unwrap() < 60);
    }
    // The preset's own 10-layer run learns on its exact theory.
    let mut run = Run::new(&preset("infinite_depth").unwrap().full_config().unwrap());
    assert_eq!(run.network().depth(), 10);
    run.advance(400);
    let st = run.state();
    assert!(st.theory.as_ref().unwrap().exact);
    assert!(st.loss < 1e-6, "loss {}", st.loss);
}

#[test]
fn the_edge_of_chaos_preset_trains_a_deep_tanh_network_and_a_small_gain_stalls() {
    let p = preset("edge_of_chaos").unwrap();
    let cfg = p.full_config().unwrap();
    assert_eq!(cfg.network.activation.name(), "tanh");
    assert_eq!(cfg.init.scale, 1.0);
    assert!(cfg.depth() >= 8);
    let mut run = Run::new(&cfg);
    let first = run.state().loss;
    run.advance(300);
    let st = run.state();
    assert!(st.loss.is_finite() && !st.diverged);
    assert!(st.loss < 0.01 * first, "loss {} from {first}", st.loss);
    assert!(!st.theory.as_ref().is_some_and(|t| t.exact));
    // Gain 0.5: the signal dies out with depth and the loss hardly moves in the same time.
    let ordered = cfg.merged(&json!({"init": {"scale": 0.5}})).unwrap();
    let mut run = Run::new(&ordered);
    let first = run.state().loss;
    run.advance(300);
    assert!(run.state().loss > 0.9 * first);
}
