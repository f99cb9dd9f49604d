//! The chart palettes stay readable for colour-blind readers: neighbouring series, seen through a
//! simulation of deuteranopia, protanopia and tritanopia (Machado, Oliveira and Fernandes 2009,
//! severity 1, applied in linear RGB), still differ by a CIEDE2000 colour difference of at least
//! `MIN_DE`. CIEDE2000 rather than CIE76 because it corrects CIE76's overstatement of differences
//! between saturated colours (blues and yellows above all), where a palette's pairs sit.
//!
//! The bound: a ΔE00 of about 2 is just noticeable side by side on large patches; chart series are
//! thin lines seen apart, for which ΔE00 ≥ 10 is a common floor. `MIN_DE` is 12, a little above
//! that floor. The markers (each series has its own shape) are the second channel, so colour
//! alone never has to carry the distinction.

use dln_explorer::chapters::depth::charts::sweep::sweep_series;
use dln_explorer::charts::{Theme, MARKERS, PALETTE, PALETTE_DARK};
use plotters::style::RGBColor;

const MIN_DE: f64 = 12.0;

type M3 = [[f64; 3]; 3];

const PROTANOPIA: M3 = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
];
const DEUTERANOPIA: M3 = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
];
const TRITANOPIA: M3 = [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.303900],
];
const IDENTITY: M3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
const VISIONS: [(&str, M3); 4] = [
    ("normal vision", IDENTITY),
    ("deuteranopia", DEUTERANOPIA),
    ("protanopia", PROTANOPIA),
    ("tritanopia", TRITANOPIA),
];

fn to_linear(c: u8) -> f64 {
    let v = c as f64 / 255.0;
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// A colour as seen with the given simulation matrix, in linear RGB clamped to [0, 1].
fn simulate(c: RGBColor, m: &M3) -> [f64; 3] {
    let l = [to_linear(c.0), to_linear(c.1), to_linear(c.2)];
    let mut out = [0.0; 3];
    for (i, row) in m.iter().enumerate() {
        out[i] = (row[0] * l[0] + row[1] * l[1] + row[2] * l[2]).clamp(0.0, 1.0);
    }
    out
}

/// CIE L*a*b* (D65) of a linear RGB colour.
fn lab(rgb: [f64; 3]) -> [f64; 3] {
    let [r, g, b] = rgb;
    let x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    let z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
    let f = |t: f64| {
        if t > (6.0f64 / 29.0).powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * (6.0f64 / 29.0).powi(2)) + 4.0 / 29.0
        }
    };
    let (fx, fy, fz) = (f(x / 0.95047), f(y), f(z / 1.08883));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIEDE2000 colour difference (Sharma, Wu and Dalal 2005).
