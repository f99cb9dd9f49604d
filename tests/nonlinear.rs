//! Networks with a tanh or relu nonlinearity on their hidden layers (SMG14 section 4 and the
//! tanh curve of its Fig 3): they train, their gradients are right, their modes are read off
//! the map they implement, and the linear theory beside them is flagged as a reference only.

mod common;

use dln_explorer::config::{Activation, InitConfig, InitKind};
use dln_explorer::engine::init::initialise;
use dln_explorer::engine::network::mode_strengths_of;
use dln_explorer::engine::rng::Rng;
use dln_explorer::engine::Dataset;
use dln_explorer::linalg::Svd;
use dln_explorer::run::measures::gram;
use dln_explorer::run::{Change, Run};
use serde_json::json;

fn dims(data: &Dataset, hidden: &[usize]) -> Vec<usize> {
    let mut d = vec![data.n_inputs()];
    d.extend_from_slice(hidden);
    d.push(data.n_outputs());
    d
}

/// Runs `steps` steps and returns (initial loss, loss after every step).
fn losses(cfg: serde_json::Value, steps: u64) -> (f64, Vec<f64>) {
    let mut run = Run::new(&common::config(cfg));
    let first = run.state().loss;
    let mut out = Vec::new();
    for _ in 0..steps {
        assert_eq!(run.advance(1), 1, "the run stopped: {:?}", run.message());
        out.push(run.state().loss);
    }
    (first, out)
}

#[test]
fn a_tanh_network_with_gain_one_brings_the_rm8_loss_below_a_tenth_within_300_steps() {
    // rm8, 16 tanh hidden units, scaled Gaussian weights of gain g = 1 (std 1/sqrt(fan-in)),
    // lr = 0.01: the loss is about 4 % of its start after 100 steps.
    let (first, l) = losses(
        json!({"network": {"hidden": [16], "activation": "tanh"},
               "init": {"kind": "scaled_gaussian", "scale": 1.0},
               "train": {"lr": 0.01, "steps": 300}}),
        300,
    );
    assert!(l.iter().all(|v| v.is_finite()), "a NaN or infinity");
    assert!(
        l[299] < 0.1 * first,
        "loss {} after 300 steps from {first}",
        l[299]
    );
}

#[test]
fn a_deep_tanh_network_at_the_edge_of_chaos_trains() {
    // Three hidden tanh layers of 32 with orthogonal weights of gain 1 (SMG14's g_c = 1).
    let (first, l) = losses(
        json!({"network": {"hidden": [32, 32, 32], "activation": "tanh"},
               "init": {"kind": "orthogonal", "scale": 1.0},
               "train": {"lr": 0.01, "steps": 300}}),
        300,
    );
    assert!(l.iter().all(|v| v.is_finite()));
    assert!(l[299] < 0.01 * first, "loss {} from {first}", l[299]);
}

#[test]
fn a_relu_network_trains() {
    let (first, l) = losses(
        json!({"network": {"hidden": [16], "activation": "relu"},
               "init": {"kind": "scaled_gaussian", "scale": 1.0},
               "train": {"lr": 0.01, "steps": 400}}),
        400,
    );
    assert!(l.iter().all(|v| v.is_finite()));
    assert!(l[399] < 0.1 * first, "loss {} from {first}", l[399]);
}

