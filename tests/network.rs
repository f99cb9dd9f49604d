//! The network, its gradient and its initialisations.

mod common;

use dln_explorer::config::{InitConfig, InitKind};
use dln_explorer::engine::init::initialise;
use dln_explorer::engine::rng::Rng;
use dln_explorer::engine::Dataset;
use dln_explorer::linalg::Svd;
use ndarray::Array2;

fn dims(data: &Dataset, hidden: &[usize]) -> Vec<usize> {
    let mut d = vec![data.n_inputs()];
    d.extend_from_slice(hidden);
    d.push(data.n_outputs());
    d
}

#[test]
fn the_gradient_equals_central_finite_differences_of_the_summed_loss() {
    let data = Dataset::rm8();
    let svd = Svd::new(&data.sigma_yx().view());
    for hidden in [&[][..], &[6], &[5, 4], &[3, 4, 5]] {
        let init = InitConfig {
            kind: InitKind::ScaledGaussian,
            scale: 0.8,
            lambda: 0.0,
            ..InitConfig::default()
        };
        let net = initialise(&init, &dims(&data, hidden), &svd, &mut Rng::new(11));
        let grads = net.gradients(&data);
        let h = 1e-6;
        for (l, g) in grads.iter().enumerate() {
            for &(i, j) in &[(0, 0), (1, 2), (g.nrows() - 1, g.ncols() - 1)] {
                let mut plus = net.clone();
                plus.weights[l][(i, j)] += h;
                let mut minus = net.clone();
                minus.weights[l][(i, j)] -= h;
                let fd = (plus.loss(&data) - minus.loss(&data)) / (2.0 * h);
                let an = g[(i, j)];
                assert!(
                    (fd - an).abs() <= 1e-6 * (1.0 + an.abs()),
                    "hidden {hidden:?}, layer {l}, ({i},{j}): finite difference {fd} vs gradient {an}"
                );
            }
        }
    }
}

#[test]
fn orthogonal_initialisation_gives_orthonormal_rows_or_columns_times_the_scale() {
    let data = Dataset::rm8();
    let svd = Svd::new(&data.sigma_yx().view());
    let scale = 0.7;
    let init = InitConfig {
        kind: InitKind::Orthogonal,
        scale,
        lambda: 0.0,
        ..InitConfig::default()
    };
    let net = initialise(&init, &dims(&data, &[16, 5, 20]), &svd, &mut Rng::new(3));
    for w in &net.weights {
        let (r, c) = w.dim();
        let gram = if r >= c { w.t().dot(w) } else { w.dot(&w.t()) };
        let n = gram.nrows();
        let want = Array2::<f64>::eye(n) * scale * scale;
        let err = (&gram - &want).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(err < 1e-12, "{r}x{c} matrix is off by {err}");
    }
}

#[test]
fn balanced_initialisation_starts_every_mode_at_u0_for_every_depth() {
    let data = Dataset::rm8();
    let svd = Svd::new(&data.sigma_yx().view());
    for hidden in [&[][..], &[16], &[16, 12], &[10, 10, 10, 10]] {
        let u0 = 0.03;
        let init = InitConfig {
            kind: InitKind::Balanced,
            scale: u0,
            lambda: 0.0,
            ..InitConfig::default()
        };
        let net = initialise(&init, &dims(&data, hidden), &svd, &mut Rng::new(9));
        let modes = net.mode_strengths(&svd);
        assert_eq!(modes.len(), 8);
        for (a, m) in modes.iter().enumerate() {
            assert!((m - u0).abs() < 1e-12, "hidden {hidden:?}, mode {a}: {m}");
        }
        // And the end-to-end map is exactly u0 U V^T: nothing outside the modes.
        let expected = svd.u.dot(&svd.v.t()) * u0;
        let err = (&net.product() - &expected)
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(err < 1e-12, "hidden {hidden:?}: off-mode weight {err}");
    }
}

