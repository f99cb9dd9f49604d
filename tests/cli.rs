//! The `dln` command line, run as a user would.

use std::io::Write;
use std::process::{Command, Stdio};

use dln_explorer::config::Config;
use serde_json::{json, Value};

fn dln(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dln"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        // A command that refuses its arguments exits without reading its input: a broken pipe
        // here is that refusal, which the exit code and message below report.
        let written = child.stdin.take().unwrap().write_all(text.as_bytes());
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn dln_example_prints_the_default_config_as_json_and_notes_on_stderr() {
    let (code, out, err) = dln(&["example"], None);
    assert_eq!(code, 0);
    let cfg = Config::from_json(&out).unwrap();
    assert_eq!(cfg, Config::default());
    assert!(err.contains("dataset.kind"));
}

#[test]
fn dln_run_writes_trajectories_whose_modes_agree_with_the_theory_columns() {
    let cfg = json!({
        "init": {"kind": "balanced", "scale": 0.001},
        "train": {"lr": 0.0015, "steps": 8000, "record_every": 40}
    });
    let (code, out, err) = dln(&["run", "-"], Some(&cfg.to_string()));
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8000 / 40 + 1);
    assert_eq!(doc["singular_values"].as_array().unwrap().len(), 8);
    let theory = &doc["theory"];
    assert_eq!(theory["exact"], json!(true));
    let s: Vec<f64> = doc["singular_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (row, th_row) in doc["modes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(theory["modes"].as_array().unwrap())
    {
        for a in 0..8 {
            let (m, t) = (row[a].as_f64().unwrap(), th_row[a].as_f64().unwrap());
            assert!((m - t).abs() < 0.02 * s[a], "{m} vs {t}");
        }
    }
    let learned = doc["learned_at"].as_array().unwrap();
    assert_eq!(learned.len(), 8);
    assert!(learned.iter().all(|v| v.as_f64().is_some()));
    assert_eq!(doc["status"], json!("finished"));
}

#[test]
fn the_output_config_round_trips_through_the_page_config() {
    let page_config = Config::default()
        .merged(&json!({"dataset": {"kind": "tree", "branching": 3, "levels": 2}, "network": {"hidden": [5, 7]},
            "init": {"kind": "orthogonal", "scale": 0.5}, "train": {"steps": 50, "seed": 42}}))
        .unwrap();
    // window.dln.config() returns this JSON; the CLI reads it as is.
    let text = serde_json::to_string(&page_config).unwrap();
    let (code, out, err) = dln(&["run", "-"], Some(&text));
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let back = Config::from_json(&doc["config"].to_string()).unwrap();
    assert_eq!(back, page_config);
    assert_eq!(doc["theory"], Value::Null);
    assert!(doc["theory_note"]
        .as_str()
        .unwrap()
        .contains("no exact solution"));
}

#[test]
fn dln_run_flags_the_linear_theory_of_a_tanh_network_as_not_exact_with_a_note() {
    let cfg = json!({
        "network": {"hidden": [16], "activation": "tanh"},
        "init": {"kind": "balanced", "scale": 0.001},
        "train": {"lr": 0.0015, "steps": 400, "record_every": 40}
    });
    let (code, out, err) = dln(&["run", "-"], Some(&cfg.to_string()));
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["config"]["network"]["activation"], json!("tanh"));
    assert_eq!(doc["theory"]["exact"], json!(false));
    assert!(doc["theory"]["label"]
        .as_str()
        .unwrap()
        .starts_with("linear theory: reference only"));
    assert!(doc["theory_note"]
        .as_str()
        .unwrap()
        .contains("reference only"));
    // The same run without the nonlinearity has an exact theory and no note.
    let linear = json!({
        "init": {"kind": "balanced", "scale": 0.001},
        "train": {"lr": 0.0015, "steps": 40, "record_every": 40}
    });
    let (_, out, _) = dln(&["run", "-"], Some(&linear.to_string()));
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["theory"]["exact"], json!(true));
    assert_eq!(doc["theory_note"], Value::Null);
}

