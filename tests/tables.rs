//! The data-table view of the charts: each panel's table lists the numbers its chart draws,
//! read back here against the model the chart is drawn from.

use dln_explorer::chapters::registry::panel_names;
use dln_explorer::chapters::semantic::coherence::bbp_overlap;
use dln_explorer::chapters::Registry;
use dln_explorer::config::Config;
use dln_explorer::run::measures::gram;
use serde_json::{json, Value};

fn registry(patch: Value) -> Registry {
    Registry::new(&Config::default().merged(&patch).unwrap())
}

/// The semantic dataset on a deep network, trained a little.
fn trained() -> Registry {
    let mut reg = registry(json!({"dataset": {"kind": "rm8"}}));
    reg.advance(400);
    reg
}

fn table(reg: &Registry, panel: &str) -> Value {
    reg.table(panel).unwrap_or_else(|e| panic!("{panel}: {e}"))
}

fn rows(t: &Value) -> &Vec<Value> {
    t["rows"].as_array().expect("rows")
}

/// The column of a table named `name`.
fn column(t: &Value, name: &str) -> usize {
    t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name:?} in {}", t["columns"]))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn every_panel_answers_a_table_whose_rows_fill_its_columns() {
    let mut reg = trained();
    reg.call("refineCoherence", &[]).unwrap();
    reg.call("refineSpectra", &[]).unwrap();
    reg.call("genStep", &[json!(100)]).unwrap();
    reg.call("contextAdvance", &[json!(100)]).unwrap();
    for panel in panel_names() {
        let t = table(&reg, panel);
        assert!(t.is_object(), "{panel} has no table: {t}");
        let n = t["columns"].as_array().map_or(0, Vec::len);
        assert!(n >= 1, "{panel}: {t}");
        for row in rows(&t) {
            assert_eq!(row.as_array().unwrap().len(), n, "{panel}: {row}");
        }
        // A table without rows says why.
        if rows(&t).is_empty() {
            assert!(
                t["note"].is_string(),
                "{panel}: an empty table without a note"
            );
        }
    }
}

#[test]
fn the_run_charts_tables_have_rows_once_the_run_has_trained() {
    let reg = trained();
    for panel in [
        "loss",
        "modes",
        "output",
        "svd",
        "mds",
        "rsm",
        "illusion",
        "typicality",
        "projection",
    ] {
        assert!(!rows(&table(&reg, panel)).is_empty(), "{panel}");
    }
}

#[test]
fn the_output_table_holds_the_network_output_beside_its_target() {
    let reg = trained();
    let t = table(&reg, "output");
    let run = reg.session().run();
    let (out, data) = (run.output(), run.data());
    assert_eq!(rows(&t).len(), data.n_items() * data.n_outputs());
    let (o, y) = (column(&t, "network output"), column(&t, "target"));
    for row in rows(&t) {
        let i = data.items.iter().position(|s| row[0] == *s).unwrap();
        let m = data.features.iter().position(|s| row[1] == *s).unwrap();
        assert!(close(f(&row[o]), out[(m, i)]), "{row}");
        assert!(close(f(&row[y]), data.y[(m, i)]), "{row}");
    }
}

#[test]
fn the_svd_table_rebuilds_the_input_output_correlation() {
    let reg = trained();
    let t = table(&reg, "svd");
    let run = reg.session().run();
    let data = run.data();
    let r = run.svd().rank();
    // U S Vᵀ from the table's rows.
    let mut u = vec![vec![0.0; r]; data.n_outputs()];
    let mut s = vec![0.0; r];
    let mut vt = vec![vec![0.0; data.n_items()]; r];
    let mode = |v: &Value| -> usize {
        v.as_str()
            .unwrap()
            .trim_start_matches("mode ")
            .parse::<usize>()
            .unwrap()
            - 1
    };
    for row in rows(&t) {
        let x = f(&row[3]);
        match row[0].as_str().unwrap() {
            "U" => {
                let m = data.features.iter().position(|s| row[1] == *s).unwrap();
                u[m][mode(&row[2])] = x;
            }
            "S" => s[mode(&row[1])] = x,
            _ => {
                let i = data.items.iter().position(|s| row[2] == *s).unwrap();
                vt[mode(&row[1])][i] = x;
            }
        }
    }
    assert_eq!(s, run.svd().s.to_vec()[..r]);
    // Σʸˣ = Y Xᵀ (the sum convention); the items are one-hot, one input each.
    let syx = data.sigma_yx();
    for m in 0..data.n_outputs() {
        for i in 0..data.n_items() {
            let back: f64 = (0..r).map(|a| u[m][a] * s[a] * vt[a][i]).sum();
            let want = syx[(m, i)];
            assert!((back - want).abs() < 1e-9, "({m}, {i}): {back} vs {want}");
        }
    }
}

