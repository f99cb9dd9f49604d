//! Singular values of products of random matrices (SMG14 Fig 6B/C, docs/theory.md §1.6): the product of
//! D random N x N Gaussian matrices (entries of std 1/sqrt(N), so that the product preserves
//! norms on average) has a spectrum that spreads with depth, most singular values tiny and a
//! few large; the product of D random orthogonal matrices is orthogonal, every singular value
//! exactly 1 ("dynamical isometry").
//!
//! [`SpectraDemo`] keeps the page's choice of D and N and pools the singular values of several
//! seeded draws, one draw per call of [`SpectraDemo::refine`], so a page can build the
//! histograms between frames.

use ndarray::Array2;

use crate::engine::init::gaussian;
use crate::engine::init::random_orthogonal;
use crate::engine::rng::Rng;
use crate::linalg;

/// Depths the demo accepts (number of matrices in the product).
pub const DEPTH_MAX: usize = 64;
/// Sizes the demo accepts.
pub const SIZE_MIN: usize = 2;
pub const SIZE_MAX: usize = 200;
/// The demo pools draws until it has about this many singular values of each kind.
pub const TARGET_VALUES: usize = 2000;

/// The two kinds of random factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Factor {
    /// i.i.d. Gaussian entries of std `1/sqrt(N)`.
    Gaussian,
    /// Haar-random orthogonal.
    Orthogonal,
}

impl Factor {
    pub fn name(self) -> &'static str {
        match self {
            Factor::Gaussian => "Gaussian",
            Factor::Orthogonal => "orthogonal",
        }
    }
}

/// One random `n x n` factor.
pub fn random_factor(kind: Factor, n: usize, rng: &mut Rng) -> Array2<f64> {
    match kind {
        Factor::Gaussian => gaussian(n, n, 1.0 / (n as f64).sqrt(), rng),
        Factor::Orthogonal => random_orthogonal(n, rng),
    }
}

/// The product `M_D ... M_2 M_1` of `depth` random `n x n` factors (the identity for depth 0).
pub fn random_product(kind: Factor, depth: usize, n: usize, rng: &mut Rng) -> Array2<f64> {
    let mut p = Array2::eye(n);
    for _ in 0..depth {
        p = random_factor(kind, n, rng).dot(&p);
    }
    p
}

/// Singular values of a matrix, in decreasing order.
pub fn singular_values(m: &Array2<f64>) -> Vec<f64> {
    linalg::singular_values(&m.view())
}

/// Singular values of one seeded product of `depth` factors of size `n`.
pub fn product_spectrum(kind: Factor, depth: usize, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    singular_values(&random_product(kind, depth, n, &mut rng))
}

/// Equal-width histogram of `values` on `[lo, hi)` with `bins` bins, as fractions of all the
/// values (values at or beyond `hi` go into the last bin, below `lo` into the first).
pub fn histogram(values: &[f64], lo: f64, hi: f64, bins: usize) -> Vec<f64> {
    let mut h = vec![0.0; bins.max(1)];
    if values.is_empty() || hi <= lo {
        return h;
    }
    let w = (hi - lo) / h.len() as f64;
    let share = 1.0 / values.len() as f64;
    let last = h.len() - 1;
    for &v in values {
        let k = if v.is_finite() {
            (((v - lo) / w).floor().max(0.0) as usize).min(last)
        } else {
            last
        };
        h[k] += share;
    }
    h
}

/// Summary of one kind's pooled spectrum.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpectrumSummary {
    pub max: f64,
    pub min: f64,
    /// `max / min` of the pooled values (infinite when some value is 0).
    pub ratio: f64,
    /// Share of the values below 0.1.
    pub below_tenth: f64,
    /// Mean of the squared singular values (1 on average for both kinds).
    pub mean_square: f64,
}

pub fn summarise(values: &[f64]) -> SpectrumSummary {
    if values.is_empty() {
        return SpectrumSummary::default();
    }
    let max = values.iter().copied().fold(0.0, f64::max);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let n = values.len() as f64;
    SpectrumSummary {
        max,
        min,
        ratio: if min > 0.0 { max / min } else { f64::INFINITY },
        below_tenth: values.iter().filter(|&&v| v < 0.1).count() as f64 / n,
        mean_square: values.iter().map(|v| v * v).sum::<f64>() / n,
    }
}

/// A draw in progress: the two products so far, and their generators.
struct Pending {
    gaussian: (Array2<f64>, Rng),
    orthogonal: (Array2<f64>, Rng),
    factors: usize,
}

