//! The exact theory: closed forms for one decoupled mode (this module), the matrix Riccati
//! solution from any lambda-balanced start ([`riccati`]), and the prediction a run draws beside
//! its simulation ([`predict`]).
//!
//! Here: exact solutions for the strength `u(t) = u_alpha^T W_tot(t) v_alpha` of one mode.
//!
//! Time `t` is measured in units of `tau = 1 / lr`, i.e. `t = (steps) * lr` (docs/theory.md §0.2 and 5),
//! and inputs are whitened with `Sigma_xx = c I` (c = 1 for one-hot items in the sum convention).
//! `s` is the mode's singular value of `Sigma_yx`, `u0` its initial strength, `D` the number of
//! weight matrices.

pub mod predict;
pub mod riccati;

pub use predict::Prediction;
pub use riccati::Riccati;

/// The largest stable learning rate of a balanced depth-D network at convergence,
/// `2 / (D s_max^(2 - 2/D))` (docs/theory.md §0.5, c = 1): gradient descent with a larger rate
/// diverges once the top mode is learned.
pub fn stability_bound(depth: usize, s_max: f64) -> f64 {
    let d = depth as f64;
    2.0 / (d * s_max.powf(2.0 - 2.0 / d)).max(1e-300)
}

/// The largest stable learning rate at convergence of a decoupled depth-D network whose modes
/// have singular values `s` and input variances `c` (pairs `(s, c)`): the smallest over the
/// modes of `2 / (D s^(2 - 2/D) c^(2/D - 1))`. Linearising the balanced map of [`ModeMap`] at
/// its fixed point `a^D = s / c` gives that bound for each mode; with `c = 1` it is
/// [`stability_bound`] of the largest `s`.
pub fn stability_bound_modes(depth: usize, modes: &[(f64, f64)]) -> f64 {
    let d = depth as f64;
    modes
        .iter()
        .filter(|&&(s, c)| s > 0.0 && c > 0.0)
        .map(|&(s, c)| 2.0 / (d * s.powf(2.0 - 2.0 / d) * c.powf(2.0 / d - 1.0)).max(1e-300))
        .fold(f64::INFINITY, f64::min)
}

/// One decoupled mode of a depth-D network whose layers have their own strengths, not
/// necessarily balanced: `W_l = R_(l+1) diag(a_l) R_l^T` along the mode, `u = a_1 ... a_D`. Each
/// gradient step of rate `eta` moves every layer by the product of the others times the
/// mode's error, all from the old values:
/// `a_l <- a_l + eta (prod_(m != l) a_m) (s - c u)`.
///
/// This is the exact step of a greedily pretrained stack (every hidden layer at strength 1, the
/// readout at 0) on inputs that satisfy the consistency condition of SMG14 eq. 18
/// (docs/theory.md §1.6 (d)); with all strengths equal it is the balanced map of [`ModeMap`].
#[derive(Clone, Debug, PartialEq)]
pub struct LayerMap {
    pub s: f64,
    pub c: f64,
    /// The layers' strengths, input side first.
    pub a: Vec<f64>,
}

impl LayerMap {
    /// One gradient step of rate `eta`.
    pub fn step(&mut self, eta: f64) {
        let e = self.s - self.c * self.u();
        // The product of the other layers' old strengths, as the product of those before
        // layer l (`before`, built going up) times those after it (`after[l]`).
        let mut after = vec![1.0; self.a.len()];
        for l in (1..self.a.len()).rev() {
            after[l - 1] = after[l] * self.a[l];
        }
        let mut before = 1.0;
        for (a, rest_after) in self.a.iter_mut().zip(after) {
            let old = *a;
            *a += eta * before * rest_after * e;
            before *= old;
        }
    }

    /// The mode's strength `u`, the product of the layers' strengths.
    pub fn u(&self) -> f64 {
        self.a.iter().product()
    }

    /// The mode's part of the loss, `(s - c u)^2 / (2c)`: with the unlearnable residual
    /// `1/2 ||Y||^2 - sum s^2 / (2c)` the modes' parts add up to the summed loss, with no
    /// difference of large numbers.
    pub fn loss(&self) -> f64 {
        let e = self.s - self.c * self.u();
        e * e / (2.0 * self.c)
    }
}

