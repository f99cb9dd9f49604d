//! The URL hash: every valid state survives state -> hash -> state, and junk never panics.

use dln_explorer::chapters::registry::link_names;
use dln_explorer::config::{Activation, Config, DatasetKind, InitKind, LrPolicy, SweepInit};
use dln_explorer::engine::rng::Rng;
use dln_explorer::page::hash::{write, PageState, Parsed};
use dln_explorer::page::view::{Pick, Projection, ProjectionKind, View};
use serde_json::json;

/// Reads a hash as the page does, against every panel the chapters declare.
fn parse(hash: &str) -> Parsed {
    dln_explorer::page::hash::parse(hash, &link_names())
}

fn pick<'a, T>(rng: &mut Rng, xs: &'a [T]) -> &'a T {
    &xs[(rng.uniform() * xs.len() as f64) as usize % xs.len()]
}

fn int(rng: &mut Rng, lo: u64, hi: u64) -> u64 {
    lo + (rng.uniform() * (hi - lo + 1) as f64) as u64 % (hi - lo + 1)
}

/// A number with a random number of digits, as a user or a slider would make it.
fn real(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    let x = lo * (hi / lo).powf(rng.uniform());
    if rng.bernoulli(0.5) {
        x
    } else {
        let digits = int(rng, 1, 4) as i32;
        let f = 10f64.powi(digits - x.log10().floor() as i32);
        ((x * f).round() / f).clamp(lo, hi)
    }
}

fn name(rng: &mut Rng, k: usize) -> String {
    let parts = [
        "pine", "oak", "a,b", "x;y", "naïve", "α β", "100%", "q&a", "x=y", "#1", "+",
    ];
    format!("{}{k}", pick(rng, &parts))
}

/// A random valid config. Every choice is drawn from its enum's `ALL` list (the list the field
/// table's options come from), and the match over dataset kinds is exhaustive, so a new kind
/// or option is covered, or this test does not compile.
fn random_config(rng: &mut Rng) -> Option<Config> {
    let dataset = match *pick(rng, DatasetKind::ALL) {
        DatasetKind::Rm8 => json!({"kind": "rm8"}),
        DatasetKind::Toy4 => json!({"kind": "toy4"}),
        DatasetKind::Tree => {
            json!({"kind": "tree", "branching": int(rng, 2, 4), "levels": int(rng, 1, 3)})
        }
        DatasetKind::Diffusion => json!({"kind": "diffusion", "branching": int(rng, 2, 3),
            "levels": int(rng, 1, 3), "feature_count": int(rng, 1, 300),
            "flip": real(rng, 0.001, 0.5), "seed": int(rng, 0, 1 << 40)}),
        DatasetKind::Spectrum => {
            let hi = real(rng, 0.5, 10.0);
            json!({"kind": "spectrum", "size": int(rng, 1, 20), "s_max": hi, "s_min": real(rng, 0.01, hi)})
        }
        DatasetKind::Matrix => {
            let (p, f) = (int(rng, 1, 5) as usize, int(rng, 1, 6) as usize);
            let items: Vec<String> = (0..p).map(|k| name(rng, k)).collect();
            let features: Vec<String> = (0..f).map(|k| name(rng, k)).collect();
            let values: Vec<Vec<f64>> = (0..p)
                .map(|_| {
                    (0..f)
                        .map(|_| {
                            if rng.bernoulli(0.3) {
                                -real(rng, 1e-3, 1e3)
                            } else {
                                real(rng, 1e-3, 1e3)
                            }
                        })
                        .collect()
                })
                .collect();
            json!({"kind": "matrix", "items": items, "feature_names": features, "values": values})
        }
    };
    let layers = int(rng, 0, 4) as usize;
    let hidden: Vec<u64> = (0..layers).map(|_| int(rng, 1, 64)).collect();
    let kind = pick(rng, InitKind::ALL).name();
    let lambda =
        if layers == 1 && (kind == "balanced" || kind == "lambda_balanced") && rng.bernoulli(0.5) {
            real(rng, 0.01, 5.0)
        } else {
            0.0
        };
    let patch = json!({
        "dataset": dataset,
        "network": {"hidden": hidden, "activation": pick(rng, Activation::ALL).name()},
        "init": {"kind": kind, "scale": real(rng, 1e-6, 5.0), "lambda": lambda},
        "train": {"lr": real(rng, 1e-5, 1.0), "steps": int(rng, 1, 1_000_000),
                  "record_every": int(rng, 1, 100), "seed": int(rng, 0, (1 << 53) - 1)},
        "sweep": {"depths": (0..int(rng, 1, 5)).map(|_| int(rng, 1, 40)).collect::<Vec<_>>(),
                  "threshold": real(rng, 1e-3, 0.9), "max_steps": int(rng, 1, 10000),
                  "lr": pick(rng, LrPolicy::ALL).name(),
                  "inits": vec![pick(rng, SweepInit::ALL).name()]}
    });
    Config::default().merged(&patch).ok().map(Config::from)
}

