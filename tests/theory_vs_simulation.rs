//! Gradient descent against the exact solutions.

mod common;

use dln_explorer::sim::theory::one_hidden;
use dln_explorer::sim::Run;

/// Largest |simulated - predicted| / s over every recorded step and mode.
fn worst_mode_error(run: &Run) -> f64 {
    let s = &run.svd().s;
    run.history()
        .records()
        .iter()
        .flat_map(|r| {
            let th = r.theory.as_ref().expect("balanced runs have a theory");
            r.modes
                .iter()
                .zip(th)
                .zip(s)
                .map(|((m, t), s)| (m - t).abs() / s)
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max)
}

#[test]
fn balanced_rm8_modes_track_eq12_within_two_percent_at_lr_times_s_max_of_one_percent() {
    let s_max = 6.320_6;
    let lr = 0.01 / s_max;
    let cfg = common::balanced(&[16], 1e-4, lr, 9000);
    let mut run = Run::new(&cfg).unwrap();
    run.advance(9000);
    // The run covers every mode's transition: the weakest is learned by the end.
    let last = run.history().last().unwrap();
    let s = &run.svd().s;
    assert!(
        last.modes[7] > 0.95 * s[7],
        "weakest mode only reached {}",
        last.modes[7]
    );
    let err = worst_mode_error(&run);
    assert!(err < 0.02, "worst error {err}");
    // And the theory column is eq. 12 itself, evaluated at t = steps * lr.
    for r in run.history().records().iter().step_by(50) {
        let th = r.theory.as_ref().unwrap();
        for (a, &sa) in s.iter().enumerate() {
            let want = one_hidden(sa, 1.0, 1e-4, r.step as f64 * lr);
            assert!((th[a] - want).abs() <= 1e-12 * want.max(1.0));
        }
    }
}

#[test]
fn halving_the_learning_rate_halves_the_discretisation_error() {
    let s_max = 6.320_6;
    let run_with = |lr: f64, steps: u64| {
        let mut run = Run::new(&common::balanced(&[16], 1e-4, lr, steps)).unwrap();
        run.advance(steps);
        worst_mode_error(&run)
    };
    let coarse = run_with(0.01 / s_max, 9000);
    let fine = run_with(0.005 / s_max, 18000);
    let ratio = coarse / fine;
    assert!(
        (1.6..2.4).contains(&ratio),
        "error ratio {ratio} ({coarse} vs {fine})"
    );
}

#[test]
fn a_shallow_network_follows_its_exponential_solution_from_a_random_start() {
    let cfg = common::config(serde_json::json!({
        "network": {"hidden": []},
        "init": {"kind": "small_gaussian", "scale": 0.1},
        "train": {"lr": 0.001, "steps": 5000, "record_every": 50}
    }));
    let mut run = Run::new(&cfg).unwrap();
    assert!(run.overlay().unwrap().exact);
    run.advance(5000);
    let s = &run.svd().s;
    for r in run.history().records() {
        for ((m, t), s) in r.modes.iter().zip(r.theory.as_ref().unwrap()).zip(s) {
            assert!((m - t).abs() / s < 0.01, "step {}: {m} vs {t}", r.step);
        }
    }
}

#[test]
fn a_too_large_learning_rate_stops_the_run_with_a_message_and_no_nan_in_the_history() {
    let cfg = common::config(serde_json::json!({"train": {"lr": 1.0}}));
    let mut run = Run::new(&cfg).unwrap();
    let taken = run.advance(10_000);
    assert!(taken < 10_000);
    let state = run.state();
    assert!(state.diverged);
    assert!(state.message.unwrap().contains("learning rate"));
    for r in run.history().records() {
        assert!(r.loss.is_finite() && r.modes.iter().all(|m| m.is_finite()));
    }
    assert!(state.loss.is_finite());
}

#[test]
fn changing_the_learning_rate_mid_run_keeps_the_steps_and_the_theory_time_axis() {
    let mut run = Run::new(&common::balanced(&[16], 1e-3, 0.001, 20000)).unwrap();
    run.advance(1000);
    let mut cfg = run.config().clone();
    cfg.train.lr = 0.002;
    let change = run.reconfigure(&cfg).unwrap();
    assert_eq!(change, dln_explorer::sim::Change::Live);
    assert_eq!(run.step_count(), 1000);
    run.advance(1000);
    let st = run.state();
    assert!((st.time - 3.0).abs() < 1e-9, "time {}", st.time);
    let want = one_hidden(run.svd().s[0], 1.0, 1e-3, 3.0);
    assert!((st.theory_modes.unwrap()[0] - want).abs() < 1e-12);
}

#[test]
fn changing_the_architecture_restarts_the_run_and_says_why() {
    let mut run = Run::new(&common::config(serde_json::json!({}))).unwrap();
    run.advance(100);
    let mut cfg = run.config().clone();
    cfg.network.hidden = vec![8, 8];
    match run.reconfigure(&cfg).unwrap() {
        dln_explorer::sim::Change::Reset(why) => assert!(why.contains("network")),
        other => panic!("expected a reset, got {other:?}"),
    }
    assert_eq!(run.step_count(), 0);
    assert_eq!(run.network().depth(), 3);
}