/// Shallow network (D = 1): `tau du/dt = s - c u`, so `u(t) = s/c + (u0 - s/c) e^(-c t)`
/// (docs/theory.md §1.3, "Shallow network").
pub fn shallow(s: f64, c: f64, u0: f64, t: f64) -> f64 {
    let target = s / c;
    target + (u0 - target) * (-c * t).exp()
}

/// One hidden layer (D = 2), balanced start: SMG14 eq. 12 with `Sigma_xx = c I` (docs/theory.md §1.3),
/// in the overflow-safe form `u(t) = (s/c) / (1 - e^(-2st) + (s/(c u0)) e^(-2st))`.
/// Valid for `u0 > 0`; a mode that starts at exactly 0 stays there.
pub fn one_hidden(s: f64, c: f64, u0: f64, t: f64) -> f64 {
    if u0 <= 0.0 || s <= 0.0 {
        return if s <= 0.0 { u0 * (-c * t).exp() } else { 0.0 };
    }
    let e = (-2.0 * s * t).exp();
    (s / c) / (1.0 - e + (s / (c * u0)) * e)
}

/// SMG14 eq. 11 (with `c`): time for a D = 2 balanced mode to grow from `u0` to `uf`,
/// `t = (1/2s) ln[ uf (s - c u0) / (u0 (s - c uf)) ]`.
pub fn one_hidden_time(s: f64, c: f64, u0: f64, uf: f64) -> f64 {
    ((uf * (s - c * u0)) / (u0 * (s - c * uf))).ln() / (2.0 * s)
}

/// Shallow learning time (docs/theory.md §1.3): `t = (1/c) ln[(s - c u0) / (s - c uf)]`.
pub fn shallow_time(s: f64, c: f64, u0: f64, uf: f64) -> f64 {
    ((s - c * u0) / (s - c * uf)).ln() / c
}

/// SMG14 eq. 17, the large-depth approximation of the learning time for `N_l = D + 1` layers:
/// `t = (1/N_l) [ (1/s^2) ln(uf (u0 - s) / (u0 (uf - s))) + 1/(s u0) - 1/(s uf) ]`.
pub fn eq17_time(n_layers: usize, s: f64, u0: f64, uf: f64) -> f64 {
    let nl = n_layers as f64;
    (((uf * (u0 - s)) / (u0 * (uf - s))).ln() / (s * s) + 1.0 / (s * u0) - 1.0 / (s * uf)) / nl
}

/// The effective balanced starting strength of a mode under small random initialisation of a
/// one-hidden-layer network (docs/theory.md §1.3): `u0 = N_h sigma^2 / 2` for weights of std sigma.
pub fn effective_u0_small_random(hidden: usize, sigma: f64) -> f64 {
    effective_u0_small_random_layers(hidden, sigma, sigma)
}

/// The same with a different std in each layer (input side `sigma1`, output side `sigma2`, as
/// with the `xavier_gamma` rule): the growing part `(a + b)/2` of a mode's two layer vectors
/// starts with squared length `N_h (sigma1^2 + sigma2^2) / 4`, so `u0 = N_h (sigma1^2 + sigma2^2) / 4`
/// (docs/theory.md §1.3), which is `N_h sigma^2 / 2` when the two are equal.
pub fn effective_u0_small_random_layers(hidden: usize, sigma1: f64, sigma2: f64) -> f64 {
    hidden as f64 * (sigma1 * sigma1 + sigma2 * sigma2) / 4.0
}