#[test]
fn the_similarity_table_holds_the_hidden_gram_matrix_at_the_view_step() {
    let reg = trained();
    let t = table(&reg, "rsm");
    let run = reg.session().run();
    let snap = run
        .history()
        .snapshot_at(reg.view().step(run))
        .expect("a snapshot");
    let g = gram(snap.hidden.as_ref().unwrap());
    let n = run.data().n_items();
    assert_eq!(rows(&t).len(), n * n);
    let sim = column(&t, "network 1, simulated");
    let theory = column(&t, "theory V A Vᵀ");
    for (k, row) in rows(&t).iter().enumerate() {
        assert!(close(f(&row[sim]), g[(k / n, k % n)]), "{row}");
        assert!(row[theory].is_number(), "{row}");
    }
}

#[test]
fn a_shallow_network_has_an_empty_similarity_table_that_says_why() {
    let reg = registry(json!({"dataset": {"kind": "rm8"}, "network": {"hidden": []}}));
    let t = table(&reg, "rsm");
    assert!(rows(&t).is_empty());
    assert!(t["note"].as_str().unwrap().contains("shallow"), "{t}");
}

#[test]
fn the_illusion_table_lists_the_chosen_output_at_each_snapshot_and_the_theory_in_step_order() {
    let reg = trained();
    let t = table(&reg, "illusion");
    let run = reg.session().run();
    let (m, i) = reg.view().illusion_pick(run);
    let sim = column(&t, "network output");
    let theory = column(&t, "predicted output");
    let simulated: Vec<(f64, f64)> = rows(&t)
        .iter()
        .filter(|r| r[sim].is_number())
        .map(|r| (f(&r[0]), f(&r[sim])))
        .collect();
    let snaps = run.history().snapshots();
    assert_eq!(simulated.len(), snaps.len());
    for (s, (step, v)) in snaps.iter().zip(&simulated) {
        assert_eq!(s.step as f64, *step);
        assert!(close(s.output[(m, i)], *v));
    }
    assert_eq!(
        rows(&t).iter().filter(|r| r[theory].is_number()).count(),
        241
    );
    let steps: Vec<f64> = rows(&t).iter().map(|r| f(&r[0])).collect();
    assert!(steps.windows(2).all(|w| w[0] <= w[1]), "in step order");
}

#[test]
fn the_typicality_table_lists_each_item_with_its_analyzer_entry_and_crossing_steps() {
    let reg = trained();
    let t = table(&reg, "typicality");
    let run = reg.session().run();
    let typ = run.typicality(reg.view().category_mode(run));
    assert_eq!(rows(&t).len(), run.data().n_items());
    let v = column(&t, "typicality vᵢ");
    let member = column(&t, "in the category");
    for (k, row) in rows(&t).iter().enumerate() {
        assert!(close(f(&row[v]), typ.v[k]));
        assert_eq!(row[member], json!(typ.members[k]));
    }
}

#[test]
fn the_projection_table_has_one_row_per_bar() {
    let reg = trained();
    let t = table(&reg, "projection");
    let run = reg.session().run();
    assert_eq!(rows(&t).len(), run.data().n_items());
    assert_eq!(t["columns"][0], json!("item"));
    for row in rows(&t) {
        assert!(row[1].is_number() && row[2].is_number(), "{row}");
    }
}

#[test]
fn the_map_table_places_every_item_at_every_snapshot_up_to_the_view_step() {
    let reg = trained();
    let t = table(&reg, "mds");
    let run = reg.session().run();
    let n = run.data().n_items();
    let upto = reg.view().step(run);
    let snaps = run
        .history()
        .snapshots()
        .iter()
        .filter(|s| s.step <= upto)
        .count();
    assert_eq!(rows(&t).len(), n * snaps);
    for row in rows(&t) {
        for c in 2..6 {
            assert!(row[c].as_f64().is_some_and(f64::is_finite), "{row}");
        }
    }
}

#[test]
fn the_coherence_table_is_the_measured_curve_beside_its_large_n_limit() {
    let mut reg = registry(json!({}));
    let t = table(&reg, "coherence");
    assert!(rows(&t).is_empty() && t["note"].is_string(), "{t}");
    reg.call("refineCoherence", &[]).unwrap();
    let t = table(&reg, "coherence");
    assert!(!rows(&t).is_empty());
    let sizes = reg.chapters().semantic.coherence.sizes();
    let curve = reg.chapters().semantic.coherence.curve();
    let limit = column(&t, "overlap, large-N limit");
    for (row, p) in rows(&t).iter().zip(&curve) {
        assert!(close(f(&row[0]), p.c));
        assert!(close(f(&row[1]), p.mean));
        assert!(close(f(&row[limit]), bbp_overlap(p.c, sizes)));
    }
}