#[test]
fn backpropagation_through_tanh_and_relu_equals_central_finite_differences() {
    let rm8 = Dataset::rm8();
    // Inputs that are not one-hot exercise the general path too.
    let mut dense = Dataset::toy4();
    let mut rng = Rng::new(4);
    dense.x = ndarray::Array2::from_shape_simple_fn((5, 4), || rng.gaussian());
    dense.one_hot = false;
    for act in [Activation::Tanh, Activation::Relu] {
        for (data, hidden) in [
            (&rm8, &[6][..]),
            (&rm8, &[5, 4]),
            (&rm8, &[3, 4, 5]),
            (&dense, &[4, 3]),
        ] {
            let svd = Svd::new(&data.sigma_yx().view());
            let init = InitConfig {
                kind: InitKind::ScaledGaussian,
                scale: 1.2,
                lambda: 0.0,
                ..InitConfig::default()
            };
            let net = initialise(&init, &dims(data, hidden), &svd, &mut Rng::new(17))
                .with_activation(act);
            let grads = net.gradients(data);
            let h = 1e-6;
            for (l, g) in grads.iter().enumerate() {
                for (i, j) in [(0, 0), (1, 2), (g.nrows() - 1, g.ncols() - 1)] {
                    let mut plus = net.clone();
                    plus.weights[l][(i, j)] += h;
                    let mut minus = net.clone();
                    minus.weights[l][(i, j)] -= h;
                    let fd = (plus.loss(data) - minus.loss(data)) / (2.0 * h);
                    let an = g[(i, j)];
                    assert!(
                        (fd - an).abs() <= 1e-6 * (1.0 + an.abs()),
                        "{act:?} hidden {hidden:?}, layer {l}, ({i},{j}): finite difference {fd} vs gradient {an}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_tanh_network_computes_tanh_on_the_hidden_layer_and_a_linear_output() {
    let data = Dataset::toy4();
    let svd = Svd::new(&data.sigma_yx().view());
    let init = InitConfig {
        kind: InitKind::ScaledGaussian,
        scale: 2.0,
        lambda: 0.0,
        ..InitConfig::default()
    };
    let net = initialise(&init, &dims(&data, &[5]), &svd, &mut Rng::new(2))
        .with_activation(Activation::Tanh);
    let expected = net.weights[1].dot(&net.weights[0].mapv(f64::tanh));
    let out = net.output(&data);
    assert!((&out - &expected).iter().all(|e| e.abs() < 1e-14));
    // With one-hot items the map the modes are read from is the output itself.
    assert_eq!(net.io_map(&data), out);
    // Without a hidden layer there is nothing for tanh to act on.
    let shallow = initialise(&init, &dims(&data, &[]), &svd, &mut Rng::new(2))
        .with_activation(Activation::Tanh);
    assert!(shallow.is_linear());
    assert_eq!(shallow.output(&data), shallow.product());
}

#[test]
fn the_modes_of_a_tanh_network_trained_long_reach_the_data_singular_values() {
    // The map on the training items converges to Y, so u_a^T f(X) v_a -> s_a.
    let mut run = Run::new(&common::config(json!({
        "network": {"hidden": [16], "activation": "tanh"},
        "init": {"kind": "small_gaussian", "scale": 0.01},
        "train": {"lr": 0.02, "steps": 4000, "record_every": 100}
    })));
    run.advance(4000);
    let st = run.state();
    assert!(st.finished);
    for (a, (m, s)) in st.modes.iter().zip(&st.singular_values).enumerate() {
        assert!((m - s).abs() < 1e-3 * s, "mode {a}: {m} vs s = {s}");
    }
    // And they are the projections of the network's output on the data's singular vectors.
    let direct = mode_strengths_of(&run.output(), run.svd());
    for (m, d) in st.modes.iter().zip(&direct) {
        assert!((m - d).abs() < 1e-12);
    }
}

#[test]
fn the_linear_theory_beside_a_tanh_network_is_flagged_as_a_reference_only() {
    let cfg = json!({
        "network": {"hidden": [16], "activation": "tanh"},
        "init": {"kind": "balanced", "scale": 0.001},
        "train": {"lr": 0.0015, "steps": 4000}
    });
    let mut run = Run::new(&common::config(cfg));
    run.advance(2000);
    let st = run.state();
    let theory = st.theory.as_ref().expect("the linear theory is drawn");
    assert!(!theory.exact);
    assert!(theory.reference_only);
    assert!(theory.label.starts_with("linear theory: reference only"));
    assert!(st
        .theory_note
        .as_deref()
        .unwrap()
        .contains("reference only"));
    assert!(st.theory_modes.is_some());
    assert_eq!(
        run.prediction().unwrap().quality(),
        "linear theory: reference only"
    );
    // The same start without tanh: exact, and no note.
    let linear = Run::new(&common::balanced(&[16], 0.001, 0.0015, 4000));
    let st = linear.state();
    assert!(st.theory.as_ref().unwrap().exact);
    assert!(!st.theory.as_ref().unwrap().reference_only);
    assert_eq!(st.theory_note, None);
    assert_eq!(linear.prediction().unwrap().quality(), "exact");
}

#[test]
fn a_nonlinear_start_without_a_linear_theory_says_why_and_that_it_has_none_anyway() {
    let run = Run::new(&common::config(json!({
        "network": {"hidden": [16, 16], "activation": "relu"},
        "init": {"kind": "scaled_gaussian", "scale": 1.0}
    })));
    let st = run.state();
    assert!(st.theory.is_none());
    let note = st.theory_note.unwrap();
    assert!(note.contains("no exact solution"), "{note}");
    assert!(note.contains("relu"), "{note}");
}

#[test]
fn changing_the_activation_restarts_the_run_and_names_the_change() {
    let mut run = Run::new(&common::config(json!({})));
    run.advance(50);
    let cfg = run
        .config()
        .merged(&json!({"network": {"activation": "tanh"}}))
        .unwrap();
    let change = run.reconfigure(&cfg);
    assert_eq!(change, Change::Reset("activation".into()));
    assert_eq!(run.step_count(), 0);
    assert_eq!(run.network().activation, Activation::Tanh);
}

#[test]
fn the_rsm_of_a_tanh_network_is_that_of_its_activated_hidden_layer() {
    let mut run = Run::new(&common::config(json!({
        "network": {"hidden": [12], "activation": "tanh"},
        "init": {"kind": "scaled_gaussian", "scale": 1.5},
        "train": {"lr": 0.01, "steps": 200, "record_every": 10}
    })));
    run.advance(200);
    let rsm = run.rsm().unwrap();
    assert_eq!(rsm.step, 200);
    let w1 = &run.network().weights[0];
    let want = gram(&w1.mapv(f64::tanh));
    let raw = gram(w1);
    let mut off_raw = 0.0f64;
    for i in 0..8 {
        for j in 0..8 {
            assert!((rsm.sim[i][j] - want[(i, j)]).abs() < 1e-12);
            off_raw = off_raw.max((rsm.sim[i][j] - raw[(i, j)]).abs());
        }
    }
    assert!(
        off_raw > 1e-3,
        "the pre-activation Gram would differ visibly ({off_raw})"
    );
    // The last snapshot keeps the activated layer, and no linear readout.
    let snap = run.history().snapshots().last().unwrap();
    assert!(snap.readout.is_none());
}