/// One aligned mode of a lambda-balanced one-hidden-layer network (docs/theory.md §4.2, D25):
/// output-side strength `a`, input-side strength `b`, `lambda = a^2 - b^2` conserved, `u = ab`.
/// Closed form (2x2 Riccati) with `q = (b, a)`, `F = [[-lambda/2, s], [s, lambda/2]]`,
/// `E = sqrt(s^2 + lambda^2/4)`: `q q^T(t) = e^(Ft) q0 q0^T e^(Ft) / (1 + q0^T G(t) q0)`, written
/// here multiplied through by `e^(-2Et)` so that it never overflows. Returns `(u, a, b)`.
/// With `lambda = 0`, `a0 = b0` it is SMG14 eq. 12.
pub fn lambda_balanced_mode(s: f64, a0: f64, b0: f64, t: f64) -> (f64, f64, f64) {
    let lambda = a0 * a0 - b0 * b0;
    let e = (s * s + lambda * lambda / 4.0).sqrt();
    let x = (-e * t).exp();
    let x2 = x * x;
    let ch = (1.0 + x2) / 2.0; // e^(-Et) cosh(Et)
    let sh = (1.0 - x2) / (2.0 * e); // e^(-Et) sinh(Et) / E
                                     // p = e^(-Et) e^(Ft) q0 with q0 = (b0, a0).
    let p1 = ch * b0 + sh * (-lambda / 2.0 * b0 + s * a0);
    let p2 = ch * a0 + sh * (s * b0 + lambda / 2.0 * a0);
    let qq = a0 * a0 + b0 * b0;
    let qfq = -lambda / 2.0 * b0 * b0 + 2.0 * s * a0 * b0 + lambda / 2.0 * a0 * a0;
    // e^(-2Et) (1 + q0^T G q0), G = sinh(2Et)/(2E) I + (cosh(2Et) - 1)/(2E^2) F.
    let den = x2 + (1.0 - x2 * x2) / (4.0 * e) * qq + (1.0 - x2).powi(2) / (4.0 * e * e) * qfq;
    let root = den.sqrt();
    (p1 * p2 / den, p2 / root, p1 / root)
}

/// Rate of change of `z = ln u` for a balanced mode of a depth-D network (SMG14 eq. 15 with c):
/// `dz/dt = D u^(1 - 2/D) (s - c u)`.
fn log_rate(d: f64, s: f64, c: f64, z: f64) -> f64 {
    d * ((1.0 - 2.0 / d) * z).exp() * (s - c * z.exp())
}

/// Derivative of [`log_rate`] with respect to `z`.
fn log_rate_slope(d: f64, s: f64, c: f64, z: f64) -> f64 {
    let k = 1.0 - 2.0 / d;
    let u = z.exp();
    d * (k * z).exp() * (k * (s - c * u) - c * u)
}

/// Exact learning time of a balanced depth-D mode from `u0` to `uf` (docs/theory.md §1.5):
/// `t = int_{a0}^{af} da / (a^(D-1) (s - c a^D))` with `a = u^(1/D)`, evaluated in `x = ln a`
/// (integrand `e^((2-D) x) / (s - c e^(D x))`) by adaptive Simpson quadrature.
/// Requires `0 < u0 < s/c` and `uf < s/c`.
pub fn deep_time(d: usize, s: f64, c: f64, u0: f64, uf: f64) -> f64 {
    if d == 1 {
        return ((s - c * u0) / (s - c * uf)).ln() / c;
    }
    let df = d as f64;
    let f = |x: f64| ((2.0 - df) * x).exp() / (s - c * (df * x).exp());
    let (x0, x1) = (u0.ln() / df, uf.ln() / df);
    adaptive_simpson(&f, x0, x1, 30)
}

/// Adaptive Simpson quadrature to a relative accuracy of about 1e-12: 64 panels, each refined
/// until successive estimates agree (at most `depth` halvings).
fn adaptive_simpson(f: &dyn Fn(f64) -> f64, a: f64, b: f64, depth: u32) -> f64 {
    let panels = 64;
    let h = (b - a) / panels as f64;
    let pieces: Vec<(f64, f64, f64, f64, f64, f64)> = (0..panels)
        .map(|i| {
            let (lo, hi) = (a + i as f64 * h, a + (i + 1) as f64 * h);
            let (flo, fhi, fm) = (f(lo), f(hi), f(0.5 * (lo + hi)));
            let whole = (hi - lo) / 6.0 * (flo + 4.0 * fm + fhi);
            (lo, hi, flo, fm, fhi, whole)
        })
        .collect();
    let rough: f64 = pieces.iter().map(|p| p.5).sum();
    let tol = 1e-12 * rough.abs() / panels as f64;
    pieces
        .into_iter()
        .map(|(lo, hi, flo, fm, fhi, whole)| {
            simpson_rec(f, lo, hi, flo, fm, fhi, whole, tol, depth)
        })
        .sum()
}

