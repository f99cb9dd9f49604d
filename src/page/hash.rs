//! The page's state in the URL hash. The config's parameters, their keys and value kinds come
//! from the field table ([`crate::config::fields::FIELDS`]); the page's own state (the view,
//! the panels, the second network) has the few keys of `PAGE`. One list drives both writing
//! and parsing (as TensorFlow Playground's state table does).
//!
//! `#dataset=rm8&hidden=16&act=linear&init=small_gaussian&scale=0.001&lr=0.002&steps=8000&every=10&seed=1`
//!
//! Values are percent-encoded; lists are comma-separated (each item encoded, so names may hold
//! commas); matrix rows are separated by `;`. Numbers are written in the shortest form that
//! reads back exactly. Parsing never fails: an unknown key, a malformed value or a value out of
//! range is skipped with a message naming it, and everything else still applies.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::config::echo::{self, clip};
use crate::config::fields::{self, Field, Item};
use crate::config::Config;
use crate::page::view::View;

/// How a parameter's value is written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Text,
    Number,
    Integer,
    Bool,
    /// A list of integers (`16,16`; empty for `[]`).
    Integers,
    /// A list of texts.
    Texts,
    /// A matrix of numbers, rows separated by `;`.
    Rows,
}

impl Kind {
    /// How a field of the table is written.
    fn of(f: &Field) -> Kind {
        match f.kind {
            fields::Kind::Number => Kind::Number,
            fields::Kind::Integer => Kind::Integer,
            fields::Kind::Enum => Kind::Text,
            fields::Kind::Bool => Kind::Bool,
            fields::Kind::List => match f.item {
                Some(Item::Integer) | None => Kind::Integers,
                Some(Item::Text | Item::Enum) => Kind::Texts,
                Some(Item::Row) => Kind::Rows,
            },
        }
    }
}

/// Where a parameter lives: in the config, or in the page's own state.
#[derive(Clone, Copy, Debug)]
enum Home {
    Config(&'static Field),
    Page(&'static str),
}

struct Param {
    key: String,
    home: Home,
    kind: Kind,
}

/// The page's own parameters (not part of the config), before the second network's.
const PAGE: &[(&str, &str, Kind)] = &[
    ("t", "scrub", Kind::Integer),
    ("ill", "illusion", Kind::Texts),
    ("cat", "category", Kind::Integer),
    ("proj", "projection.kind", Kind::Text),
    ("proj_item", "projection.item", Kind::Text),
    ("proj_feature", "projection.feature", Kind::Text),
    ("flow", "flow", Kind::Bool),
    ("twin", "twin.on", Kind::Bool),
];

/// The fields a second network may change: `twin_<key>` in the hash, `twin.<path>` in the
/// page state.
const TWIN_KEYS: &[&str] = &["hidden", "seed", "init", "scale", "lambda"];

/// The page's parameters after the second network's.
const PAGE_TAIL: &[(&str, &str, Kind)] = &[
    ("panels", "panels", Kind::Texts),
    ("embed", "embed", Kind::Bool),
    ("preset", "preset", Kind::Text),
    ("allow_origin", "allow_origin", Kind::Texts),
    ("chapter", "chapter", Kind::Text),
];

/// Every parameter of the hash, in the order it is written and applied: the field table's,
/// then the page's.
fn params() -> &'static [Param] {
    static PARAMS: OnceLock<Vec<Param>> = OnceLock::new();
    PARAMS.get_or_init(|| {
        let page = |&(key, path, kind): &(&str, &'static str, Kind)| Param {
            key: key.to_string(),
            home: Home::Page(path),
            kind,
        };
        let mut out: Vec<Param> = fields::FIELDS
            .iter()
            .map(|f| Param {
                key: f.key.to_string(),
                home: Home::Config(f),
                kind: Kind::of(f),
            })
            .collect();
        out.extend(PAGE.iter().map(page));
        for key in TWIN_KEYS {
            let f = fields::by_key(key).expect("a twin key is a field's key");
            let path: &'static str = Box::leak(format!("twin.{}", f.path).into_boxed_str());
            out.push(Param {
                key: format!("twin_{key}"),
                home: Home::Page(path),
                kind: Kind::of(f),
            });
        }
        out.extend(PAGE_TAIL.iter().map(page));
        out
    })
}

/// Whether a field belongs to a custom matrix, which travels whole (items, names and values).
fn matrix_part(f: &Field) -> bool {
    f.when
        .condition()
        .is_some_and(|(key, values)| key == "dataset" && values == ["matrix"])
}

/// The keys of the custom matrix's fields.
fn matrix_keys() -> impl Iterator<Item = &'static str> {
    fields::FIELDS
        .iter()
        .filter(|f| matrix_part(f))
        .map(|f| f.key)
}

