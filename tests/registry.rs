//! The chapter registry: one list of chapters, and every panel, readout and call reached
//! through it by name.

use dln_explorer::chapters::registry::{self, chapters, panel_names, reply};
use dln_explorer::chapters::Registry;
use dln_explorer::config::Config;
use plotters::prelude::*;
use serde_json::{json, Value};

fn registry(patch: Value) -> Registry {
    Registry::new(&Config::default().merged(&patch).unwrap())
}

#[test]
fn panel_and_call_names_are_unique_across_chapters() {
    let mut panels = panel_names();
    let n = panels.len();
    panels.sort_unstable();
    panels.dedup();
    assert_eq!(panels.len(), n, "a panel name is used by two chapters");
    let mut calls: Vec<&str> = chapters()
        .iter()
        .flat_map(|c| c.calls.iter().map(|s| s.name))
        .collect();
    let n = calls.len();
    calls.sort_unstable();
    calls.dedup();
    assert_eq!(calls.len(), n, "a call name is used by two chapters");
    let ids: Vec<&str> = chapters().iter().map(|c| c.id).collect();
    assert_eq!(&ids[..3], ["learning", "semantic", "depth"]);
}

#[test]
fn an_unchanged_panel_is_not_stale_and_a_step_makes_it_stale_again() {
    let mut reg = registry(json!({}));
    let mut text = String::new();
    let backend = SVGBackend::with_string(&mut text, (400, 300)).into_drawing_area();
    assert!(reg.stale("loss", 400, 300));
    reg.draw("loss", &backend, &Default::default()).unwrap();
    assert!(!reg.stale("loss", 400, 300), "drawn and unchanged");
    assert!(reg.stale("loss", 401, 300), "a new size redraws");
    reg.advance(1);
    assert!(
        reg.stale("loss", 400, 300),
        "a step redraws the run's panels"
    );
}

#[test]
fn a_demo_panel_is_redrawn_only_when_its_own_state_changes() {
    let mut reg = registry(json!({}));
    let mut text = String::new();
    let root = SVGBackend::with_string(&mut text, (300, 200)).into_drawing_area();
    reg.draw("spectra", &root, &Default::default()).unwrap();
    assert!(!reg.stale("spectra", 300, 200));
    reg.advance(5);
    assert!(
        !reg.stale("spectra", 300, 200),
        "training the run leaves the spectra alone"
    );
    reg.call("setSpectra", &[json!(3), json!(40)]).unwrap();
    assert!(
        reg.stale("spectra", 300, 200),
        "a new depth redraws the spectra"
    );
}

#[test]
fn chapter_calls_are_answered_by_name_and_bad_arguments_name_their_field() {
    let mut reg = registry(json!({}));
    let s = reg.call("setCoherence", &[json!(2.0)]).unwrap();
    assert_eq!(s["c"], json!(2.0));
    let e = reg
        .call("setSpectra", &[json!("three"), json!(10)])
        .unwrap_err();
    assert_eq!(e.field, "spectra.depth");
    let e = reg
        .call("setSpectra", &[json!(2.5), json!(10)])
        .unwrap_err();
    assert!(e.message.contains("whole number"), "{e}");
    let e = reg.call("setPhaseMode", &[json!(99)]).unwrap_err();
    assert_eq!(e.field, "phase.mode");
    let e = reg.call("nosuchcall", &[]).unwrap_err();
    assert_eq!(e.field, "call");
    assert!(
        e.message.contains("sweepStart"),
        "the message lists the calls: {e}"
    );
    let e = reg.call("phaseClear", &[json!(1)]).unwrap_err();
    assert!(e.message.contains("at most 0 arguments"), "{e}");
    let long = "x".repeat(10_000);
    let e = reg.call(&long, &[]).unwrap_err();
    // The message lists every call's name (about 1,100 characters) but clips the unknown one.
    assert!(
        e.to_string().len() < 1500 && !e.to_string().contains(&"x".repeat(100)),
        "a long name is not echoed whole"
    );
}

#[test]
fn the_phase_portrait_follows_a_mode_of_the_run_through_its_calls() {
    let mut reg = registry(json!({}));
    reg.advance(300);
    reg.call("setPhaseMode", &[json!(1)]).unwrap();
    let st = reg.call("phaseState", &[]).unwrap();
    let s1 = reg.session().run().svd().s[0];
    assert!((st["s"].as_f64().unwrap() - s1).abs() < 1e-12);
    assert_eq!(st["dot"]["mode"], json!(1));
    let before = st["trajectories"].as_array().unwrap().len();
    reg.call("phaseStart", &[json!(0.1), json!(0.2)]).unwrap();
    let st = reg.call("phaseState", &[]).unwrap();
    let t = st["trajectories"].as_array().unwrap();
    assert_eq!(t.len(), before + 1);
    assert!(t.iter().any(|t| t["start"] == json!([0.1, 0.2])));
}