#[allow(clippy::too_many_arguments)]
fn simpson_rec(
    f: &dyn Fn(f64) -> f64,
    a: f64,
    b: f64,
    fa: f64,
    fm: f64,
    fb: f64,
    whole: f64,
    tol: f64,
    depth: u32,
) -> f64 {
    let m = 0.5 * (a + b);
    let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
    let (flm, frm) = (f(lm), f(rm));
    let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
    let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    let delta = left + right - whole;
    if depth == 0 || delta.abs() <= 15.0 * tol {
        left + right + delta / 15.0
    } else {
        simpson_rec(f, a, m, fa, flm, fm, left, tol / 2.0, depth - 1)
            + simpson_rec(f, m, b, fm, frm, fb, right, tol / 2.0, depth - 1)
    }
}

/// The trajectory `u(t)` of a balanced mode of a depth-D network (SMG14 eq. 15 with c), which
/// has no elementary inverse for D > 2. It is integrated once with RK4 in `z = ln u` (step sizes
/// keep `|dz| <= 0.01` and `h |df/dz| <= 0.05`) until `u` is within 1e-13 of `s/c`, and
/// evaluated by cubic Hermite interpolation between the stored steps.
#[derive(Clone, Debug)]
pub struct DeepMode {
    s: f64,
    c: f64,
    u0: f64,
    /// (t, z, dz/dt) at each integration step.
    table: Vec<(f64, f64, f64)>,
}

impl DeepMode {
    /// Integrates the mode. `u0 > 0` and `s > 0` are required for growth; otherwise the mode
    /// stays at `u0` (a mode starting at 0 never moves).
    pub fn new(d: usize, s: f64, c: f64, u0: f64) -> DeepMode {
        let df = d as f64;
        let mut table = Vec::new();
        if u0 > 0.0 && s > 0.0 && d >= 2 {
            let target = (s / c).ln();
            let mut t = 0.0;
            let mut z = u0.ln();
            let mut f = log_rate(df, s, c, z);
            table.push((t, z, f));
            let rhs = |z: f64| log_rate(df, s, c, z);
            for _ in 0..2_000_000 {
                if (target - z).abs() < 1e-13 {
                    break;
                }
                let slope = log_rate_slope(df, s, c, z).abs();
                let h = (0.01 / f.abs().max(1e-300)).min(0.05 / slope.max(1e-300));
                let k1 = f;
                let k2 = rhs(z + 0.5 * h * k1);
                let k3 = rhs(z + 0.5 * h * k2);
                let k4 = rhs(z + h * k3);
                z += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
                t += h;
                f = rhs(z);
                table.push((t, z, f));
            }
        }
        DeepMode { s, c, u0, table }
    }

    /// `u(t)`, t in units of tau.
    pub fn at(&self, t: f64) -> f64 {
        if self.table.is_empty() {
            return self.u0;
        }
        if t <= 0.0 {
            return self.u0;
        }
        let last = self.table[self.table.len() - 1];
        if t >= last.0 {
            return (self.s / self.c).min(last.1.exp().max(self.s / self.c));
        }
        let i = self.table.partition_point(|e| e.0 <= t) - 1;
        let (t0, z0, f0) = self.table[i];
        let (t1, z1, f1) = self.table[i + 1];
        let h = t1 - t0;
        let x = (t - t0) / h;
        let (x2, x3) = (x * x, x * x * x);
        let z = (2.0 * x3 - 3.0 * x2 + 1.0) * z0
            + (x3 - 2.0 * x2 + x) * h * f0
            + (-2.0 * x3 + 3.0 * x2) * z1
            + (x3 - x2) * h * f1;
        z.exp()
    }
}

