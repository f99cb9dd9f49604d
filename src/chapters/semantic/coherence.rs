//! Category coherence (docs/theory.md §2.3 item 6, and the "coherence" row of 2.4).
//!
//! A category of `K_o` items that share `K_f` features is a block of strength `S` in an
//! environment of `N_o` items and `N_f` features whose every entry also carries unit-variance
//! Gaussian noise. Without noise the block is one mode with singular value `S √(K_o K_f)`. With
//! noise, the category can be recovered from the data's top singular mode only if its
//! **coherence**
//!
//! ```text
//! C = S² K_o K_f / √(N_o N_f)
//! ```
//!
//! exceeds 1: below that the block's mode is buried in the noise's bulk of singular values (the
//! BBP transition). This module generates the block-in-noise matrix, measures how much the top
//! item-side singular vector `v_1` overlaps the category, and sweeps that overlap against `C`.
//!
//! Conventions as in [`Dataset`](crate::engine::Dataset): the matrix `Y` has one row per feature and one
//! column per item (`N_f x N_o`), and with one-hot items and the sum convention it is `Σ^{yx}`
//! itself. The category is the first `K_o` items and the first `K_f` features (the noise is
//! i.i.d., so where the block sits does not matter; putting it first keeps it visible).

use ndarray::{Array2, ArrayView1};

use crate::engine::rng::Rng;
use crate::linalg::lanczos::{dense_matvec, dot, top_eigen};

/// Smallest coherence the demo's slider and curve cover.
pub const C_MIN: f64 = 0.2;
/// Largest coherence the demo's slider and curve cover.
pub const C_MAX: f64 = 5.0;
/// Number of coherence values on the demo's curve (log-spaced from [`C_MIN`] to [`C_MAX`]).
pub const CURVE_POINTS: usize = 25;
/// Number of noise draws averaged at each point of the demo's curve.
pub const DEMO_DRAWS: usize = 8;
/// Where the demo's slider starts: below the threshold, so the category is not yet found.
pub const DEMO_START_C: f64 = 0.5;

/// The shape of a category-in-noise environment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sizes {
    /// `N_o`: items in the environment.
    pub items: usize,
    /// `N_f`: features in the environment.
    pub features: usize,
    /// `K_o`: items in the category (the first `K_o` items).
    pub category_items: usize,
    /// `K_f`: features the category's items share (the first `K_f` features).
    pub category_features: usize,
}

impl Default for Sizes {
    /// The page's demo: 100 items x 200 features with a category of 10 items sharing 10
    /// features (half the size of docs/theory.md §2.3.6's reference numbers, with the same proportions).
    fn default() -> Self {
        Sizes {
            items: 100,
            features: 200,
            category_items: 10,
            category_features: 10,
        }
    }
}

impl Sizes {
    /// Checked sizes: `1 ≤ K_o ≤ N_o` and `1 ≤ K_f ≤ N_f`.
    pub fn new(
        items: usize,
        features: usize,
        category_items: usize,
        category_features: usize,
    ) -> Result<Sizes, String> {
        if category_items == 0 || category_items > items {
            return Err(format!(
                "category items: must be from 1 to {items}; got {category_items}"
            ));
        }
        if category_features == 0 || category_features > features {
            return Err(format!(
                "category features: must be from 1 to {features}; got {category_features}"
            ));
        }
        Ok(Sizes {
            items,
            features,
            category_items,
            category_features,
        })
    }

    /// `√(N_o N_f)`, the scale of the noise's largest singular values.
    fn noise_scale(&self) -> f64 {
        ((self.items * self.features) as f64).sqrt()
    }

    /// `K_o K_f`, the number of entries in the block.
    fn block(&self) -> f64 {
        (self.category_items * self.category_features) as f64
    }

    /// Whether item `i` belongs to the category.
    pub fn in_category_item(&self, i: usize) -> bool {
        i < self.category_items
    }

    /// Whether feature `j` is one the category's items share.
    pub fn in_category_feature(&self, j: usize) -> bool {
        j < self.category_features
    }
}

/// The coherence `C = S² K_o K_f / √(N_o N_f)` of a block of strength `S` (docs/theory.md §2.3.6).
pub fn coherence(strength: f64, sizes: &Sizes) -> f64 {
    strength * strength * sizes.block() / sizes.noise_scale()
}

/// Whether a category of coherence `c` is recoverable from the data's top mode in the large-N
/// limit: `C > 1`, the BBP threshold (docs/theory.md §2.3.6).
pub fn above_threshold(c: f64) -> bool {
    c > 1.0
}