fn ciede2000(p: [f64; 3], q: [f64; 3]) -> f64 {
    use std::f64::consts::PI;
    let deg = |r: f64| r * 180.0 / PI;
    let rad = |d: f64| d * PI / 180.0;
    let [l1, a1, b1] = p;
    let [l2, a2, b2] = q;
    let c1 = (a1 * a1 + b1 * b1).sqrt();
    let c2 = (a2 * a2 + b2 * b2).sqrt();
    let cm = (c1 + c2) / 2.0;
    let g = 0.5 * (1.0 - (cm.powi(7) / (cm.powi(7) + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = ((a1p * a1p + b1 * b1).sqrt(), (a2p * a2p + b2 * b2).sqrt());
    let hue = |b: f64, a: f64| {
        if b == 0.0 && a == 0.0 {
            0.0
        } else {
            deg(b.atan2(a)).rem_euclid(360.0)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else if (h2p - h1p).abs() <= 180.0 {
        h2p - h1p
    } else if h2p - h1p > 180.0 {
        h2p - h1p - 360.0
    } else {
        h2p - h1p + 360.0
    };
    let dhh = 2.0 * (c1p * c2p).sqrt() * rad(dh / 2.0).sin();
    let lm = (l1 + l2) / 2.0;
    let cmp = (c1p + c2p) / 2.0;
    let hm = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * rad(hm - 30.0).cos()
        + 0.24 * rad(2.0 * hm).cos()
        + 0.32 * rad(3.0 * hm + 6.0).cos()
        - 0.20 * rad(4.0 * hm - 63.0).cos();
    let d_theta = 30.0 * (-((hm - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (cmp.powi(7) / (cmp.powi(7) + 25f64.powi(7))).sqrt();
    let sl = 1.0 + 0.015 * (lm - 50.0).powi(2) / (20.0 + (lm - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * cmp;
    let sh = 1.0 + 0.015 * cmp * t;
    let rt = -rad(2.0 * d_theta).sin() * rc;
    ((dl / sl).powi(2) + (dc / sc).powi(2) + (dhh / sh).powi(2) + rt * (dc / sc) * (dhh / sh))
        .sqrt()
}

/// The ΔE00 between two colours as a reader with `m`'s vision sees them.
fn seen_difference(a: RGBColor, b: RGBColor, m: &M3) -> f64 {
    ciede2000(lab(simulate(a, m)), lab(simulate(b, m)))
}

/// Every pair of `colors` that is `(i, i + 1)` (or any pair, when `all_pairs`) and differs by less
/// than `MIN_DE` for some vision, described.
fn too_close(colors: &[(String, RGBColor)], all_pairs: bool) -> Vec<String> {
    let mut bad = Vec::new();
    for i in 0..colors.len() {
        let js: Vec<usize> = if all_pairs {
            (i + 1..colors.len()).collect()
        } else {
            (i + 1..colors.len().min(i + 2)).collect()
        };
        for j in js {
            for (vision, m) in &VISIONS {
                let de = seen_difference(colors[i].1, colors[j].1, m);
                if de < MIN_DE {
                    bad.push(format!(
                        "{} and {} with {vision}: ΔE00 {de:.1}",
                        colors[i].0, colors[j].0
                    ));
                }
            }
        }
    }
    bad
}

fn named(palette: &[RGBColor]) -> Vec<(String, RGBColor)> {
    palette
        .iter()
        .enumerate()
        .map(|(k, &c)| (format!("series {}", k + 1), c))
        .collect()
}

#[test]
fn the_simulation_of_colour_blindness_turns_red_and_green_alike() {
    // The check can fail: the old palette's modes 3 and 4 (Tableau green and red), far apart
    // with normal vision, fall below the bound with deuteranopia (protanopia darkens the red,
    // which keeps them apart in lightness).
    let green = RGBColor(44, 160, 44);
    let red = RGBColor(214, 39, 40);
    assert!(seen_difference(green, red, &IDENTITY) > 40.0);
    assert!(seen_difference(green, red, &DEUTERANOPIA) < MIN_DE / 2.0);
    assert!(too_close(&[("green".into(), green), ("red".into(), red)], false).len() == 1);
}

#[test]
fn ciede2000_matches_the_published_test_pairs() {
    // Sharma, Wu and Dalal (2005), table 1, pairs 1, 7 and 17.
    let cases = [
        ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
        ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
        ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
    ];
    for (p, q, de) in cases {
        assert!((ciede2000(p, q) - de).abs() < 1e-3, "{p:?} {q:?}");
    }
}

#[test]
fn neighbouring_modes_stay_distinguishable_with_deuteranopia_protanopia_and_tritanopia() {
    assert_eq!(too_close(&named(&PALETTE), false), Vec::<String>::new());
    // The last mode wraps round to the first when there are more modes than colours.
    let wrap = [named(&PALETTE)[7].clone(), named(&PALETTE)[0].clone()];
    assert_eq!(too_close(&wrap, false), Vec::<String>::new());
}

#[test]
fn the_dark_palette_keeps_neighbouring_modes_apart_and_reads_on_the_dark_background() {
    assert_eq!(
        too_close(&named(&PALETTE_DARK), false),
        Vec::<String>::new()
    );
    let th = Theme::new(1.0, true);
    for (k, &c) in PALETTE_DARK.iter().enumerate() {
        let ratio = contrast(c, th.bg);
        assert!(ratio >= 3.0, "series {} has contrast {ratio:.2}", k + 1);
    }
    assert!(
        contrast(th.ink, th.bg) >= 7.0,
        "text on the dark background"
    );
    let light = Theme::new(1.0, false);
    assert!(
        contrast(light.ink, light.bg) >= 7.0,
        "text on the light background"
    );
}

#[test]
fn every_pair_of_initialisations_in_the_sweep_differs_in_colour_and_marker() {
    let inits = [
        "balanced",
        "orthogonal",
        "pretrained",
        "scaled_gaussian",
        "small_gaussian",
    ];
    for th in [Theme::new(1.0, false), Theme::new(1.0, true)] {
        let colors: Vec<(String, RGBColor)> = inits
            .iter()
            .map(|i| (i.to_string(), th.mode(sweep_series(i))))
            .collect();
        assert_eq!(
            too_close(&colors, true),
            Vec::<String>::new(),
            "dark {}",
            th.dark
        );
    }
    for (i, a) in inits.iter().enumerate() {
        for b in &inits[i + 1..] {
            let (ma, mb) = (MARKERS[sweep_series(a)], MARKERS[sweep_series(b)]);
            assert_ne!(ma, mb, "{a} and {b} share a marker");
        }
    }
}

#[test]
fn neighbouring_series_have_different_markers() {
    for k in 0..MARKERS.len() {
        assert_ne!(MARKERS[k], MARKERS[(k + 1) % MARKERS.len()]);
    }
}

/// WCAG contrast ratio of two colours.
fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    let lum =
        |c: RGBColor| 0.2126 * to_linear(c.0) + 0.7152 * to_linear(c.1) + 0.0722 * to_linear(c.2);
    let (x, y) = (lum(a), lum(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}