/// The suffix of per-control hide flags: `lr_hide=1` hides the learning-rate control.
const HIDE: &str = "_hide";

/// Everything a link carries.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PageState {
    pub config: Config,
    pub view: View,
    /// Panels to show (`None`: all).
    pub panels: Option<Vec<String>>,
    /// Hide the page's header and footer (for embedding).
    pub embed: bool,
    /// Keys of the controls to hide (`lr` for `lr_hide=1`).
    pub hide: Vec<String>,
    /// The preset the link names, if any (applied before the other parameters).
    pub preset: Option<String>,
    /// The second network, as a partial config merged onto the main one (`network.hidden`,
    /// `train.seed`, `init.kind`, `init.scale`, `init.lambda`), or `None`.
    pub twin: Option<Value>,
    /// Origins besides the embedding parent whose postMessage calls the page answers
    /// (`allow_origin=https://lab.example`), each `scheme://host[:port]`.
    pub allow_origin: Vec<String>,
    /// The chapter the page is scrolled to (`chapter=depth`), one of the registry's ids; `None`:
    /// the top of the page. It moves the view only, not the state of any run.
    pub chapter: Option<String>,
}

/// The result of reading a hash: the state, and one message per part that was ignored.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub state: PageState,
    pub messages: Vec<String>,
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes percent-escapes (and `+` as a space); `None` for malformed escapes or bad UTF-8.
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn number(v: &Value) -> Option<String> {
    let x = v.as_f64()?;
    Some(if v.is_u64() || v.is_i64() {
        v.to_string()
    } else {
        format!("{x}")
    })
}

fn write_value(kind: Kind, v: &Value) -> Option<String> {
    match kind {
        Kind::Text => v.as_str().map(encode),
        Kind::Number | Kind::Integer => number(v),
        Kind::Bool => v.as_bool().map(|b| if b { "1".into() } else { "0".into() }),
        Kind::Integers => Some(
            v.as_array()?
                .iter()
                .map(number)
                .collect::<Option<Vec<_>>>()?
                .join(","),
        ),
        Kind::Texts => Some(
            v.as_array()?
                .iter()
                .map(|x| x.as_str().map(encode))
                .collect::<Option<Vec<_>>>()?
                .join(","),
        ),
        Kind::Rows => Some(
            v.as_array()?
                .iter()
                .map(|row| {
                    Some(
                        row.as_array()?
                            .iter()
                            .map(number)
                            .collect::<Option<Vec<_>>>()?
                            .join(","),
                    )
                })
                .collect::<Option<Vec<_>>>()?
                .join(";"),
        ),
    }
}

fn parse_number(s: &str) -> Result<Value, String> {
    let x: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{:?} is not a number", clip(s)))?;
    if !x.is_finite() {
        return Err(format!("{:?} is not a finite number", clip(s)));
    }
    Ok(json!(x))
}

fn parse_integer(s: &str) -> Result<Value, String> {
    let x: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{:?} is not a whole number", clip(s)))?;
    Ok(json!(x))
}