/// The page's spectra demo: its depth and size, and the singular values pooled so far. A draw
/// is built a factor at a time ([`SpectraDemo::refine`]), so that no single call takes long
/// even for a deep product of large matrices.
pub struct SpectraDemo {
    depth: usize,
    size: usize,
    seed: u64,
    gaussian: Vec<f64>,
    orthogonal: Vec<f64>,
    draws: usize,
    pending: Option<Pending>,
    version: u64,
}

impl Default for SpectraDemo {
    fn default() -> Self {
        SpectraDemo::new(8, 100, 1).expect("the defaults are valid")
    }
}

impl SpectraDemo {
    /// A demo with products of `depth` factors of size `size`; a message naming the field when
    /// either is out of range.
    pub fn new(depth: usize, size: usize, seed: u64) -> Result<SpectraDemo, String> {
        check(depth, size)?;
        Ok(SpectraDemo {
            depth,
            size,
            seed,
            gaussian: Vec::new(),
            orthogonal: Vec::new(),
            draws: 0,
            pending: None,
            version: 0,
        })
    }

    /// Changes depth and size (starting the pooled spectra again when either changes); on bad
    /// input returns a message naming the field and leaves the demo as it was.
    pub fn set(&mut self, depth: usize, size: usize) -> Result<(), String> {
        check(depth, size)?;
        if (depth, size) != (self.depth, self.size) {
            self.depth = depth;
            self.size = size;
            self.gaussian.clear();
            self.orthogonal.clear();
            self.draws = 0;
            self.pending = None;
            self.version += 1;
        }
        Ok(())
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Number of draws pooled for this size: about [`TARGET_VALUES`] singular values of each kind.
    pub fn draws_total(&self) -> usize {
        TARGET_VALUES.div_ceil(self.size).max(1)
    }

    pub fn draws(&self) -> usize {
        self.draws
    }

    pub fn is_complete(&self) -> bool {
        self.draws >= self.draws_total()
    }

    /// Does one slice of work: multiplies one more factor into each of the current draw's two
    /// products, or, when they have all `depth` factors, adds their singular values to the pool.
    /// Each draw uses its own seeds, so the pool is the same however it is sliced. Returns true
    /// once the pool is complete.
    pub fn refine(&mut self) -> bool {
        if self.is_complete() {
            return true;
        }
        let n = self.size;
        let pending = self.pending.get_or_insert_with(|| {
            let base = self
                .seed
                .wrapping_mul(1_000_003)
                .wrapping_add(2 * self.draws as u64);
            Pending {
                gaussian: (Array2::eye(n), Rng::new(base)),
                orthogonal: (Array2::eye(n), Rng::new(base + 1)),
                factors: 0,
            }
        });
        if pending.factors < self.depth {
            for (kind, (p, rng)) in [
                (Factor::Gaussian, &mut pending.gaussian),
                (Factor::Orthogonal, &mut pending.orthogonal),
            ] {
                *p = random_factor(kind, n, rng).dot(p);
            }
            pending.factors += 1;
            return false;
        }
        let done = self.pending.take().expect("a draw is in progress");
        self.gaussian.extend(singular_values(&done.gaussian.0));
        self.orthogonal.extend(singular_values(&done.orthogonal.0));
        self.draws += 1;
        self.version += 1;
        self.is_complete()
    }

    /// Builds the whole pool at once (tests, SVG export).
    pub fn complete(mut self) -> SpectraDemo {
        while !self.refine() {}
        self
    }

    /// The pooled singular values of one kind.
    pub fn values(&self, kind: Factor) -> &[f64] {
        match kind {
            Factor::Gaussian => &self.gaussian,
            Factor::Orthogonal => &self.orthogonal,
        }
    }

    /// Changes whenever what the chart shows changes.
    pub fn version(&self) -> u64 {
        self.version
    }
}

fn check(depth: usize, size: usize) -> Result<(), String> {
    if !(1..=DEPTH_MAX).contains(&depth) {
        return Err(format!(
            "spectra.depth: must be a whole number from 1 to {DEPTH_MAX}; got {depth}"
        ));
    }
    if !(SIZE_MIN..=SIZE_MAX).contains(&size) {
        return Err(format!(
            "spectra.size: must be a whole number from {SIZE_MIN} to {SIZE_MAX}; got {size}"
        ));
    }
    Ok(())
}