/// The block strength `S` that gives coherence `c`: `S = √(C √(N_o N_f) / (K_o K_f))`.
pub fn strength_for(c: f64, sizes: &Sizes) -> f64 {
    (c.max(0.0) * sizes.noise_scale() / sizes.block()).sqrt()
}

/// The block's singular value without noise, `S √(K_o K_f)` (docs/theory.md §2.3.6): a larger value
/// is learned sooner.
pub fn clean_singular_value(strength: f64, sizes: &Sizes) -> f64 {
    strength * sizes.block().sqrt()
}

/// The large-N edge of the noise's singular values, `√N_o + √N_f`.
pub fn noise_edge(sizes: &Sizes) -> f64 {
    (sizes.items as f64).sqrt() + (sizes.features as f64).sqrt()
}

/// The large-N limit of the overlap `|v_1 · e| / ‖e‖` of the top item-side singular vector with
/// the category indicator `e`, at coherence `c`:
///
/// ```text
/// overlap² = (C² − 1) / (C (C + √(N_o/N_f)))   for C > 1,   0 for C ≤ 1.
/// ```
///
/// Derived here from the rank-one spiked rectangular model (Benaych-Georges & Nadakuditi 2012):
/// scaling `Y` by `1/√max(N_o, N_f)` makes the spike `θ² = C √(min/max)`, and their vector
/// overlaps become the expression above on either side. It is a limit as `N_o, N_f → ∞` at fixed
/// `C` and ratio; it reproduces docs/theory.md §2.3.6's reference numbers within 0.01 for `C ≥ 1.25`, while
/// finite matrices give a smooth rise around `C = 1` instead of the corner.
pub fn bbp_overlap(c: f64, sizes: &Sizes) -> f64 {
    if c.is_nan() || c <= 1.0 {
        return 0.0;
    }
    let ratio = (sizes.items as f64 / sizes.features as f64).sqrt();
    ((c * c - 1.0) / (c * (c + ratio))).max(0.0).sqrt()
}

/// The large-N limit of the top singular value at coherence `c`: the noise edge
/// `√N_o + √N_f` for `C ≤ 1`, and above the threshold
/// `√( √(N_o N_f) (C + √(N_o/N_f)) (C + √(N_f/N_o)) / C )` (same derivation as [`bbp_overlap`]).
pub fn bbp_singular_value(c: f64, sizes: &Sizes) -> f64 {
    if c.is_nan() || c <= 1.0 {
        return noise_edge(sizes);
    }
    let r = (sizes.items as f64 / sizes.features as f64).sqrt();
    (sizes.noise_scale() * (c + r) * (c + 1.0 / r) / c).sqrt()
}

/// `n` values from `lo` to `hi` evenly spaced on a log scale.
pub fn log_spaced(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![lo],
        _ => (0..n)
            .map(|k| lo * (hi / lo).powf(k as f64 / (n - 1) as f64))
            .collect(),
    }
}

/// The noise of draw `seed`: `N_f x N_o` i.i.d. standard normal entries.
pub fn noise(sizes: &Sizes, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_simple_fn((sizes.features, sizes.items), || rng.gaussian())
}

/// The block-in-noise matrix `Y = S f eᵀ + Z` (`N_f x N_o`: one row per feature, one column per
/// item), where `e` and `f` indicate the category's items and features and `Z` is
/// [`noise`]`(sizes, seed)`.
pub fn block_in_noise(sizes: &Sizes, strength: f64, seed: u64) -> Array2<f64> {
    let mut y = noise(sizes, seed);
    add_block(&mut y, sizes, strength);
    y
}

fn add_block(y: &mut Array2<f64>, sizes: &Sizes, strength: f64) {
    for j in 0..sizes.category_features {
        for i in 0..sizes.category_items {
            y[(j, i)] += strength;
        }
    }
}

/// The overlap `|v · e| / (‖v‖ ‖e‖)` of an item-side vector with the category indicator `e`
/// (sign-free: a singular vector's sign is arbitrary).
pub fn overlap(v: ArrayView1<'_, f64>, sizes: &Sizes) -> f64 {
    let norm = v.dot(&v).sqrt();
    if norm == 0.0 {
        return 0.0;
    }
    let along: f64 = v.iter().take(sizes.category_items).sum();
    along.abs() / (norm * (sizes.category_items as f64).sqrt())
}