/// One decoupled mode under gradient descent itself, step by step (docs/theory.md §9.1).
///
/// A start whose modes decouple (shallow; balanced at any depth; aligned λ-balanced with one
/// hidden layer) stays decoupled under full-batch gradient descent, and each mode's layer
/// strengths follow a scalar map exactly. With the per-mode loss `-s u + (c/2) u^2` (sum
/// convention, `Sigma_xx = c I`) its gradient with respect to one layer's strength is
/// `-(s - c u)` times the product of the other layers' strengths, so one step of rate `eta` is:
/// - shallow: `u <- u + eta (s - c u)`;
/// - balanced, `D` layers of strength `a` each (`u = a^D`): `a <- a + eta a^(D-1) (s - c a^D)`;
/// - aligned, one hidden layer, output side `a`, input side `b` (`u = ab`):
///   `(a, b) <- (a + eta b (s - c ab), b + eta a (s - c ab))`, both from the old values.
///
/// Its limit as `eta -> 0` at fixed `t = steps * eta` is the gradient-flow curve ([`ModeCurve`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ModeMap {
    Shallow { s: f64, c: f64, u: f64 },
    Balanced { d: usize, s: f64, c: f64, a: f64 },
    Aligned { s: f64, c: f64, a: f64, b: f64 },
}

impl ModeMap {
    /// A mode of a depth-`d` network starting balanced at strength `u0 >= 0`.
    pub fn balanced(d: usize, s: f64, c: f64, u0: f64) -> ModeMap {
        match d {
            1 => ModeMap::Shallow { s, c, u: u0 },
            _ => ModeMap::Balanced {
                d,
                s,
                c,
                a: u0.max(0.0).powf(1.0 / d as f64),
            },
        }
    }

    /// One gradient step of rate `eta`.
    pub fn step(&mut self, eta: f64) {
        match self {
            ModeMap::Shallow { s, c, u } => *u += eta * (*s - *c * *u),
            ModeMap::Balanced { d, s, c, a } => {
                let rest = a.powi(*d as i32 - 1);
                *a += eta * rest * (*s - *c * rest * *a);
            }
            ModeMap::Aligned { s, c, a, b } => {
                let e = *s - *c * *a * *b;
                let (a0, b0) = (*a, *b);
                *a = a0 + eta * b0 * e;
                *b = b0 + eta * a0 * e;
            }
        }
    }

    /// The mode's strength `u`.
    pub fn u(&self) -> f64 {
        match *self {
            ModeMap::Shallow { u, .. } => u,
            ModeMap::Balanced { d, a, .. } => a.powi(d as i32),
            ModeMap::Aligned { a, b, .. } => a * b,
        }
    }

    /// `(u, input-side strength squared, readout strength squared)`, as [`ModeCurve::layers_at`].
    pub fn layers(&self) -> (f64, f64, f64) {
        match *self {
            ModeMap::Shallow { u, .. } => (u, 0.0, 0.0),
            ModeMap::Balanced { d, a, .. } => {
                let u = self.u();
                (u, a * a, a.powi(2 * (d as i32 - 1)))
            }
            ModeMap::Aligned { a, b, .. } => (a * b, b * b, a * a),
        }
    }

    /// Final strength `s / c`, or 0 for a mode that starts at the saddle and never moves.
    pub fn asymptote(&self) -> f64 {
        let moves = match *self {
            ModeMap::Shallow { .. } => true,
            ModeMap::Balanced { a, .. } => a != 0.0,
            ModeMap::Aligned { a, b, .. } => a != 0.0 || b != 0.0,
        };
        let (s, c) = self.sc();
        if moves {
            s / c
        } else {
            0.0
        }
    }

    fn sc(&self) -> (f64, f64) {
        match *self {
            ModeMap::Shallow { s, c, .. }
            | ModeMap::Balanced { s, c, .. }
            | ModeMap::Aligned { s, c, .. } => (s, c),
        }
    }

    /// The gradient-flow curve from this state (time measured from here).
    pub fn flow(&self) -> ModeCurve {
        let (s, c) = self.sc();
        match *self {
            ModeMap::Shallow { u, .. } => ModeCurve::Shallow { s, c, u0: u },
            ModeMap::Balanced { d, .. } => ModeCurve::balanced(d, s, c, self.u()),
            ModeMap::Aligned { a, b, .. } => ModeCurve::LambdaBalanced { s, c, a0: a, b0: b },
        }
    }
}