#[test]
fn a_sweep_runs_through_calls_and_work_to_results() {
    let mut reg = registry(json!({"sweep": {"depths": [2, 3], "max_steps": 300}}));
    let st = reg.call("sweepStart", &[]).unwrap();
    assert_eq!(st["status"], json!("running"));
    for _ in 0..200 {
        let p = reg.call("sweepWork", &[json!(2000)]).unwrap();
        if p["status"] != json!("running") {
            break;
        }
    }
    let st = reg.call("sweepState", &[]).unwrap();
    assert_eq!(st["status"], json!("done"), "{st}");
    assert_eq!(st["results"]["depths"], json!([2, 3]));
}

#[test]
fn the_per_frame_status_is_small_and_follows_the_run() {
    let mut reg = registry(json!({"dataset": {"kind": "rm8"}}));
    let v0 = reg.status().version;
    reg.advance(10);
    let s = reg.status();
    assert_eq!(s.step, 10);
    assert!(s.version > v0);
    assert!(s.loss.is_finite());
    let text = reg.status_json().to_string();
    let state = serde_json::to_string(&reg.session().run().state()).unwrap();
    assert!(
        text.len() * 5 < state.len(),
        "status {} bytes against state {}",
        text.len(),
        state.len()
    );
}

#[test]
fn every_reply_has_one_shape() {
    let ok: Value = serde_json::from_str(&reply(Ok(json!(3)))).unwrap();
    assert_eq!(ok, json!({"result": 3}));
    let err: Value = serde_json::from_str(&reply(Err(dln_explorer::chapters::CallError::new(
        "train.lr",
        "must be positive",
    ))))
    .unwrap();
    assert_eq!(
        err,
        json!({"error": "train.lr: must be positive", "field": "train.lr"})
    );
    let _ = registry::embed_panels();
}

#[test]
fn a_restart_forgets_every_drawing_so_demo_panels_are_drawn_again_and_keep_their_readouts() {
    let mut reg = registry(json!({}));
    let mut text = String::new();
    let root = SVGBackend::with_string(&mut text, (300, 200)).into_drawing_area();
    reg.draw("coherence", &root, &Default::default()).unwrap();
    assert!(!reg.stale("coherence", 300, 200));
    let cfg = reg
        .config_checked(&json!({"network": {"hidden": [8]}}))
        .unwrap();
    reg.reconfigure(&cfg).unwrap();
    assert!(reg.frame("coherence").is_none());
    assert!(
        reg.stale("coherence", 300, 200),
        "forgotten, so drawn again"
    );
}

#[test]
fn the_semantic_illusions_call_answers_the_illusions_of_the_full_state() {
    let mut reg = registry(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": 0.00035},
        "train": {"lr": 0.0016, "steps": 8311, "record_every": 10, "seed": 3}
    }));
    reg.advance(4000);
    let got = reg.call("semanticIllusions", &[]).unwrap();
    let state = serde_json::to_value(reg.session().run().state()).unwrap();
    assert!(
        !state["illusions"].as_array().unwrap().is_empty(),
        "rm8 has illusions to list"
    );
    assert_eq!(got["illusions"], state["illusions"]);
    assert_eq!(got["illusion_note"], state["illusion_note"]);
    assert!(reg.call("semanticIllusions", &[json!(1)]).is_err());
}

#[test]
fn the_phase_portrait_menu_offers_the_free_portrait_then_every_mode_set_phase_mode_accepts() {
    let mut reg = registry(json!({"dataset": {"kind": "rm8"}}));
    let menu = reg.call("phaseModes", &[]).unwrap();
    let menu = menu.as_array().unwrap();
    assert_eq!(
        menu[0],
        json!({"value": "", "label": "s = 1 (SMG14 Fig 2)"})
    );
    let s = reg.session().run().svd().s.clone();
    let live = s.iter().filter(|&&v| v > 1e-9 * s[0]).count();
    assert_eq!(menu.len(), 1 + live, "rm8's non-zero modes: {s:?}");
    for (k, o) in menu[1..].iter().enumerate() {
        assert_eq!(o["value"], json!((k + 1).to_string()));
        let label = o["label"].as_str().unwrap();
        assert!(
            label.starts_with(&format!("run's mode {}: s = ", k + 1)),
            "{label}"
        );
        reg.call("setPhaseMode", &[json!(k + 1)]).unwrap();
        let state = reg.call("phaseState", &[]).unwrap();
        assert!(
            (state["s"].as_f64().unwrap() - s[k]).abs() < 1e-12,
            "{state}"
        );
    }
    // A mode past the menu is refused.
    assert!(reg.call("setPhaseMode", &[json!(menu.len())]).is_err());
}

#[test]
fn the_semantic_chapter_declares_the_projection_menu_from_the_projection_kinds() {
    let semantic = chapters().into_iter().find(|c| c.id == "semantic").unwrap();
    let proj = semantic
        .fields
        .iter()
        .find(|f| f["key"] == "proj")
        .expect("proj");
    assert_eq!(proj["path"], "projection.kind");
    let values: Vec<&str> = proj["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["feature", "item"]);
    // Each is a kind the view reads.
    for v in values {
        let view: dln_explorer::page::view::View =
            serde_json::from_value(json!({"projection": {"kind": v}})).unwrap();
        assert_eq!(view.projection.kind.name(), v);
    }
}