#[test]
fn a_balanced_network_narrower_than_the_data_carries_only_its_strongest_modes() {
    let data = Dataset::rm8();
    let svd = Svd::new(&data.sigma_yx().view());
    let init = InitConfig {
        kind: InitKind::Balanced,
        scale: 0.5,
        lambda: 0.0,
        ..InitConfig::default()
    };
    let net = initialise(&init, &dims(&data, &[3]), &svd, &mut Rng::new(1));
    let modes = net.mode_strengths(&svd);
    for (a, m) in modes.iter().enumerate() {
        let want = if a < 3 { 0.5 } else { 0.0 };
        assert!((m - want).abs() < 1e-12, "mode {a}: {m}");
    }
}

#[test]
fn mode_strengths_read_through_the_layers_equal_those_of_the_end_to_end_map() {
    use dln_explorer::engine::network::mode_strengths_of;
    // A deep, narrow network on a dataset wider than it (the case the layer-by-layer reading
    // is for), from a random start so every mode and every off-mode entry is non-zero.
    let data = Dataset::tree(2, 5);
    let svd = Svd::new(&data.sigma_yx().view());
    for hidden in [&[][..], &[7], &[9, 4], &[6, 6, 6]] {
        let init = InitConfig {
            kind: InitKind::ScaledGaussian,
            scale: 1.0,
            lambda: 0.0,
            ..InitConfig::default()
        };
        let net = initialise(&init, &dims(&data, hidden), &svd, &mut Rng::new(4));
        let layered = net.mode_strengths(&svd);
        let of_map = mode_strengths_of(&net.product(), &svd);
        assert_eq!(layered.len(), svd.s.len());
        let scale = of_map.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(
            scale > 1e-3,
            "hidden {hidden:?}: the start has no mode to compare"
        );
        for (a, (x, y)) in layered.iter().zip(&of_map).enumerate() {
            assert!(
                (x - y).abs() <= 1e-12 * scale,
                "hidden {hidden:?}, mode {a}: {x} through the layers, {y} from W_tot"
            );
        }
    }
}

#[test]
fn scaled_gaussian_weights_have_standard_deviation_scale_over_root_fan_in() {
    let data = Dataset::tree(2, 7); // 128 items
    let svd = Svd::new(&data.sigma_yx().view());
    let init = InitConfig {
        kind: InitKind::ScaledGaussian,
        scale: 2.0,
        lambda: 0.0,
        ..InitConfig::default()
    };
    let net = initialise(&init, &dims(&data, &[200]), &svd, &mut Rng::new(5));
    let w = &net.weights[0];
    let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
    let want = 4.0 / 128.0;
    assert!(
        (var / want - 1.0).abs() < 0.03,
        "variance {var}, want {want}"
    );
}

#[test]
fn the_xavier_gamma_rule_draws_each_layer_with_std_gamma_over_the_root_of_its_fan_in_plus_fan_out()
{
    use dln_explorer::config::InitRule;
    let data = Dataset::rm8();
    let svd = Svd::new(&data.sigma_yx().view());
    let gamma = 3e-13;
    let init = InitConfig {
        kind: InitKind::SmallGaussian,
        scale: gamma,
        rule: InitRule::XavierGamma,
        ..InitConfig::default()
    };
    let d = dims(&data, &[200]);
    let net = initialise(&init, &d, &svd, &mut Rng::new(4));
    for (l, w) in net.weights.iter().enumerate() {
        let (n_out, n_in) = w.dim();
        let want = gamma / ((n_in + n_out) as f64).sqrt();
        let got = (w.iter().map(|x| x * x).sum::<f64>() / w.len() as f64).sqrt();
        // 1600 or 7200 draws: the sample std is within 5 % of the std.
        assert!(
            (got / want - 1.0).abs() < 0.05,
            "layer {l}: std {got:e}, want {want:e}"
        );
    }
    // The std rule keeps every layer at the scale itself.
    let plain = InitConfig {
        rule: InitRule::Std,
        ..init
    };
    let net = initialise(&plain, &d, &svd, &mut Rng::new(4));
    for w in &net.weights {
        let got = (w.iter().map(|x| x * x).sum::<f64>() / w.len() as f64).sqrt();
        assert!((got / gamma - 1.0).abs() < 0.05, "std {got:e}");
    }
}