fn read_value(kind: Kind, raw: &str) -> Result<Value, String> {
    let text = || decode(raw).ok_or_else(|| format!("{:?} is not properly encoded", clip(raw)));
    match kind {
        Kind::Text => Ok(json!(text()?)),
        Kind::Number => parse_number(&text()?),
        Kind::Integer => parse_integer(&text()?),
        Kind::Bool => match text()?.as_str() {
            "1" | "true" => Ok(json!(true)),
            "0" | "false" => Ok(json!(false)),
            other => Err(format!("{:?} is not 0 or 1", clip(other))),
        },
        Kind::Integers => {
            if raw.is_empty() {
                return Ok(json!([]));
            }
            raw.split(',')
                .map(|x| parse_integer(&decode(x).ok_or("bad encoding")?))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Kind::Texts => {
            if raw.is_empty() {
                return Ok(json!([]));
            }
            raw.split(',')
                .map(|x| {
                    decode(x)
                        .map(Value::String)
                        .ok_or_else(|| format!("{:?} is not properly encoded", clip(x)))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Kind::Rows => raw
            .split(';')
            .map(|row| {
                row.split(',')
                    .map(|x| parse_number(&decode(x).ok_or("bad encoding")?))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
    }
}

use fields::get;

/// A JSON object with `value` at the dotted `path`.
fn nest(path: &str, value: Value) -> Value {
    path.rsplit('.').fold(value, |v, k| {
        let mut m = Map::new();
        m.insert(k.to_string(), v);
        Value::Object(m)
    })
}

/// The page-state JSON (view, panels, embed, preset) of a state.
fn page_value(state: &PageState) -> Value {
    let mut v = serde_json::to_value(&state.view).expect("a View serialises");
    let o = v.as_object_mut().expect("a View is an object");
    if let Some(ill) = &state.view.illusion {
        o.insert("illusion".into(), json!([ill.item, ill.feature]));
    }
    if let Some(p) = &state.panels {
        o.insert("panels".into(), json!(p));
    }
    if state.embed {
        o.insert("embed".into(), json!(true));
    }
    if let Some(p) = &state.preset {
        o.insert("preset".into(), json!(p));
    }
    if !state.allow_origin.is_empty() {
        o.insert("allow_origin".into(), json!(state.allow_origin));
    }
    if let Some(c) = &state.chapter {
        o.insert("chapter".into(), json!(c));
    }
    let mut twin = state.twin.clone().unwrap_or_else(|| json!({}));
    if let Some(t) = twin.as_object_mut() {
        t.insert("on".into(), json!(state.twin.is_some()));
    }
    o.insert("twin".into(), twin);
    v
}

/// What a link starts from before its parameters apply: the preset it names, or the defaults.
fn base_of(state: &PageState) -> PageState {
    let preset = state
        .preset
        .as_deref()
        .and_then(crate::page::presets::preset);
    match preset
        .as_ref()
        .and_then(|p| p.full_config().ok().map(|c| (p, c)))
    {
        Some((p, config)) => PageState {
            config: config.into(),
            view: p.view.clone(),
            preset: state.preset.clone(),
            twin: p.twin.clone(),
            ..PageState::default()
        },
        None => PageState::default(),
    }
}

/// Writes the hash of a state (without the leading `#`). A value the link would start from
/// anyway (the default, or the named preset's) is left out, so links stay short.
pub fn write(state: &PageState) -> String {
    let cfg = serde_json::to_value(&state.config).expect("a Config serialises");
    let pg = page_value(state);
    let base = base_of(state);
    let base_cfg = serde_json::to_value(&base.config).expect("a Config serialises");
    let base_pg = page_value(&base);
    // A link that changes the dataset's kind starts that dataset afresh, so it spells out
    // every setting of the new one.
    let same_kind = get(&cfg, "dataset.kind") == get(&base_cfg, "dataset.kind");
    let mut parts = Vec::new();
    for param in params() {
        let (value, inherited) = match param.home {
            Home::Config(f) => {
                let v = get(&cfg, f.path);
                let inherited = if matrix_part(f) {
                    // A custom matrix travels whole.
                    get(&cfg, "dataset") == get(&base_cfg, "dataset")
                } else {
                    v == get(&base_cfg, f.path) && (same_kind || !f.path.starts_with("dataset."))
                };
                (v, inherited)
            }
            Home::Page(path) => {
                let v = get(&pg, path);
                (v, param.key != "preset" && v == get(&base_pg, path))
            }
        };
        if inherited {
            continue;
        }
        let value = value.filter(|v| !v.is_null());
        if let Some(text) = value.and_then(|v| write_value(param.kind, v)) {
            parts.push(format!("{}={text}", param.key));
        }
    }
    for key in &state.hide {
        parts.push(format!("{}{HIDE}=1", encode(key)));
    }
    parts.join("&")
}

/// A state as one JSON object: `{config, view, panels, embed, hide, preset}` (`panels` and
/// `preset` are `null` when absent). This is the shape the page hands to [`write_json`].
pub fn state_json(state: &PageState) -> Value {
    json!({
        "config": state.config,
        "view": state.view,
        "panels": state.panels,
        "embed": state.embed,
        "hide": state.hide,
        "preset": state.preset,
        "twin": state.twin,
        "allow_origin": state.allow_origin,
        "chapter": state.chapter,
    })
}

/// [`parse`] as one JSON object: [`state_json`] plus `messages`.
pub fn parse_json(hash: &str, names: &Names) -> Value {
    let parsed = parse(hash, names);
    let mut v = state_json(&parsed.state);
    v["messages"] = json!(parsed.messages);
    v
}

fn field<T: serde::de::DeserializeOwned + Default>(v: &Value, key: &str) -> Result<T, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(x) => crate::config::read(x.clone()).map_err(|e| format!("{key}: {e}")),
    }
}

/// Writes the hash of a state given as JSON in the shape of [`state_json`]; every key is
/// optional (`config` is merged into the defaults). Errors name the field.
pub fn write_json(v: &Value) -> Result<String, String> {
    let config = match v.get("config") {
        Some(c) if !c.is_null() => Config::default()
            .merged(c)
            .map_err(|e| e.to_string())?
            .into(),
        _ => Config::default(),
    };
    write_with(config, field(v, "view")?, field(v, "twin")?, v)
}

/// Writes the hash of a config, view and second network the caller already holds (checked)
/// with the page's own parts from JSON `{panels, embed, hide, preset, allow_origin, chapter}`
/// (each optional): the
/// config does not cross the boundary, and is not checked again.
pub fn write_with(
    config: Config,
    view: View,
    twin: Option<Value>,
    page: &Value,
) -> Result<String, String> {
    Ok(write(&PageState {
        config,
        view,
        panels: field(page, "panels")?,
        embed: field(page, "embed")?,
        hide: field(page, "hide")?,
        preset: field(page, "preset")?,
        twin,
        allow_origin: field(page, "allow_origin")?,
        chapter: field(page, "chapter")?,
    }))
}

/// The names a link may use that the chapters declare: panels (`panels=`) and chapters
/// (`chapter=`). The page tier knows no chapter, so the caller passes them down (the
/// registry's `link_names`); a name not listed is dropped with a message.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub panels: Vec<&'static str>,
    pub chapters: Vec<&'static str>,
}

/// Reads a hash (with or without the leading `#`). Never fails: see [`Parsed::messages`].
/// Panels and chapters not in `names` are dropped with a message.
pub fn parse(hash: &str, names: &Names) -> Parsed {
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    let mut messages = Vec::new();
    let mut pairs: Vec<(String, String)> = Vec::new();
    if hash.len() > 200_000 {
        messages.push("the link is longer than 200,000 characters; it was ignored".into());
    } else {
        for part in hash.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            match decode(k) {
                Some(k) => pairs.push((k, v.to_string())),
                None => messages.push(format!("ignored {:?}: not properly encoded", clip(part))),
            }
        }
    }
    let pairs = last_wins(pairs, &mut messages);
    let mut state = PageState::default();
    // A preset comes first; the link's own parameters then change it.
    if let Some((_, v)) = pairs.iter().find(|(k, _)| k == "preset") {
        match decode(v).and_then(|id| crate::page::presets::preset(&id)) {
            Some(p) => {
                if let Ok(cfg) = p.full_config() {
                    state.config = cfg.into();
                }
                state.view = p.view.clone();
                state.preset = Some(p.id.to_string());
                state.twin = p.twin.clone();
            }
            None => messages.push(format!("ignored {}: no such preset", kv("preset", v))),
        }
    }
    let mut page = page_value(&state);
    // Config parameters that passed their own field's check, as (what, patch) in table order.
    let mut patches: Vec<(String, Value)> = Vec::new();
    for param in params() {
        let Some((_, raw)) = pairs.iter().find(|(k, _)| *k == param.key) else {
            continue;
        };
        // The preset came first; a custom matrix is applied as a whole below.
        let matrix = match param.home {
            Home::Config(f) => {
                matrix_part(f) || (f.key == "dataset" && decode(raw).as_deref() == Some("matrix"))
            }
            Home::Page(_) => false,
        };
        if param.key == "preset" || matrix {
            continue;
        }
        let value = match read_value(param.kind, raw) {
            Ok(v) => v,
            Err(e) => {
                messages.push(format!("ignored {}: {e}", kv(&param.key, raw)));
                continue;
            }
        };
        match param.home {
            Home::Config(f) => {
                // A value out of its own range is named at once; the second network's values
                // are checked together with the rest of it (below, in `read_twin`).
                if let Err(e) = f.check(&value) {
                    messages.push(format!("ignored {}: {e}", kv(&param.key, raw)));
                    continue;
                }
                patches.push((kv(&param.key, raw), nest(f.path, value)))
            }
            Home::Page(path) => merge_into(&mut page, &nest(path, value)),
        }
    }
    // A custom matrix arrives in several parameters; apply them together.
    let keys: Vec<&str> = matrix_keys().collect();
    let present: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .collect();
    if !present.is_empty() && present.len() < keys.len() {
        messages.push(format!(
            "ignored the custom matrix: it needs {}",
            keys.join(", ")
        ));
    }
    if present.len() == keys.len() {
        let mut patch = json!({"dataset": {"kind": "matrix"}});
        let mut ok = true;
        for key in &keys {
            // Every key is present, once (`last_wins`), and is a field's key.
            let (Some(f), Some((_, raw))) =
                (fields::by_key(key), pairs.iter().find(|(k, _)| k == key))
            else {
                ok = false;
                continue;
            };
            match read_value(Kind::of(f), raw) {
                Ok(v) => merge_into(&mut patch, &nest(f.path, v)),
                Err(e) => {
                    messages.push(format!("ignored {key}: {e}"));
                    ok = false;
                }
            }
        }
        if ok {
            patches.push(("the custom matrix".into(), patch));
        }
    }
    apply_config(&mut state.config, &patches, &mut messages);
    read_page(&mut state, &page, names, &mut messages);
    for (k, v) in &pairs {
        if let Some(key) = k.strip_suffix(HIDE) {
            if params().iter().any(|p| p.key == key) || key == "speed" || key == "presets" {
                if v == "1" || v == "true" {
                    state.hide.push(key.to_string());
                }
            } else {
                messages.push(format!(
                    "ignored {}: there is no control {:?}",
                    clip(k),
                    clip(key)
                ));
            }
        } else if !params().iter().any(|p| p.key == *k) {
            messages.push(format!("ignored {}: unknown parameter", clip(k)));
        }
    }
    Parsed {
        state,
        messages: echo::cap(messages),
    }
}

/// `key=raw` as a message names it: clipped to [`echo::MAX_ECHO_CHARS`] characters.
fn kv(key: &str, raw: &str) -> String {
    clip(&format!("{key}={raw}"))
}

/// One pair per key: a key given more than once takes its last value, and a message says so.
/// The pairs keep the order of their last occurrences.
fn last_wins(pairs: Vec<(String, String)>, messages: &mut Vec<String>) -> Vec<(String, String)> {
    use std::collections::HashMap;
    // Each key's last position and how many times it appears.
    let mut last: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, (k, _)) in pairs.iter().enumerate() {
        let e = last.entry(k.as_str()).or_insert((i, 0));
        *e = (i, e.1 + 1);
    }
    if last.len() == pairs.len() {
        return pairs;
    }
    let mut keep = vec![false; pairs.len()];
    let mut repeated: Vec<(usize, usize)> = Vec::new();
    for &(i, n) in last.values() {
        keep[i] = true;
        if n > 1 {
            repeated.push((i, n));
        }
    }
    // The messages in the order the keys last appear, whatever the map's order.
    repeated.sort_unstable();
    for (i, n) in repeated {
        let (k, v) = &pairs[i];
        messages.push(format!(
            "{} appears {n} times in the link; the last one, {}, was used",
            clip(k),
            kv(k, v)
        ));
    }
    pairs
        .into_iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(p))
        .collect()
}