/// One noise draw, prepared so that the top mode of `Y(S) = S f eᵀ + Z` costs one Lanczos run
/// for any strength: `YᵀY = ZᵀZ + S (e wᵀ + w eᵀ) + S² K_f e eᵀ` with `w = Zᵀf`.
#[derive(Clone)]
struct NoiseDraw {
    /// `ZᵀZ`, `N_o x N_o`.
    gram: Array2<f64>,
    /// `w = Zᵀ f`: each item's noise summed over the category's features.
    w: Vec<f64>,
}

impl NoiseDraw {
    fn new(sizes: &Sizes, seed: u64) -> NoiseDraw {
        let z = noise(sizes, seed);
        NoiseDraw::from_noise(sizes, &z)
    }

    fn from_noise(sizes: &Sizes, z: &Array2<f64>) -> NoiseDraw {
        let gram = z.t().dot(z);
        let w = (0..sizes.items)
            .map(|i| (0..sizes.category_features).map(|j| z[(j, i)]).sum())
            .collect();
        NoiseDraw { gram, w }
    }

    /// The top singular value and item-side vector of `Y(S)`, starting Lanczos from `start`.
    fn top(&self, sizes: &Sizes, strength: f64, start: &[f64]) -> (f64, Vec<f64>) {
        let ko = sizes.category_items;
        let kf = sizes.category_features as f64;
        let matvec = |x: &[f64], out: &mut [f64]| {
            dense_matvec(&self.gram, x, out);
            let ex: f64 = x[..ko].iter().sum();
            let wx = dot(&self.w, x);
            for (o, wi) in out.iter_mut().zip(&self.w) {
                *o += strength * wi * ex;
            }
            for o in &mut out[..ko] {
                *o += strength * wx + strength * strength * kf * ex;
            }
        };
        let (lambda, v) = top_eigen(sizes.items, matvec, start);
        (lambda.max(0.0).sqrt(), v)
    }

    /// The overlap of `v_1` with the category at each coherence in `c_values`.
    fn overlaps(&self, sizes: &Sizes, c_values: &[f64]) -> Vec<f64> {
        let mut start = default_start(sizes);
        let norm = dot(&start, &start).sqrt();
        c_values
            .iter()
            .map(|&c| {
                let (_, v) = self.top(sizes, strength_for(c, sizes), &start);
                let o = overlap(ArrayView1::from(&v[..]), sizes);
                // Warm start for the next (nearby) coherence, kept away from any one eigenvector.
                for (s, (x, d)) in start.iter_mut().zip(v.iter().zip(default_start(sizes))) {
                    *s = x + 0.1 * d / norm;
                }
                o
            })
            .collect()
    }
}

/// A start vector with weight on every item.
fn default_start(sizes: &Sizes) -> Vec<f64> {
    (0..sizes.items)
        .map(|i| 1.0 + 0.5 * ((i as f64) * 0.618_033_988_75).fract())
        .collect()
}

/// The mean overlap, and its spread over noise draws, at one coherence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    /// The coherence `C`.
    pub c: f64,
    /// Mean over noise draws of the overlap of `v_1` with the category.
    pub mean: f64,
    /// Standard deviation over noise draws (0 for a single draw).
    pub spread: f64,
    /// How many noise draws the mean is over.
    pub draws: usize,
}