fn random_state(rng: &mut Rng, cfg: Config) -> PageState {
    let all = dln_explorer::chapters::registry::embed_panels();
    PageState {
        view: View {
            scrub: rng.bernoulli(0.5).then(|| int(rng, 0, 100_000)),
            illusion: rng.bernoulli(0.5).then(|| Pick {
                item: name(rng, 1),
                feature: name(rng, 2),
            }),
            category: rng.bernoulli(0.5).then(|| int(rng, 1, 8) as usize),
            projection: Projection {
                kind: if rng.bernoulli(0.5) {
                    ProjectionKind::Item
                } else {
                    ProjectionKind::Feature
                },
                item: rng.bernoulli(0.5).then(|| name(rng, 3)),
                feature: rng.bernoulli(0.5).then(|| name(rng, 4)),
            },
            flow: rng.bernoulli(0.5),
        },
        panels: rng.bernoulli(0.5).then(|| {
            all.iter()
                .filter(|_| rng.bernoulli(0.5))
                .map(|s| s.to_string())
                .collect()
        }),
        embed: rng.bernoulli(0.3),
        allow_origin: if rng.bernoulli(0.3) {
            vec!["https://lab.example".into(), "http://127.0.0.1:8000".into()]
        } else {
            vec![]
        },
        hide: if rng.bernoulli(0.3) {
            vec!["lr".into(), "seed".into()]
        } else {
            vec![]
        },
        preset: None,
        twin: rng
            .bernoulli(0.4)
            .then(|| {
                let mut t = serde_json::Map::new();
                if rng.bernoulli(0.7) {
                    let layers = int(rng, 0, 3) as usize;
                    let widths: Vec<u64> = (0..layers).map(|_| int(rng, 1, 48)).collect();
                    t.insert("network".into(), json!({ "hidden": widths }));
                }
                if rng.bernoulli(0.7) {
                    t.insert("train".into(), json!({ "seed": int(rng, 0, 1_000_000) }));
                }
                if rng.bernoulli(0.5) {
                    let kind =
                        pick(rng, &[InitKind::SmallGaussian, InitKind::ScaledGaussian]).name();
                    t.insert(
                        "init".into(),
                        json!({ "kind": kind, "scale": real(rng, 0.001, 1.0), "lambda": 0.0 }),
                    );
                }
                serde_json::Value::Object(t)
            })
            .filter(|t| dln_explorer::run::session::check_twin(&cfg, t).is_ok()),
        chapter: rng.bernoulli(0.5).then(|| {
            let ids: Vec<&str> = dln_explorer::chapters::registry::chapters()
                .iter()
                .map(|c| c.id)
                .collect();
            pick(rng, &ids).to_string()
        }),
        config: cfg,
    }
}

#[test]
fn random_valid_states_survive_a_trip_through_the_hash() {
    let mut rng = Rng::new(2026);
    let mut checked = 0;
    while checked < 400 {
        let Some(cfg) = random_config(&mut rng) else {
            continue;
        };
        let state = random_state(&mut rng, cfg);
        let hash = write(&state);
        let parsed = parse(&format!("#{hash}"));
        assert_eq!(parsed.messages, Vec::<String>::new(), "{hash}");
        assert_eq!(parsed.state, state, "{hash}");
        checked += 1;
    }
}

#[test]
fn random_junk_never_panics_and_is_reported() {
    let mut rng = Rng::new(7);
    let alphabet: Vec<char> = "abc=&%#,;+.-_0123456789eE ☃\u{0}\\\"'<>/?xyzlrseedhiddentinit"
        .chars()
        .collect();
    for _ in 0..3000 {
        let len = int(&mut rng, 0, 80) as usize;
        let junk: String = (0..len).map(|_| *pick(&mut rng, &alphabet)).collect();
        let parsed = parse(&junk);
        parsed
            .state
            .config
            .validate()
            .expect("whatever is kept is valid");
    }
    // Junk in known and unknown places is named in a message; the rest still applies.
    let cases = [
        ("lr=fast&seed=5", "lr=fast"),
        ("lr=-1&seed=5", "train.lr"),
        ("hidden=16,x&seed=5", "hidden"),
        ("wings=3&seed=5", "wings"),
        ("init=magic&seed=5", "init"),
        ("dataset=tree&levels=99&seed=5", "levels"),
        ("lr=%zz&seed=5", "lr"),
        ("t=-3&seed=5", "t="),
        ("panels=loss,teapot&seed=5", "teapot"),
        ("ill=pine&seed=5", "ill"),
        (
            "dataset=matrix&items=a,b&fnames=x&values=1;zz&seed=5",
            "values",
        ),
        ("preset=nonsense&seed=5", "preset"),
        ("wat_hide=1&seed=5", "wat"),
    ];
    for (hash, named) in cases {
        let parsed = parse(hash);
        assert!(!parsed.messages.is_empty(), "{hash}: no message");
        assert!(
            parsed.messages.iter().any(|m| m.contains(named)),
            "{hash}: {:?}",
            parsed.messages
        );
        assert_eq!(
            parsed.state.config.train.seed, 5,
            "{hash}: the rest still applies"
        );
    }
}