/// Applies a link's config parameters: all at once, checked once, when together they make a
/// valid config (the usual case); otherwise one by one in table order, each kept only if the
/// config stays valid, with a message for each one left out.
fn apply_config(config: &mut Config, patches: &[(String, Value)], messages: &mut Vec<String>) {
    if patches.is_empty() {
        return;
    }
    let mut all = json!({});
    for (_, p) in patches {
        merge_into(&mut all, p);
    }
    if let Ok(cfg) = config.merged(&all) {
        *config = cfg.into();
        return;
    }
    for (what, patch) in patches {
        match config.merged(patch) {
            Ok(cfg) => *config = cfg.into(),
            Err(e) => messages.push(format!("ignored {what}: {e}")),
        }
    }
}

fn merge_into(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        merge_into(existing, v)
                    }
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// The second network from the `twin*` parameters: kept only if it makes a valid config on top
/// of the link's own.
fn read_twin(state: &mut PageState, mut twin: Value, messages: &mut Vec<String>) {
    let on = twin.get("on").and_then(Value::as_bool).unwrap_or(false);
    if let Some(t) = twin.as_object_mut() {
        t.remove("on");
    }
    if !on {
        state.twin = None;
        return;
    }
    match crate::run::session::check_twin(&state.config, &twin) {
        Ok(()) => state.twin = Some(twin),
        Err(e) => {
            messages.push(format!("ignored the second network (twin): {e}"));
            state.twin = None;
        }
    }
}

