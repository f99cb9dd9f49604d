//! The house keeps its tiers: every `crate::` path in `src/` (outside test modules and comments)
//! points to its own tier or one above it, in the order docs/architecture.md lists, and nothing
//! outside `src/web` names a web crate.

use std::fs;
use std::path::{Path, PathBuf};

/// The tiers, top first, as docs/architecture.md lists them.
const TIERS: &[&str] = &[
    "linalg", "config", "engine", "theory", "run", "page", "charts", "chapters", "web", "bin",
];

const WEB_CRATES: &[&str] = &["wasm_bindgen", "web_sys", "js_sys", "plotters_canvas"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code without its test module and without comments.
fn code_of(text: &str) -> String {
    let body = match text.find("#[cfg(test)]") {
        Some(k) => &text[..k],
        None => text,
    };
    body.lines()
        .map(|l| match l.find("//") {
            Some(k) => &l[..k],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first path segment after each `crate::`, with `crate::{a, b::c}` read as `a` and `b`.
fn crate_targets(code: &str) -> Vec<String> {
    let mut out = vec![];
    for (k, _) in code.match_indices("crate::") {
        // `dln_crate::` or `some_crate::` are not the crate root.
        let before = code[..k].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[k + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let end = list.find('}').unwrap_or(list.len());
            for part in list[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

fn tier_of(file: &Path, src: &Path) -> Option<usize> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    TIERS.iter().position(|t| *t == name)
}

#[test]
fn every_crate_path_in_src_points_to_its_own_tier_or_one_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    rust_files(&src, &mut files);
    let mut checked = 0;
    let mut wrong = vec![];
    for file in &files {
        let Some(own) = tier_of(file, &src) else {
            continue;
        };
        let code = code_of(&fs::read_to_string(file).expect("a source file"));
        for target in crate_targets(&code) {
            if let Some(t) = TIERS.iter().position(|x| *x == target) {
                checked += 1;
                if t > own {
                    wrong.push(format!(
                        "{} ({}) uses crate::{target}, a tier below it",
                        file.strip_prefix(&src).unwrap().display(),
                        TIERS[own]
                    ));
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} crate paths found: the reader is broken"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_file_outside_src_web_names_a_web_crate() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    rust_files(&src, &mut files);
    let web = src.join("web");
    let mut wrong = vec![];
    for file in files.iter().filter(|f| !f.starts_with(&web)) {
        let code = code_of(&fs::read_to_string(file).expect("a source file"));
        for c in WEB_CRATES {
            if code.contains(&format!("{c}::")) {
                wrong.push(format!("{} names {c}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_measures_know_nothing_of_runs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/run/measures.rs");
    let code = code_of(&fs::read_to_string(path).expect("measures.rs"));
    assert!(
        !code.contains("run::Run") && !code.contains("super::Run"),
        "run/measures.rs imports Run, which imports the measures: a cycle"
    );
}

#[test]
fn the_reader_finds_paths_in_braces_and_skips_other_crates() {
    let t = crate_targets("use crate::{run::Run, page};\nlet x = dln_crate::y; crate::engine::f()");
    assert_eq!(t, ["run", "page", "engine"]);
    assert_eq!(
        code_of("a // crate::web\n#[cfg(test)]\nmod tests { crate::web }"),
        "a "
    );
}