#[test]
fn a_preset_in_the_link_loads_first_and_the_links_own_values_change_it() {
    let parsed = parse("#preset=illusion&lr=0.003&t=1350");
    assert!(parsed.messages.is_empty(), "{:?}", parsed.messages);
    assert_eq!(parsed.state.config.train.steps, 8311);
    assert_eq!(parsed.state.config.train.lr, 0.003);
    assert_eq!(parsed.state.view.scrub, Some(1350));
    assert_eq!(
        parsed.state.view.illusion.as_ref().unwrap().feature,
        "leaves"
    );
}

#[test]
fn a_tanh_network_survives_the_hash_as_act_equals_tanh() {
    let cfg = Config::default()
        .merged(
            &json!({"network": {"hidden": [32, 32], "activation": "tanh"},
                        "init": {"kind": "orthogonal", "scale": 1.0}}),
        )
        .unwrap();
    let state = PageState {
        config: cfg.clone().into(),
        ..PageState::default()
    };
    let hash = write(&state);
    assert!(hash.contains("act=tanh"), "{hash}");
    let parsed = parse(&format!("#{hash}"));
    assert!(parsed.messages.is_empty(), "{:?}", parsed.messages);
    assert_eq!(cfg, parsed.state.config);
    // A short link with only the activation changes only the activation.
    let short = parse("#act=relu&seed=4");
    assert!(short.messages.is_empty(), "{:?}", short.messages);
    assert_eq!(
        short.state.config.network.activation,
        dln_explorer::config::Activation::Relu
    );
    assert_eq!(short.state.config.network.hidden, vec![16]);
    // An unknown activation is skipped with a message naming it; the rest applies.
    let bad = parse("#act=sigmoid&seed=5");
    assert!(
        bad.messages.iter().any(|m| m.contains("act")),
        "{:?}",
        bad.messages
    );
    assert_eq!(bad.state.config.train.seed, 5);
}

#[test]
fn the_json_form_of_a_hash_round_trips_through_the_writer_the_page_uses() {
    let h = "dataset=toy4&hidden=8,8&lr=0.005&panels=loss,modes&embed=1&lr_hide=1&t=200";
    let parsed = dln_explorer::page::hash::parse_json(h, &link_names());
    assert_eq!(parsed["messages"], json!([]));
    assert_eq!(parsed["config"]["network"]["hidden"], json!([8, 8]));
    assert_eq!(parsed["hide"], json!(["lr"]));
    let again = dln_explorer::page::hash::write_json(&parsed).unwrap();
    assert_eq!(parse(&again), parse(h));
}

#[test]
fn the_json_writer_names_the_field_it_cannot_read() {
    let err = dln_explorer::page::hash::write_json(&json!({"config": {"train": {"lr": -1}}}))
        .unwrap_err();
    assert!(err.contains("train.lr"), "{err}");
    let err = dln_explorer::page::hash::write_json(&json!({"panels": 3})).unwrap_err();
    assert!(err.starts_with("panels"), "{err}");
}

#[test]
fn a_link_on_a_preset_writes_only_the_changes_and_reads_back_the_same_state() {
    let mut rng = Rng::new(31);
    for preset in dln_explorer::page::presets::presets() {
        let mut checked = 0;
        while checked < 60 {
            let Some(cfg) = random_config(&mut rng) else {
                continue;
            };
            let state = PageState {
                config: cfg,
                view: preset.view.clone(),
                preset: Some(preset.id.to_string()),
                ..PageState::default()
            };
            let hash = write(&state);
            let parsed = parse(&hash);
            assert_eq!(parsed.messages, Vec::<String>::new(), "{hash}");
            assert_eq!(parsed.state, state, "{} {hash}", preset.id);
            checked += 1;
        }
        // The preset itself is a link of one parameter.
        let own = PageState {
            config: preset.full_config().unwrap().into(),
            view: preset.view.clone(),
            preset: Some(preset.id.to_string()),
            twin: preset.twin.clone(),
            ..PageState::default()
        };
        assert_eq!(write(&own), format!("preset={}", preset.id));
    }
}

