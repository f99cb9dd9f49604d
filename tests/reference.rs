//! Datasets, spectra and exact solutions against the independent numpy test vectors in
//! tests/reference/.

use dln_explorer::engine::data::{diffusion_expected_singular_values, tree_singular_values};
use dln_explorer::engine::Dataset;
use dln_explorer::linalg::Svd;
use dln_explorer::theory::riccati::Riccati;
use dln_explorer::theory::{
    deep_time, eq17_time, lambda_balanced_mode, one_hidden, one_hidden_time, shallow, ModeCurve,
};
use ndarray::Array2;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(f64s).collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

/// Within `abs` of each other, or within `rel` of the larger magnitude (approx's relative
/// comparison).
fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    approx::relative_eq!(a, b, epsilon = abs, max_relative = rel)
}

fn assert_all_close(got: &[f64], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close(*g, *w, rel, 1e-12), "{what}[{i}]: {g} vs {w}");
    }
}

#[test]
fn rm8_and_toy4_singular_values_and_vectors_match_the_reference_to_1e_9() {
    let d = load("datasets.json");
    for (name, data) in [("rm8", Dataset::rm8()), ("toy4", Dataset::toy4())] {
        let r = &d[name];
        let items: Vec<String> = r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_lowercase())
            .collect();
        assert_eq!(items, data.items, "{name} items");
        assert_eq!(matrix(&r["Y_feature_by_item"]), data.y, "{name} matrix");
        let svd = Svd::new(&data.sigma_yx().view());
        assert_all_close(&svd.s, &f64s(&r["singular_values_sum_conv"]), 1e-9, name);
    }
    // rm8's spectrum is non-degenerate, so its vectors are determined up to the sign convention.
    let r = &d["rm8"];
    let svd = Svd::new(&Dataset::rm8().sigma_yx().view());
    let (u, v) = (matrix(&r["U"]), matrix(&r["V"]));
    for (got, want) in [(&svd.u, &u), (&svd.v, &v)] {
        let err = (got - want).iter().fold(0.0f64, |m, x| m.max(x.abs()));
        assert!(err < 1e-9, "singular vectors differ by {err}");
    }
}

#[test]
fn tree_datasets_match_the_reference_matrices_and_their_closed_form_spectra() {
    let d = load("datasets.json");
    for (b, levels) in [(2, 3), (2, 4), (3, 2)] {
        let r = &d[format!("tree_nodes_B{b}_D{levels}").as_str()];
        let data = Dataset::tree(b, levels);
        assert_eq!(matrix(&r["Y_feature_by_item"]), data.y);
        let svd = Svd::new(&data.sigma_yx().view());
        assert_all_close(&svd.s, &f64s(&r["singular_values"]), 1e-9, "numeric");
        assert_all_close(
            &tree_singular_values(b, levels),
            &f64s(&r["analytic_sv"]),
            1e-12,
            "closed form",
        );
        assert_all_close(&svd.s, &tree_singular_values(b, levels), 1e-9, "ours");
    }
}

#[test]
fn branching_diffusion_expected_spectra_match_the_reference() {
    let d = load("datasets.json");
    for case in d["branching_diffusion"].as_array().unwrap() {
        let b = case["B"].as_u64().unwrap() as usize;
        let levels = case["D"].as_u64().unwrap() as usize;
        let eps = case["eps"].as_f64().unwrap();
        let nf = case["n_features"].as_u64().unwrap() as usize;
        let got = diffusion_expected_singular_values(b, levels, eps, nf);
        assert_all_close(&got, &f64s(&case["expected_sv_sum_conv"]), 1e-9, "expected");
    }
}

#[test]
fn a_sampled_diffusion_dataset_has_singular_values_near_the_expected_ones() {
    let (b, levels, eps, nf) = (2, 3, 0.1, 4000);
    let want = diffusion_expected_singular_values(b, levels, eps, nf);
    let data = Dataset::diffusion(b, levels, nf, eps, 7);
    let got = Svd::new(&data.sigma_yx().view()).s;
    for (g, w) in got.iter().zip(&want) {
        assert!((g / w - 1.0).abs() < 0.08, "{g} vs expected {w}");
    }
}

#[test]
fn eq12_eq11_and_the_shallow_solution_match_the_reference_points_to_1e_6() {
    let m = load("mode_solutions.json");
    for case in m["u_3layer"].as_array().unwrap() {
        let (s, u0, tau) = (
            case["s"].as_f64().unwrap(),
            case["u0"].as_f64().unwrap(),
            case["tau"].as_f64().unwrap(),
        );
        let got: Vec<f64> = f64s(&case["t"])
            .iter()
            .map(|t| one_hidden(s, 1.0, u0, t / tau))
            .collect();
        assert_all_close(&got, &f64s(&case["u"]), 1e-6, "u_3layer");
    }
    for case in m["u_shallow"].as_array().unwrap() {
        let (s, u0, tau) = (
            case["s"].as_f64().unwrap(),
            case["u0"].as_f64().unwrap(),
            case["tau"].as_f64().unwrap(),
        );
        let got: Vec<f64> = f64s(&case["t"])
            .iter()
            .map(|t| shallow(s, 1.0, u0, t / tau))
            .collect();
        assert_all_close(&got, &f64s(&case["u"]), 1e-6, "u_shallow");
    }
    for case in m["t_3layer"].as_array().unwrap() {
        let (s, u0, uf, tau) = (
            case["s"].as_f64().unwrap(),
            case["u0"].as_f64().unwrap(),
            case["uf"].as_f64().unwrap(),
            case["tau"].as_f64().unwrap(),
        );
        let t = tau * one_hidden_time(s, 1.0, u0, uf);
        assert!(
            close(t, case["t"].as_f64().unwrap(), 1e-6, 0.0),
            "t_3layer {t}"
        );
    }
}