#[test]
fn dln_run_writes_csv_with_one_row_per_record() {
    let dir = std::env::temp_dir().join(format!("dln-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg_path = dir.join("c.json");
    std::fs::write(
        &cfg_path,
        r#"{"train": {"steps": 100, "record_every": 10}}"#,
    )
    .unwrap();
    let out_path = dir.join("out.csv");
    let (code, _, err) = dln(
        &[
            "run",
            cfg_path.to_str().unwrap(),
            "--out",
            out_path.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(&out_path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("step,time,loss,theory_loss,mode_1,"));
    assert_eq!(lines.len(), 1 + 11);
    let cols = lines[0].split(',').count();
    assert!(lines.iter().all(|l| l.split(',').count() == cols));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_config_exits_non_zero_with_one_line_naming_the_field() {
    for (cfg, field) in [
        (r#"{"train": {"lr": -1}}"#, "train.lr"),
        (r#"{"network": {"hidden": [16, "x"]}}"#, "network.hidden[1]"),
        (
            r#"{"dataset": {"kind": "tree", "levels": 99}}"#,
            "dataset.levels",
        ),
        (
            r#"{"init": {"kind": "orthogonal", "lambda": 1}}"#,
            "init.lambda",
        ),
        ("not json", "config"),
    ] {
        let (code, out, err) = dln(&["run", "-"], Some(cfg));
        assert_ne!(code, 0);
        assert!(out.is_empty());
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("error: {field}")), "{err}");
    }
    let (code, _, err) = dln(&["frobnicate"], None);
    assert_eq!(code, 2);
    assert!(err.contains("usage"));
}

#[test]
fn dln_sweep_writes_learning_times_per_initialisation_and_the_balanced_theory() {
    let cfg = json!({
        "dataset": {"kind": "spectrum", "size": 8},
        "network": {"hidden": [16]},
        "train": {"lr": 0.2},
        "sweep": {"data": "run", "width": 16, "depths": [2, 4], "threshold": 0.01, "max_steps": 1500,
                  "lr": "inverse_depth",
                  "inits": ["small_gaussian", "scaled_gaussian", "orthogonal", "balanced", "pretrained"]}
    });
    let (code, out, err) = dln(&["sweep", "-"], Some(&cfg.to_string()));
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["depths"], json!([2, 4]));
    assert_eq!(doc["threshold"], json!(0.01));
    for init in [
        "small_gaussian",
        "scaled_gaussian",
        "orthogonal",
        "balanced",
        "pretrained",
    ] {
        assert_eq!(
            doc["learning_time"][init].as_array().unwrap().len(),
            2,
            "{init}"
        );
    }
    let sim = doc["learning_time"]["balanced"][0].as_f64().unwrap();
    let th = doc["theory"]["balanced"][0].as_f64().unwrap();
    assert!((sim / th - 1.0).abs() < 0.15, "{sim} vs {th}");
    let (code, csv, _) = dln(&["sweep", "-", "--format", "csv"], Some(&cfg.to_string()));
    assert_eq!(code, 0);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "depth,balanced,orthogonal,pretrained,scaled_gaussian,small_gaussian,theory_balanced"
    );
    assert_eq!(lines.len(), 3);
    let (code, _, err) = dln(&["sweep", "-"], Some(r#"{"sweep": {"depths": [0]}}"#));
    assert_eq!(code, 2);
    assert!(err.starts_with("error: sweep.depths[0]"), "{err}");
}

#[test]
fn dln_run_with_illusion_adds_that_pairs_course_to_the_output() {
    let cfg = r#"{"train": {"steps": 3000}}"#;
    let (code, out, err) = dln(&["run", "-", "--illusion", "pine,leaves"], Some(cfg));
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let ill = &doc["illusion"];
    assert_eq!(ill["item"], "pine");
    assert_eq!(ill["feature"], "leaves");
    let sim = ill["sim"].as_array().unwrap();
    assert_eq!(sim.len(), ill["theory"].as_array().unwrap().len());
    assert!(sim.len() > 10);
    for key in ["peak_sim", "step_sim", "peak_theory", "step_theory"] {
        assert!(ill[key].is_number(), "{key}: {}", ill[key]);
    }
    assert!(ill["peak_theory"].as_f64().unwrap() > 0.3);
    let (code, _, err) = dln(&["run", "-", "--illusion", "pine"], Some(cfg));
    assert_eq!(code, 2);
    assert!(err.contains("ITEM,FEATURE"), "{err}");
    let (code, _, err) = dln(&["run", "-", "--illusion", "fir,leaves"], Some(cfg));
    assert_eq!(code, 2);
    assert!(err.contains("no item \"fir\""), "{err}");
}

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_refused_by_name_with_exit_code_2() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    // Once a panic in std::env::args (exit code 101).
    let out = Command::new(env!("CARGO_BIN_EXE_dln"))
        .arg("run")
        .arg(OsStr::from_bytes(b"\xff"))
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("argument 2"), "{err}");
    assert!(err.contains("is not valid UTF-8"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_config_that_is_not_utf8_is_refused_with_the_offset_of_its_first_bad_byte() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dln"))
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Latin-1 "é" (0xE9) at byte offset 18.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"dataset\": {\"kind\xe9\": 1}}")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("standard input is not UTF-8 text: the byte at offset 18 (0xE9)"),
        "{err}"
    );
}

#[test]
fn dln_run_notes_dead_relu_units_when_the_run_ends() {
    let cfg = json!({
        "network": {"hidden": [16], "activation": "relu"},
        "train": {"lr": 1.0, "steps": 200, "record_every": 50}
    });
    let (code, out, err) = dln(&["run", "-"], Some(&cfg.to_string()));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note: 16 of 16 hidden units are dead (never active on any item)"),
        "{err}"
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(doc["note"].as_str().unwrap().starts_with("16 of 16"));
}