#[test]
fn a_second_network_travels_in_the_link_and_a_removed_one_stays_removed() {
    let twin = json!({"network": {"hidden": [40]}, "train": {"seed": 2}});
    let state = PageState {
        twin: Some(twin.clone()),
        ..PageState::default()
    };
    let hash = write(&state);
    assert!(
        hash.contains("twin=1") && hash.contains("twin_hidden=40"),
        "{hash}"
    );
    assert_eq!(parse(&hash).state.twin, Some(twin));
    // The species preset brings a second network; a link that turned it off says so.
    let species = dln_explorer::page::presets::presets()
        .into_iter()
        .find(|p| p.twin.is_some())
        .expect("a preset with a second network");
    let off = PageState {
        config: species.full_config().unwrap().into(),
        view: species.view.clone(),
        preset: Some(species.id.to_string()),
        twin: None,
        ..PageState::default()
    };
    let hash = write(&off);
    assert!(hash.contains("twin=0"), "{hash}");
    assert_eq!(parse(&hash).state, off);
}

#[test]
fn a_second_network_the_config_refuses_is_ignored_with_a_message() {
    let parsed = parse("#twin=1&twin_hidden=0");
    assert_eq!(parsed.state.twin, None);
    assert!(
        parsed.messages.iter().any(|m| m.contains("twin")),
        "{:?}",
        parsed.messages
    );
}

#[test]
fn a_repeated_matrix_key_takes_its_last_value_with_a_message_instead_of_panicking() {
    // Three matrix parameters, one of them twice: once a panic ("present").
    let p = parse("#items=a&items=b&values=1");
    assert!(
        p.messages
            .iter()
            .any(|m| m.contains("items appears 2 times")
                && m.contains("the last one, items=b, was used")),
        "{:?}",
        p.messages
    );
    assert!(
        p.messages.iter().any(|m| m.contains("custom matrix")),
        "{:?}",
        p.messages
    );
    assert_eq!(p.state.config.dataset.kind(), DatasetKind::Rm8);
}

#[test]
fn four_matrix_keys_with_one_repeated_still_make_the_matrix() {
    // Once dropped with no message: four keys matched none of the matrix's two cases.
    let p = parse("#items=a,b&fnames=x&items=p,q&values=1;0");
    assert_eq!(p.state.config.dataset.kind(), DatasetKind::Matrix);
    let v = serde_json::to_value(&p.state.config.dataset).unwrap();
    assert_eq!(v["items"], json!(["p", "q"]));
    assert_eq!(p.messages.len(), 1, "{:?}", p.messages);
    assert!(p.messages[0].starts_with("items appears 2 times"));
}

#[test]
fn a_repeated_key_means_its_last_value() {
    let p = parse("#lr=0.01&seed=3&lr=0.05");
    assert_eq!(p.state.config.train.lr, 0.05);
    assert_eq!(p.state.config.train.seed, 3);
    assert_eq!(
        p.messages,
        vec!["lr appears 2 times in the link; the last one, lr=0.05, was used".to_string()]
    );
}

#[test]
fn an_unknown_key_of_ninety_thousand_characters_is_echoed_clipped_to_eighty() {
    let key = "k".repeat(90_000);
    let p = parse(&format!("#{key}=1&{key}_hide=1"));
    assert!(!p.messages.is_empty());
    for m in &p.messages {
        assert!(m.chars().count() < 200, "{} characters", m.chars().count());
        assert!(m.contains('…'), "{m}");
    }
}

#[test]
fn twenty_thousand_unknown_keys_give_ten_messages_ending_with_and_n_more() {
    let hash: Vec<String> = (0..20_000).map(|i| format!("x{i}=1")).collect();
    let p = parse(&hash.join("&"));
    assert_eq!(p.messages.len(), 10);
    assert_eq!(p.messages[0], "ignored x0: unknown parameter");
    assert_eq!(p.messages[9], "and 19991 more");
}

#[test]
fn allow_origin_lists_origins_and_refuses_what_is_not_one() {
    let p = parse("#allow_origin=https://lab.example,HTTP://Host.test:8080,*,https://x.org/path");
    assert_eq!(
        p.state.allow_origin,
        vec![
            "https://lab.example".to_string(),
            "http://host.test:8080".to_string()
        ]
    );
    assert_eq!(p.messages.len(), 2, "{:?}", p.messages);
    assert!(p.messages[0].starts_with("ignored allow_origin \"*\": an origin is"));
    assert!(p.messages[1].starts_with("ignored allow_origin \"https://x.org/path\""));
    let state = PageState {
        allow_origin: vec!["https://lab.example".into()],
        ..PageState::default()
    };
    assert_eq!(write(&state), "allow_origin=https%3A%2F%2Flab.example");
    assert_eq!(parse(&write(&state)).state, state);
}
