//! The products give the same bits on every kind of tile this processor can run: the portable
//! 128-bit tiles (the ones wasm runs) and the wider AVX2 and AVX-512 tiles picked at run time.
//! Whole trainings are compared, weight by weight and record by record; the browser test
//! tests/browser/bits.test.mjs then compares wasm with the native binary on the same cases.

use dln_explorer::config::Config;
use dln_explorer::engine::bench::{bits_after, Case, CASES};
use dln_explorer::engine::kernels::{with_tiles, Tiles};
use dln_explorer::run::export;
use dln_explorer::run::Run;

/// The configs the browser test also trains (tests/browser/fixtures/bits-configs.json).
fn configs() -> Vec<(String, Config)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/browser/fixtures/bits-configs.json"
    ))
    .expect("the fixture exists");
    let all: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("the fixture is a JSON object");
    all.into_iter()
        .map(|(name, v)| {
            let cfg: Config = serde_json::from_value(v).expect("a valid config");
            (name, cfg)
        })
        .collect()
}

#[test]
fn every_benchmark_case_trains_to_the_same_bits_on_every_kind_of_tile() {
    let kinds = Tiles::available();
    for (name, _) in CASES {
        let portable = with_tiles(Tiles::Portable, || bits_after(name, 200)).expect("a case");
        for &kind in &kinds {
            let got = with_tiles(kind, || bits_after(name, 200)).expect("a case");
            assert_eq!(got, portable, "{name} on {}", kind.name());
        }
        // And every weight, not only their hash.
        let weights = |kind| {
            with_tiles(kind, || {
                let mut case = Case::new(name).expect("a case");
                case.steps(50);
                case.net.weights
            })
        };
        let reference = weights(Tiles::Portable);
        for &kind in &kinds {
            for (a, b) in weights(kind).iter().zip(&reference) {
                assert!(
                    a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{name} on {}",
                    kind.name()
                );
            }
        }
    }
    // On x86-64 with AVX2 the wide tiles are really used (the comparison is not of one path with
    // itself).
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        assert!(kinds.contains(&Tiles::Avx2) && Tiles::widest() >= Tiles::Avx2);
    }
}

#[test]
fn recorded_losses_modes_and_similarities_are_the_same_bits_on_every_kind_of_tile() {
    let cfgs = configs();
    assert!(
        cfgs.len() >= 4,
        "deep, balanced, tanh and lambda-balanced at least"
    );
    for (name, cfg) in cfgs {
        let record = |kind| {
            with_tiles(kind, || {
                let mut run = Run::new(&cfg.clone().validated().expect("the config is valid"));
                run.advance(cfg.train.steps);
                export::to_json(&run)
            })
        };
        let portable = record(Tiles::Portable);
        assert!(portable.contains("\"loss\""), "{name}: {portable:.200}");
        for kind in Tiles::available() {
            assert!(record(kind) == portable, "{name} on {}", kind.name());
        }
    }
}