/// The most origins `allow_origin` may list.
const MAX_ORIGINS: usize = 16;

/// An origin as the browser writes `MessageEvent.origin`: `http(s)://host` or
/// `http(s)://host:port`, lower-case, with no path, user, query or wildcard.
fn origin(x: &str) -> Result<String, &'static str> {
    let s = x.trim().to_ascii_lowercase();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let (host, port) = match rest {
        Some(r) => r.split_once(':').map_or((r, None), |(h, p)| (h, Some(p))),
        None => ("", None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.parse::<u16>().is_ok());
    if host_ok && port_ok {
        Ok(s)
    } else {
        Err("an origin is scheme://host or scheme://host:port, such as https://lab.example")
    }
}

fn read_page(state: &mut PageState, page: &Value, names: &Names, messages: &mut Vec<String>) {
    let known = &names.panels;
    let mut view_json = page.clone();
    if let Some(o) = view_json.as_object_mut() {
        let panels = o.remove("panels");
        let embed = o.remove("embed");
        o.remove("preset");
        if let Some(c) = o
            .remove("chapter")
            .and_then(|c| c.as_str().map(String::from))
        {
            let ids = &names.chapters;
            if ids.contains(&c.as_str()) {
                state.chapter = Some(c);
            } else {
                messages.push(format!(
                    "ignored chapter={}: chapters are {}",
                    clip(&c),
                    ids.join(", ")
                ));
            }
        }
        if let Some(list) = o.remove("allow_origin").and_then(|v| v.as_array().cloned()) {
            for x in list.iter().filter_map(Value::as_str) {
                match origin(x) {
                    Ok(_) if state.allow_origin.len() == MAX_ORIGINS => {
                        messages.push(format!(
                            "ignored allow_origin {:?}: at most {MAX_ORIGINS} origins",
                            clip(x)
                        ));
                    }
                    Ok(o) if !state.allow_origin.contains(&o) => state.allow_origin.push(o),
                    Ok(_) => {}
                    Err(e) => messages.push(format!("ignored allow_origin {:?}: {e}", clip(x))),
                }
            }
        }
        if let Some(twin) = o.remove("twin") {
            read_twin(state, twin, messages);
        }
        if let Some(ill) = o.get("illusion").and_then(Value::as_array).cloned() {
            match ill.as_slice() {
                [Value::String(item), Value::String(feature)] => {
                    o.insert("illusion".into(), json!({"item": item, "feature": feature}));
                }
                _ => {
                    messages.push(
                        "ignored ill: it needs an item and a feature, as ill=pine,leaves".into(),
                    );
                    o.remove("illusion");
                }
            }
        }
        if let Some(p) = panels.and_then(|p| p.as_array().cloned()) {
            let names: Vec<String> = p
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect();
            let (good, bad): (Vec<String>, Vec<String>) =
                names.into_iter().partition(|n| known.contains(&n.as_str()));
            if !bad.is_empty() {
                let bad: Vec<String> = bad.iter().map(|b| clip(b)).collect();
                messages.push(format!(
                    "ignored panels {:?}: panels are {known:?}",
                    echo::cap(bad)
                ));
            }
            state.panels = Some(good);
        }
        state.embed = embed.and_then(|e| e.as_bool()).unwrap_or(false);
    }
    match crate::config::read::<View>(view_json) {
        Ok(v) => state.view = v,
        Err(e) => messages.push(format!(
            "ignored the view: {}: {}",
            clip(&e.path().to_string()),
            echo::clip_quoted(&e.inner().to_string())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names for the tests that write and read back a state: two panels, three chapters.
    fn names() -> Names {
        Names {
            panels: vec!["loss", "modes"],
            chapters: vec!["learning", "semantic", "depth"],
        }
    }

    #[test]
    fn percent_encoding_round_trips_any_text() {
        for s in ["pine", "a,b;c&d=e", "naïve ☃", "100%", ""] {
            assert_eq!(decode(&encode(s)).as_deref(), Some(s));
        }
        assert_eq!(decode("%zz"), None);
    }

    #[test]
    fn the_default_state_writes_an_empty_hash() {
        assert_eq!(write(&PageState::default()), "");
    }

    #[test]
    fn a_link_holds_only_what_differs_from_where_it_starts() {
        let mut state = PageState::default();
        state.config.train.lr = 0.005;
        assert_eq!(write(&state), "lr=0.005");
        let base = base_of(&PageState {
            preset: Some("illusion".into()),
            ..PageState::default()
        });
        let mut on_preset = base.clone();
        on_preset.config.train.seed = 9;
        assert_eq!(write(&on_preset), "seed=9&preset=illusion");
        assert_eq!(parse(&write(&on_preset), &names()).state, on_preset);
    }

    #[test]
    fn a_chapter_is_a_key_of_the_link_and_an_unknown_one_is_named() {
        let parsed = parse("#lr=0.005&chapter=depth", &names());
        assert_eq!(parsed.messages, Vec::<String>::new());
        assert_eq!(parsed.state.chapter.as_deref(), Some("depth"));
        assert_eq!(write(&parsed.state), "lr=0.005&chapter=depth");
        let bad = parse("#chapter=nowhere&seed=4", &names());
        assert_eq!(bad.state.chapter, None);
        assert_eq!(bad.state.config.train.seed, 4);
        assert_eq!(bad.messages.len(), 1, "{:?}", bad.messages);
        assert!(
            bad.messages[0].starts_with("ignored chapter=nowhere: chapters are learning, "),
            "{:?}",
            bad.messages
        );
    }

    #[test]
    fn the_default_state_round_trips() {
        let state = PageState::default();
        let parsed = parse(&write(&state), &names());
        assert_eq!(parsed.messages, Vec::<String>::new());
        assert_eq!(parsed.state, state);
    }
}