#[test]
fn the_spectra_table_shares_sum_to_one_and_the_orthogonal_product_sits_at_one() {
    let mut reg = registry(json!({}));
    while reg.call("refineSpectra", &[]).unwrap() != json!(true) {}
    let t = table(&reg, "spectra");
    let gauss = column(&t, "share of σ, Gaussian product");
    let orth = column(&t, "share of σ, orthogonal product");
    let sum = |c: usize| rows(&t).iter().map(|r| f(&r[c])).sum::<f64>();
    assert!((sum(gauss) - 1.0).abs() < 1e-9);
    assert!((sum(orth) - 1.0).abs() < 1e-9);
    let spike = rows(&t)
        .iter()
        .find(|r| f(&r[0]) <= 1.0 && 1.0 < f(&r[1]))
        .expect("a bin holds σ = 1");
    assert!((f(&spike[orth]) - 1.0).abs() < 1e-9, "{spike}");
}

#[test]
fn the_phase_table_follows_a_trajectory_that_keeps_a_squared_minus_b_squared() {
    let mut reg = registry(json!({}));
    reg.call("phaseClear", &[]).unwrap();
    let t = table(&reg, "phase");
    assert!(rows(&t).is_empty());
    assert!(t["note"].as_str().unwrap().contains("click"), "{t}");
    reg.call("phaseStart", &[json!(0.3), json!(0.1)]).unwrap();
    while reg.call("phaseTick", &[json!(1.0)]).unwrap() == json!(true) {}
    let t = table(&reg, "phase");
    let s = f(&reg.call("phaseState", &[]).unwrap()["s"]);
    let (ab, c) = (column(&t, "ab"), column(&t, "a² − b²"));
    let r = rows(&t);
    assert!(r.len() > 10);
    let c0 = f(&r[0][c]);
    assert!((c0 - (0.09 - 0.01)).abs() < 1e-12);
    assert!(
        r.iter().all(|row| (f(&row[c]) - c0).abs() < 1e-6),
        "conserved"
    );
    let last = r.last().unwrap();
    assert!(
        (f(&last[ab]) - s).abs() < 1e-5 * s,
        "ends on ab = s: {last}"
    );
}

#[test]
fn the_sweep_table_before_a_sweep_says_how_to_fill_it() {
    let reg = registry(json!({}));
    let t = table(&reg, "sweep");
    assert!(rows(&t).is_empty());
    assert!(t["note"].as_str().unwrap().contains("Run sweep"), "{t}");
}

#[test]
fn the_stopping_time_table_is_the_closed_form_for_each_direction() {
    // SNR 4: σ_w² = 0.8, σ_ε² = 0.2, from zero weights, so t*(λ) = ln(1 + 4λ)/λ (in τ).
    let mut reg = registry(json!({}));
    reg.call("genStep", &[json!(1)]).unwrap();
    let t = table(&reg, "gen-stop");
    assert!(rows(&t).len() > 100);
    let mut last = f64::INFINITY;
    for row in rows(&t) {
        let (l, ts) = (f(&row[0]), f(&row[1]));
        let want = (1.0 + 4.0 * l).ln() / l;
        assert!((ts - want).abs() < 1e-9 * want, "λ = {l}: {ts} vs {want}");
        assert!(ts < last, "later for smaller λ");
        last = ts;
    }
    assert!(t["note"].as_str().unwrap().contains("t_opt"), "{t}");
}

#[test]
fn the_spectrum_table_accounts_for_every_eigenvalue() {
    let mut reg = registry(json!({}));
    reg.call("genPreset", &[json!("frozen")]).unwrap();
    reg.call("genStep", &[json!(1)]).unwrap();
    let t = table(&reg, "gen-spectrum");
    // N = 400 inputs, P = 200 examples: 200 eigenvalues are 0, the rest fill the histogram.
    let mass: f64 = rows(&t)
        .iter()
        .map(|r| f(&r[2]) * (f(&r[1]) - f(&r[0])))
        .sum();
    assert!(
        (mass - 0.5).abs() < 1e-9,
        "the bins hold half the eigenvalues: {mass}"
    );
    assert!(
        t["note"].as_str().unwrap().contains("200 of them are 0"),
        "{t}"
    );
    assert!(
        rows(&t).iter().any(|r| f(&r[3]) > 0.0),
        "the MP density is tabulated"
    );
}