fn summarise(c: f64, values: &[f64]) -> CurvePoint {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n.max(1) as f64;
    let spread = if n > 1 {
        (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    CurvePoint {
        c,
        mean,
        spread,
        draws: n,
    }
}

/// The overlap of the top item-side singular vector with the category, averaged over one noise
/// draw per seed, at each coherence in `c_values` (docs/theory.md §2.3.6: it rises sharply around
/// `C = 1`). Each draw's noise is shared by all coherences, so the curves are smooth in `C`.
pub fn overlap_curve(sizes: &Sizes, c_values: &[f64], seeds: &[u64]) -> Vec<CurvePoint> {
    let per_draw: Vec<Vec<f64>> = seeds
        .iter()
        .map(|&seed| NoiseDraw::new(sizes, seed).overlaps(sizes, c_values))
        .collect();
    curve_from(c_values, &per_draw)
}

fn curve_from(c_values: &[f64], per_draw: &[Vec<f64>]) -> Vec<CurvePoint> {
    c_values
        .iter()
        .enumerate()
        .map(|(k, &c)| {
            let values: Vec<f64> = per_draw.iter().map(|d| d[k]).collect();
            summarise(c, &values)
        })
        .collect()
}

/// The page's coherence demo: the sizes, the slider's coherence, and the overlap curve, which
/// depends only on the sizes and the seeds and is built one noise draw at a time
/// ([`refine`](CoherenceDemo::refine)) so the page never waits for all of it at once.
#[derive(Clone)]
pub struct CoherenceDemo {
    sizes: Sizes,
    seeds: Vec<u64>,
    c_values: Vec<f64>,
    c: f64,
    /// The noise of the first draw, for the heat map.
    noise0: Array2<f64>,
    /// Prepared noise draws, one per seed done so far.
    draws: Vec<NoiseDraw>,
    /// Overlaps along `c_values`, one row per draw whose curve is done.
    curves: Vec<Vec<f64>>,
    /// At the current coherence: each draw's overlap.
    current: Vec<f64>,
    /// At the current coherence, first draw: top singular value and item-side vector.
    top0: (f64, Vec<f64>),
    version: u64,
}

impl Default for CoherenceDemo {
    fn default() -> Self {
        CoherenceDemo::new(Sizes::default(), DEMO_DRAWS)
    }
}

impl CoherenceDemo {
    /// A demo over `draws` noise draws (seeds 1, 2, ...), with the slider at [`DEMO_START_C`].
    /// Prepares the first draw; the curve is empty until [`refine`](CoherenceDemo::refine).
    pub fn new(sizes: Sizes, draws: usize) -> CoherenceDemo {
        let seeds: Vec<u64> = (1..=draws.max(1) as u64).collect();
        let noise0 = noise(&sizes, seeds[0]);
        let first = NoiseDraw::from_noise(&sizes, &noise0);
        let mut demo = CoherenceDemo {
            sizes,
            seeds,
            c_values: log_spaced(C_MIN, C_MAX, CURVE_POINTS),
            c: DEMO_START_C,
            noise0,
            draws: vec![first],
            curves: Vec::new(),
            current: Vec::new(),
            top0: (0.0, Vec::new()),
            version: 0,
        };
        demo.update_current();
        demo
    }

    pub fn sizes(&self) -> &Sizes {
        &self.sizes
    }

    /// The slider's coherence `C`.
    pub fn coherence(&self) -> f64 {
        self.c
    }

    /// The block strength `S` at the slider's coherence.
    pub fn strength(&self) -> f64 {
        strength_for(self.c, &self.sizes)
    }

    /// Moves the slider to coherence `c`, clamped to [`C_MIN`]..[`C_MAX`] (a non-finite value is
    /// ignored). Recomputes the overlap at `c` for every draw prepared so far.
    pub fn set_coherence(&mut self, c: f64) {
        if !c.is_finite() {
            return;
        }
        let c = c.clamp(C_MIN, C_MAX);
        if c != self.c {
            self.c = c;
            self.update_current();
        }
    }

    fn update_current(&mut self) {
        let s = self.strength();
        let start = default_start(&self.sizes);
        self.current = self
            .draws
            .iter()
            .enumerate()
            .map(|(k, d)| {
                let (sigma, mut v) = d.top(&self.sizes, s, &start);
                let o = overlap(ArrayView1::from(&v[..]), &self.sizes);
                if k == 0 {
                    // Sign v_1 so that the category's items count positively.
                    if v[..self.sizes.category_items].iter().sum::<f64>() < 0.0 {
                        v.iter_mut().for_each(|x| *x = -*x);
                    }
                    self.top0 = (sigma, v);
                }
                o
            })
            .collect();
        self.version += 1;
    }

    /// Adds one noise draw to the curve (the first call uses the draw prepared at construction).
    /// Returns true when the curve is complete.
    pub fn refine(&mut self) -> bool {
        let k = self.curves.len();
        if k >= self.seeds.len() {
            return true;
        }
        if self.draws.len() <= k {
            let d = NoiseDraw::new(&self.sizes, self.seeds[k]);
            let (_, v) = d.top(&self.sizes, self.strength(), &default_start(&self.sizes));
            self.current
                .push(overlap(ArrayView1::from(&v[..]), &self.sizes));
            self.draws.push(d);
        }
        self.curves
            .push(self.draws[k].overlaps(&self.sizes, &self.c_values));
        self.version += 1;
        self.curves.len() >= self.seeds.len()
    }

    /// Builds the whole curve at once.
    pub fn complete(mut self) -> CoherenceDemo {
        while !self.refine() {}
        self
    }

    /// Whether every noise draw is in the curve.
    pub fn is_complete(&self) -> bool {
        self.curves.len() >= self.seeds.len()
    }

    /// `(draws in the curve so far, draws in all)`.
    pub fn progress(&self) -> (usize, usize) {
        (self.curves.len(), self.seeds.len())
    }

    /// The overlap curve over the draws done so far (empty before the first
    /// [`refine`](CoherenceDemo::refine)).
    pub fn curve(&self) -> Vec<CurvePoint> {
        if self.curves.is_empty() {
            return Vec::new();
        }
        curve_from(&self.c_values, &self.curves)
    }

    /// The overlap at the slider's coherence, over every draw prepared so far.
    pub fn current(&self) -> CurvePoint {
        summarise(self.c, &self.current)
    }

    /// The first draw's data at the slider's strength, `N_f x N_o` (rows are features).
    pub fn data(&self) -> Array2<f64> {
        let mut y = self.noise0.clone();
        add_block(&mut y, &self.sizes, self.strength());
        y
    }

    /// One entry of [`data`](CoherenceDemo::data): feature `j` of item `i`.
    pub fn data_value(&self, j: usize, i: usize) -> f64 {
        let block = self.sizes.in_category_feature(j) && self.sizes.in_category_item(i);
        self.noise0[(j, i)] + if block { self.strength() } else { 0.0 }
    }

    /// The first draw's top singular value at the slider's strength.
    pub fn top_singular_value(&self) -> f64 {
        self.top0.0
    }

    /// The first draw's top item-side singular vector `v_1` at the slider's strength, signed so
    /// that it sums positively over the category's items.
    pub fn top_item_vector(&self) -> &[f64] {
        &self.top0.1
    }

    /// A counter that changes whenever anything drawn from the demo changes.
    pub fn version(&self) -> u64 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::{top_mode, Svd};
    use ndarray::Array1;

    #[test]
    fn lanczos_finds_the_same_top_mode_as_the_full_svd() {
        let sizes = Sizes::new(30, 50, 5, 7).unwrap();
        for &(s, seed) in &[(0.3, 1), (1.2, 2), (3.0, 3)] {
            let y = block_in_noise(&sizes, s, seed);
            let top = top_mode(y.view());
            let svd = Svd::new(&y.view());
            assert!(
                (top.s - svd.s[0]).abs() < 1e-9 * svd.s[0],
                "{} vs {}",
                top.s,
                svd.s[0]
            );
            let agree = top.v.dot(&svd.v.column(0)).abs();
            assert!(agree > 1.0 - 1e-9, "v agreement {agree}");
            let agree = top.u.dot(&svd.u.column(0)).abs();
            assert!(agree > 1.0 - 1e-9, "u agreement {agree}");
            // The wide orientation takes the other Gram matrix.
            let wide = top_mode(y.t());
            assert!((wide.s - top.s).abs() < 1e-9 * top.s);
            assert!(wide.u.dot(&top.v).abs() > 1.0 - 1e-9);
        }
    }

    #[test]
    fn the_rank_two_update_gives_the_top_mode_of_the_assembled_matrix() {
        let sizes = Sizes::default();
        let d = NoiseDraw::new(&sizes, 4);
        for c in [0.3, 1.0, 2.5] {
            let s = strength_for(c, &sizes);
            let (sigma, v) = d.top(&sizes, s, &default_start(&sizes));
            let full = top_mode(block_in_noise(&sizes, s, 4).view());
            assert!((sigma - full.s).abs() < 1e-9 * full.s);
            assert!(full.v.dot(&Array1::from(v)).abs() > 1.0 - 1e-8);
        }
    }

    #[test]
    fn the_demo_builds_its_curve_one_draw_at_a_time() {
        let mut demo = CoherenceDemo::new(Sizes::new(40, 60, 6, 6).unwrap(), 3);
        assert!(demo.curve().is_empty());
        assert_eq!(demo.current().draws, 1);
        assert!(!demo.refine());
        assert_eq!(demo.curve().len(), CURVE_POINTS);
        assert!(!demo.refine());
        assert!(demo.refine());
        assert!(demo.is_complete());
        assert_eq!(demo.progress(), (3, 3));
        assert_eq!(demo.current().draws, 3);
        let v = demo.version();
        demo.set_coherence(2.0);
        assert!(demo.version() > v);
        assert_eq!(demo.coherence(), 2.0);
        demo.set_coherence(100.0);
        assert_eq!(demo.coherence(), C_MAX);
        demo.set_coherence(f64::NAN);
        assert_eq!(demo.coherence(), C_MAX);
        let direct = overlap_curve(
            demo.sizes(),
            &log_spaced(C_MIN, C_MAX, CURVE_POINTS),
            &[1, 2, 3],
        );
        assert_eq!(demo.curve(), direct);
    }
}