#[test]
fn deep_trajectories_and_learning_times_match_the_reference_to_1e_6() {
    let m = load("mode_solutions.json");
    for case in m["u_deep"].as_array().unwrap() {
        let d = case["D"].as_u64().unwrap() as usize;
        let (s, u0, tau) = (
            case["s"].as_f64().unwrap(),
            case["u0"].as_f64().unwrap(),
            case["tau"].as_f64().unwrap(),
        );
        let curve = ModeCurve::balanced(d, s, 1.0, u0);
        let got: Vec<f64> = f64s(&case["t"]).iter().map(|t| curve.at(t / tau)).collect();
        assert_all_close(&got, &f64s(&case["u"]), 1e-6, &format!("u_deep D={d}"));
    }
    for case in m["t_deep"].as_array().unwrap() {
        let d = case["D"].as_u64().unwrap() as usize;
        let (s, u0, uf) = (
            case["s"].as_f64().unwrap(),
            case["u0"].as_f64().unwrap(),
            case["uf"].as_f64().unwrap(),
        );
        let t = case["tau"].as_f64().unwrap() * deep_time(d, s, 1.0, u0, uf);
        assert!(
            close(t, case["t"].as_f64().unwrap(), 1e-6, 0.0),
            "t_deep D={d}: {t}"
        );
    }
    for case in m["t_deep_largeD_eq17"].as_array().unwrap() {
        let d = case["D"].as_u64().unwrap() as usize;
        let (s, u0, uf) = (
            case["s"].as_f64().unwrap(),
            case["u0"].as_f64().unwrap(),
            case["uf"].as_f64().unwrap(),
        );
        let exact = deep_time(d, s, 1.0, u0, uf);
        assert!(
            close(exact, case["t_exact"].as_f64().unwrap(), 1e-6, 0.0),
            "D={d}: {exact}"
        );
        let approx = eq17_time(d, s, u0, uf);
        assert!(
            close(approx, case["t_eq17"].as_f64().unwrap(), 1e-9, 0.0),
            "eq17 D={d}: {approx}"
        );
    }
}

#[test]
fn the_deep_trajectory_reaches_its_half_way_point_at_the_quadrature_time() {
    for d in [3, 5, 8, 20] {
        let (s, u0) = (1.7, 1e-3);
        let curve = ModeCurve::balanced(d, s, 1.0, u0);
        let t = deep_time(d, s, 1.0, u0, s / 2.0);
        assert!(
            close(curve.at(t), s / 2.0, 1e-6, 0.0),
            "D={d}: u({t}) = {}",
            curve.at(t)
        );
    }
}

#[test]
fn the_aligned_lambda_balanced_mode_matches_the_reference_including_its_layer_strengths() {
    let m = load("mode_solutions.json");
    for case in m["lambda_balanced"].as_array().unwrap() {
        let (s, a0, b0) = (
            case["s"].as_f64().unwrap(),
            case["a0"].as_f64().unwrap(),
            case["b0"].as_f64().unwrap(),
        );
        let ts = f64s(&case["t"]);
        let (mut u, mut a, mut b) = (vec![], vec![], vec![]);
        for t in &ts {
            let r = lambda_balanced_mode(s, a0, b0, *t);
            u.push(r.0);
            a.push(r.1);
            b.push(r.2);
        }
        assert_all_close(&u, &f64s(&case["u"]), 1e-6, "u");
        assert_all_close(&a, &f64s(&case["a"]), 1e-6, "a");
        assert_all_close(&b, &f64s(&case["b"]), 1e-6, "b");
    }
}

#[test]
fn the_riccati_solution_matches_the_qqt_reference_for_every_lambda() {
    let r = load("riccati_qqt.json");
    for (key, case) in r.as_object().unwrap() {
        let lambda: f64 = key.trim_start_matches("lam=").parse().unwrap();
        let (w1, w2, syx) = (
            matrix(&case["W1_0"]),
            matrix(&case["W2_0"]),
            matrix(&case["Syx"]),
        );
        let mut sol = Riccati::new(&w1, &w2, &syx, 1.0, lambda);
        for (k, t) in f64s(&case["t"]).iter().enumerate() {
            let snap = sol.at(*t);
            for (got, name) in [
                (&snap.w2w1, "W2W1"),
                (&snap.w1tw1, "W1tW1"),
                (&snap.w2w2t, "W2W2t"),
            ] {
                let want = matrix(&case[name][k]);
                let err = (got - &want).iter().fold(0.0f64, |m, x| m.max(x.abs()));
                assert!(err < 1e-8, "{key} {name} at t={t}: off by {err}");
            }
        }
    }
}

#[test]
fn the_riccati_solution_reduces_to_the_aligned_closed_form_for_a_single_mode() {
    // One input, one hidden unit, one output: W1 = b0, W2 = a0, Sigma_yx = s.
    let (s, a0, b0) = (1.3, 0.9, 0.2);
    let syx = Array2::from_elem((1, 1), s);
    let w1 = Array2::from_elem((1, 1), b0);
    let w2 = Array2::from_elem((1, 1), a0);
    let mut sol = Riccati::new(&w1, &w2, &syx, 1.0, a0 * a0 - b0 * b0);
    for t in [0.1, 0.7, 2.0, 6.0] {
        let got = sol.at(t).w2w1[(0, 0)];
        let want = lambda_balanced_mode(s, a0, b0, t).0;
        assert!(close(got, want, 1e-9, 1e-12), "t={t}: {got} vs {want}");
    }
}