/// The predicted trajectory of one mode.
#[derive(Clone, Debug)]
pub enum ModeCurve {
    /// D = 1: exponential approach (exact for any initialisation).
    Shallow { s: f64, c: f64, u0: f64 },
    /// D = 2, balanced: SMG14 eq. 12.
    OneHidden { s: f64, c: f64, u0: f64 },
    /// D >= 3, balanced: eq. 15 integrated numerically.
    Deep(DeepMode),
    /// D = 2, aligned but unequal layers (`a0` output side, `b0` input side): docs/theory.md §4.2,
    /// for `Sigma_xx = c I` through the rescaling `a, b -> sqrt(c) a, sqrt(c) b`.
    LambdaBalanced { s: f64, c: f64, a0: f64, b0: f64 },
}

impl ModeCurve {
    /// The curve for a mode of a depth-D network starting balanced at strength `u0`.
    pub fn balanced(d: usize, s: f64, c: f64, u0: f64) -> ModeCurve {
        match d {
            1 => ModeCurve::Shallow { s, c, u0 },
            2 => ModeCurve::OneHidden { s, c, u0 },
            _ => ModeCurve::Deep(DeepMode::new(d, s, c, u0)),
        }
    }

    /// `u(t)` with `t` in units of tau (steps times learning rate).
    pub fn at(&self, t: f64) -> f64 {
        match self {
            ModeCurve::Shallow { s, c, u0 } => shallow(*s, *c, *u0, t),
            ModeCurve::OneHidden { s, c, u0 } => one_hidden(*s, *c, *u0, t),
            ModeCurve::Deep(m) => m.at(t),
            ModeCurve::LambdaBalanced { s, c, a0, b0 } => {
                let r = c.sqrt();
                lambda_balanced_mode(*s, r * a0, r * b0, t).0 / c
            }
        }
    }

    /// `(u, input-side strength squared, readout strength squared)` at time `t` for a mode of a
    /// depth-D network: balanced layers share `u^(1/D)` each, so the first layer carries
    /// `u^(2/D)` (squared) and the rest `u^(2(D-1)/D)`; lambda-balanced modes carry `b^2` and `a^2`.
    pub fn layers_at(&self, t: f64, depth: usize) -> (f64, f64, f64) {
        if let ModeCurve::LambdaBalanced { s, c, a0, b0 } = self {
            let r = c.sqrt();
            let (u, a, b) = lambda_balanced_mode(*s, r * a0, r * b0, t);
            return (u / c, b * b / c, a * a / c);
        }
        let u = self.at(t);
        let d = depth.max(1) as f64;
        let m = u.abs();
        (u, m.powf(2.0 / d), m.powf(2.0 * (d - 1.0) / d))
    }

    /// Final strength `s / c` of the mode (0 when it never starts).
    pub fn asymptote(&self) -> f64 {
        match self {
            ModeCurve::Shallow { s, c, .. } => s / c,
            ModeCurve::OneHidden { s, c, u0 } => {
                if *u0 > 0.0 {
                    s / c
                } else {
                    0.0
                }
            }
            ModeCurve::Deep(m) => {
                if m.table.is_empty() {
                    m.u0
                } else {
                    m.s / m.c
                }
            }
            ModeCurve::LambdaBalanced { s, c, a0, b0 } => {
                if a0 * b0 > 0.0 || (a0 * a0 - b0 * b0) != 0.0 {
                    s / c
                } else {
                    0.0
                }
            }
        }
    }

    /// Time (units of tau) at which the mode comes within `eps` of its asymptote, or `None`.
    pub fn time_within(&self, eps: f64) -> Option<f64> {
        let end = self.asymptote();
        let start = self.at(0.0);
        if (end - start).abs() <= eps {
            return Some(0.0);
        }
        self.first_time(|u| (u - end).abs() <= eps)
    }

