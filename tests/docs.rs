//! The documentation's links work: every relative Markdown link in README.md, docs/*.md and
//! tests/reference/README.md names a file that exists, and a `#fragment` names a heading (or an
//! `<a id>`) of the file it points into, with headings turned into fragments the way GitHub does.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// The Markdown files whose links are checked, relative to the repository.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![
        PathBuf::from("README.md"),
        PathBuf::from("tests/reference/README.md"),
    ];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("the docs folder exists")
        .map(|e| e.expect("a readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| PathBuf::from("docs").join(p.file_name().expect("a file name")))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The text of a Markdown file with fenced code blocks and inline code spans blanked out, so
/// that brackets inside code are not taken for links.
fn without_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push('\n');
            continue;
        }
        if fenced {
            out.push('\n');
            continue;
        }
        let mut in_code = false;
        for ch in line.chars() {
            if ch == '`' {
                in_code = !in_code;
                out.push(' ');
            } else {
                out.push(if in_code { ' ' } else { ch });
            }
        }
        out.push('\n');
    }
    out
}

/// Targets of the inline links and images `[text](target)` / `![alt](target)` of a document,
/// with their line numbers.
fn link_targets(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in without_code(text).lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            match after.find(')') {
                Some(j) => {
                    let target = after[..j].split_whitespace().next().unwrap_or("");
                    found.push((n + 1, target.to_string()));
                    rest = &after[j + 1..];
                }
                None => break,
            }
        }
    }
    found
}

/// GitHub's fragment for a heading: the text lower-cased, inline markup and punctuation dropped
/// (letters, digits, `-`, `_` and spaces are kept), spaces turned into `-`.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The fragments a document defines: one per heading (a repeated heading gets `-1`, `-2`, …) and
/// one per `<a id="…">` or `<a name="…">`.
fn anchors(text: &str) -> HashSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = HashSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let base = slug(line[hashes..].trim().trim_end_matches('#').trim());
            let count = seen.entry(base.clone()).or_insert(0);
            out.insert(if *count == 0 {
                base.clone()
            } else {
                format!("{base}-{count}")
            });
            *count += 1;
        }
        for attr in ["id=\"", "name=\""] {
            let mut rest = line;
            while let Some(i) = rest.find("<a ") {
                let tag = &rest[i..];
                let end = tag.find('>').unwrap_or(tag.len());
                if let Some(k) = tag[..end].find(attr) {
                    let value = &tag[k + attr.len()..end];
                    if let Some(q) = value.find('"') {
                        out.insert(value[..q].to_string());
                    }
                }
                rest = &tag[end.min(tag.len())..];
                if end == tag.len() {
                    break;
                }
            }
        }
    }
    out
}

/// Joins a relative link to the folder of the document it appears in, resolving `..`.
fn resolve(doc: &Path, target: &str) -> PathBuf {
    let mut path = PathBuf::new();
    for part in doc
        .parent()
        .unwrap_or(Path::new(""))
        .join(target)
        .components()
    {
        match part {
            Component::ParentDir => {
                path.pop();
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    path
}

/// Every broken relative link among `docs` (paths relative to `root`), as readable lines;
/// `read` gives a file's text, or `None` when there is no such file.
fn broken_links(docs: &[PathBuf], read: &dyn Fn(&Path) -> Option<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for doc in docs {
        let text = read(doc).unwrap_or_else(|| panic!("{} is readable", doc.display()));
        for (line, target) in link_targets(&text) {
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, fragment) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let path = if file.is_empty() {
                doc.clone()
            } else {
                resolve(doc, file)
            };
            let where_ = format!("{}:{line}: ({target})", doc.display());
            let Some(body) = read(&path) else {
                problems.push(format!("{where_}: no file {}", path.display()));
                continue;
            };
            if let Some(fragment) = fragment {
                if !anchors(&body).contains(fragment) {
                    problems.push(format!(
                        "{where_}: {} has no heading #{fragment}",
                        path.display()
                    ));
                }
            }
        }
    }
    problems
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads a repository file as text; a directory or an image counts as present (empty text).
fn read_in(root: &Path, path: &Path) -> Option<String> {
    let full = root.join(path);
    if full.is_dir() {
        return Some(String::new());
    }
    let bytes = std::fs::read(&full).ok()?;
    Some(String::from_utf8(bytes).unwrap_or_default())
}

#[test]
fn every_relative_link_in_the_readme_and_docs_reaches_an_existing_file_and_heading() {
    let root = repository();
    let docs = documents(&root);
    assert!(
        docs.len() >= 8,
        "expected the README, the reference README and the docs pages, found {docs:?}"
    );
    let links: usize = docs
        .iter()
        .map(|d| link_targets(&read_in(&root, d).unwrap_or_default()).len())
        .sum();
    assert!(
        links >= 40,
        "only {links} links found: is the parser blind?"
    );
    let problems = broken_links(&docs, &|p| read_in(&root, p));
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_readme_opens_with_the_screenshot_and_the_two_commands() {
    let root = repository();
    let readme = read_in(&root, Path::new("README.md")).expect("README.md");
    let head: String = readme.lines().take(25).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("](docs/screenshot.png)"),
        "no screenshot near the top"
    );
    assert!(head.contains("make serve") && head.contains("make test"));
    let png = std::fs::read(root.join("docs/screenshot.png")).expect("docs/screenshot.png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG");
    assert!(png.len() < 200_000, "the screenshot is {} bytes", png.len());
}

#[test]
fn a_link_to_a_missing_file_or_heading_is_reported_and_a_good_one_is_not() {
    let files: HashMap<PathBuf, String> = [
        (
            "docs/a.md",
            "# Page A\n\n## 1.3 One hidden layer: the sigmoid\n\n## Notes\n\n## Notes\n\n\
             <a id=\"custom\"></a>\n\n\
             [ok](b.md) [ok](b.md#table-of-c) [ok](#13-one-hidden-layer-the-sigmoid) [ok](#notes-1)\n\
             [ok](#custom) [ok](../README.md) [web](https://example.org/x.md)\n\
             `[not a link](missing.md)`\n\
             ```\n[not a link](missing.md)\n```\n\
             [bad](missing.md) [bad](b.md#no-such-heading) [bad](#notes-2)\n",
        ),
        ("docs/b.md", "# B\n\n### Table of `C`\n"),
        ("README.md", "# Readme\n"),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t.to_string()))
    .collect();
    let problems = broken_links(&[PathBuf::from("docs/a.md")], &|p| files.get(p).cloned());
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].contains("no file docs/missing.md"));
    assert!(problems[1].contains("has no heading #no-such-heading"));
    assert!(problems[2].contains("#notes-2"));
}