#[test]
fn the_deep_student_table_has_each_mode_simulated_and_from_its_map() {
    let mut reg = registry(json!({}));
    reg.call("genPreset", &[json!("deep")]).unwrap();
    reg.call("genStep", &[json!(400)]).unwrap();
    let t = table(&reg, "gen-modes");
    assert_eq!(t["columns"][2], json!("mode 1 simulated"));
    assert_eq!(t["columns"][3], json!("mode 1 scalar map"));
    assert!(rows(&t).len() > 1);
    assert!(rows(&t)
        .iter()
        .all(|r| r[2].is_number() && r[3].is_number()));
    // A shallow student has no modes to show, and says so.
    reg.call("genPreset", &[json!("overtraining")]).unwrap();
    reg.call("genStep", &[json!(1)]).unwrap();
    let t = table(&reg, "gen-modes");
    assert!(rows(&t).is_empty());
    assert!(t["note"].as_str().unwrap().contains("deep student"), "{t}");
}

#[test]
fn the_sweep_tables_of_the_generalisation_chapter_wait_for_run_sweep() {
    let reg = registry(json!({}));
    for panel in ["gen-sweep", "gen-heat"] {
        let t = table(&reg, panel);
        assert!(rows(&t).is_empty(), "{panel}");
        assert!(
            t["note"].as_str().unwrap().contains("Run sweep"),
            "{panel}: {t}"
        );
    }
}

#[test]
fn the_gate_table_lists_every_pathway_and_trains_k_outputs_per_input() {
    let reg = registry(json!({}));
    let st = reg.chapters().context.state();
    let m = st["routing"]["domains"].as_u64().unwrap() as usize;
    let k = st["routing"]["trained_per_input"].as_u64().unwrap() as usize;
    assert!(m > 1 && k > 0 && k < m, "{st}");
    let t = table(&reg, "context_gates");
    assert_eq!(rows(&t).len(), m * m);
    for i in 0..m {
        let trained = rows(&t)
            .iter()
            .filter(|r| r[0] == json!(i) && r[2] == json!(true))
            .count();
        assert_eq!(trained, k, "input {i}");
    }
}

#[test]
fn the_recurrent_tables_follow_every_record_and_name_the_targets() {
    let mut reg = registry(json!({}));
    reg.call("contextAdvance", &[json!(300)]).unwrap();
    let kernel = table(&reg, "context_kernel");
    let scalars = table(&reg, "context_scalars");
    assert!(rows(&kernel).len() > 2);
    assert_eq!(
        rows(&kernel).len(),
        rows(&scalars).len(),
        "one row per record"
    );
    assert!(
        kernel["note"].as_str().unwrap().contains("targets"),
        "{kernel}"
    );
    let lags = table(&reg, "context_lags");
    assert!(!rows(&lags).is_empty());
    for r in rows(&lags) {
        assert!(r[2].is_number() && r[3].is_number(), "{r}");
    }
}

#[test]
fn the_relu_gate_table_gives_each_unit_a_share_between_zero_and_one_in_every_context() {
    let mut reg = registry(json!({}));
    reg.call("contextAdvance", &[json!(200)]).unwrap();
    let t = table(&reg, "context_relu_gates");
    assert!(!rows(&t).is_empty() && rows(&t).len() <= 12);
    for r in rows(&t) {
        for v in &r.as_array().unwrap()[2..] {
            assert!((0.0..=1.0).contains(&f(v)), "{r}");
        }
    }
    let imp: Vec<f64> = rows(&t).iter().map(|r| f(&r[1])).collect();
    assert!(imp.windows(2).all(|w| w[0] >= w[1]), "most important first");
    assert!(!rows(&table(&reg, "context_relu")).is_empty());
}

#[test]
fn a_table_asked_for_at_most_k_rows_keeps_every_kth_row_of_the_whole_and_says_so() {
    let reg = trained();
    let whole = table(&reg, "output");
    let n = rows(&whole).len();
    assert!(n > 40, "the rm8 output has {n} cells");
    assert!(whole.get("total_rows").is_none() && whole.get("every").is_none());
    for max in [7, 10, n - 1] {
        let t = reg.table_within("output", Some(max)).unwrap();
        let every = n.div_ceil(max);
        let kept = rows(&t);
        assert!(kept.len() <= max, "{} rows for at most {max}", kept.len());
        assert_eq!(kept.len(), n.div_ceil(every));
        assert_eq!(t["total_rows"], json!(n));
        assert_eq!(t["every"], json!(every));
        for (j, row) in kept.iter().enumerate() {
            assert_eq!(row, &rows(&whole)[j * every], "row {j} of at most {max}");
        }
        assert_eq!(t["columns"], whole["columns"]);
    }
    // A table that already fits is sent whole, without the two fields.
    assert_eq!(reg.table_within("output", Some(n)).unwrap(), whole);
}