    /// The first time the predicate holds, assuming it stays true afterwards (bisection after
    /// doubling).
    fn first_time(&self, reached: impl Fn(f64) -> bool) -> Option<f64> {
        let mut hi = 1e-6;
        while !reached(self.at(hi)) {
            hi *= 2.0;
            if hi > 1e15 {
                return None;
            }
        }
        let mut lo = 0.0;
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if reached(self.at(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo <= 1e-12 * hi {
                break;
            }
        }
        Some(hi)
    }

    /// Half-learning time (in units of tau): when the mode first reaches half of its asymptote
    /// (`u = s / 2c`, docs/theory.md §1.3), or, if it starts beyond that, halfway from its start to its
    /// asymptote. `None` when it never gets there.
    pub fn half_time(&self) -> Option<f64> {
        let (start, end) = (self.at(0.0), self.asymptote());
        if (end - start).abs() < 1e-300 || !(end - start).is_finite() {
            return None;
        }
        let goal = if start.abs() < 0.5 * end.abs() {
            0.5 * end
        } else {
            0.5 * (start + end)
        };
        let dir = (end - start).signum();
        self.first_time(|u| (u - goal) * dir >= 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_map_with_equal_strengths_steps_as_the_balanced_mode_map() {
        for d in [1usize, 2, 3, 6] {
            let (s, c, u0) = (1.7, 0.8, 0.02);
            let mut balanced = ModeMap::balanced(d, s, c, u0);
            let a0 = u0.powf(1.0 / d as f64);
            let mut layers = LayerMap {
                s,
                c,
                a: vec![a0; d],
            };
            for _ in 0..300 {
                balanced.step(0.05);
                layers.step(0.05);
            }
            let (b, l) = (balanced.u(), layers.u());
            assert!(
                (b - l).abs() <= 1e-12 * b.abs().max(1.0),
                "D={d}: {b} vs {l}"
            );
            assert!((l - s / c).abs() < 1e-3, "D={d} learned the mode: {l}");
        }
    }

    #[test]
    fn the_stability_bound_over_modes_with_unit_variance_is_the_bound_of_the_largest_mode() {
        let modes = [(2.0, 1.0), (1.2, 1.0), (0.5, 1.0)];
        for d in [1usize, 2, 5, 32] {
            let a = stability_bound_modes(d, &modes);
            let b = stability_bound(d, 2.0);
            assert!((a / b - 1.0).abs() < 1e-12, "D={d}: {a} vs {b}");
        }
        // A shallow network is stable below 2/c for the largest input variance.
        assert_eq!(stability_bound_modes(1, &[(1.0, 4.0), (3.0, 0.5)]), 0.5);
    }

    #[test]
    fn the_stability_bound_of_a_two_layer_network_is_one_over_s() {
        assert!((stability_bound(2, 4.0) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn eq12_at_t5_matches_the_closed_form_value() {
        let u = one_hidden(1.0, 1.0, 1e-3, 5.0);
        let want = 1.0 / (1.0 - (-10f64).exp() + 1000.0 * (-10f64).exp());
        assert!((u - want).abs() < 1e-15);
        assert!((u - 0.956613).abs() < 1e-6);
    }

    #[test]
    fn the_deep_ode_with_two_layers_reproduces_eq12() {
        let m = DeepMode::new(2, 1.5, 1.0, 1e-3);
        for t in [0.5, 1.0, 2.0, 3.0, 4.0, 8.0] {
            let (a, b) = (m.at(t), one_hidden(1.5, 1.0, 1e-3, t));
            assert!((a - b).abs() <= 1e-8 * b, "t={t}: {a} vs {b}");
        }
    }

    #[test]
    fn the_deep_quadrature_with_two_layers_reproduces_eq11() {
        let (s, c, u0, uf) = (2.0, 1.0, 1e-4, 1.9);
        let q = deep_time(2, s, c, u0, uf);
        let exact = one_hidden_time(s, c, u0, uf);
        assert!((q - exact).abs() <= 1e-9 * exact, "{q} vs {exact}");
    }

    #[test]
    fn half_time_of_eq12_is_ln_of_s_over_u0_minus_one_over_2s() {
        let (s, u0): (f64, f64) = (3.0, 1e-4);
        let want = (s / u0 - 1.0).ln() / (2.0 * s);
        let got = ModeCurve::balanced(2, s, 1.0, u0).half_time().unwrap();
        assert!((got - want).abs() < 1e-9 * want);
    }
}
