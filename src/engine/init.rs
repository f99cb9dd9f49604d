//! Initial weights. Every kind draws from the run's seeded generator.

use ndarray::{s, Array2, ShapeBuilder};

use crate::config::{InitConfig, InitKind};
use crate::engine::network::Network;
use crate::engine::rng::Rng;
use crate::linalg::{sign_fixed_q, Svd};

/// A Haar-random orthogonal `n x n` matrix: the sign-fixed Q of a Gaussian matrix, whose entries
/// are drawn column by column.
pub fn random_orthogonal(n: usize, rng: &mut Rng) -> Array2<f64> {
    let draws: Vec<f64> = (0..n * n).map(|_| rng.gaussian()).collect();
    let g = Array2::from_shape_vec((n, n).f(), draws).expect("n * n draws");
    sign_fixed_q(&g.view())
}

/// A random `rows x cols` matrix with orthonormal columns (rows >= cols) or orthonormal rows.
pub fn random_semi_orthogonal(rows: usize, cols: usize, rng: &mut Rng) -> Array2<f64> {
    let n = rows.max(cols);
    let q = random_orthogonal(n, rng);
    q.slice(s![..rows, ..cols]).to_owned()
}

/// Draws the initial weights for layer sizes `dims = [N_0, ..., N_D]`. `svd` is the SVD of the
/// data's `Sigma_yx`, used by the balanced (task-aligned) initialisation only.
pub fn initialise(init: &InitConfig, dims: &[usize], svd: &Svd, rng: &mut Rng) -> Network {
    let pairs = dims.windows(2).map(|w| (w[1], w[0]));
    let weights = match init.kind {
        InitKind::SmallGaussian => pairs
            .map(|(out, inp)| gaussian(out, inp, init.rule.std(init.scale, inp, out), rng))
            .collect(),
        InitKind::ScaledGaussian => pairs
            .map(|(out, inp)| gaussian(out, inp, init.scale / (inp as f64).sqrt(), rng))
            .collect(),
        InitKind::Orthogonal => pairs
            .map(|(out, inp)| random_semi_orthogonal(out, inp, rng) * init.scale)
            .collect(),
        InitKind::Balanced => balanced(dims, init.scale, init.lambda, svd, rng),
        InitKind::LambdaBalanced => lambda_balanced(dims, init.scale, init.lambda, rng),
    };
    Network::new(weights)
}

/// A `rows x cols` matrix of independent N(0, std²) entries, drawn row by row.
pub(crate) fn gaussian(rows: usize, cols: usize, std: f64, rng: &mut Rng) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || std * rng.gaussian())
}

/// Number of modes a balanced initialisation can carry: the data's rank, capped by the
/// narrowest hidden layer.
pub fn balanced_mode_count(dims: &[usize], svd: &Svd) -> usize {
    let narrowest = dims[1..dims.len() - 1]
        .iter()
        .copied()
        .min()
        .unwrap_or(usize::MAX);
    svd.rank().min(narrowest)
}

/// Layer strengths `(a, b)` (output side, input side) of an aligned one-hidden-layer mode with
/// `ab = u0` and `a^2 - b^2 = lambda` (docs/theory.md §4.2): `a^2 = (lambda + sqrt(lambda^2 + 4 u0^2)) / 2`.
pub fn balanced_layer_strengths(u0: f64, lambda: f64) -> (f64, f64) {
    let a = ((lambda + (lambda * lambda + 4.0 * u0 * u0).sqrt()) / 2.0).sqrt();
    (a, u0 / a)
}

/// Decoupled, balanced initial conditions (SMG14 sections 1.2 and 1.5):
/// `W_1 = R_1 D V^T`, `W_l = R_l D R_{l-1}^T`, `W_D = U D R_{D-1}^T`, with `D = u0^(1/D) I_k`
/// on the first k modes and random orthogonal hidden bases `R_l`. Every mode the network can
/// carry then starts at strength `u_alpha^T W_tot v_alpha = u0`, the others at 0. With one
/// hidden layer and `lambda != 0` the output and input layers carry `a` and `b` of
/// [`balanced_layer_strengths`] instead.
fn balanced(dims: &[usize], u0: f64, lambda: f64, svd: &Svd, rng: &mut Rng) -> Vec<Array2<f64>> {
    let depth = dims.len() - 1;
    let k = balanced_mode_count(dims, svd);
    let per_layer = libm::pow(u0, 1.0 / depth as f64); // the same bits in every build
    let strengths: Vec<f64> = if depth == 2 && lambda != 0.0 {
        let (a, b) = balanced_layer_strengths(u0, lambda);
        vec![b, a]
    } else {
        vec![per_layer; depth]
    };
    // Bases for every layer: V on the input side, U on the output side, random in between.
    let mut bases: Vec<Array2<f64>> = Vec::with_capacity(depth + 1);
    bases.push(svd.v.slice(s![.., ..k]).to_owned());
    for &n in &dims[1..depth] {
        bases.push(random_orthogonal(n, rng).slice(s![.., ..k]).to_owned());
    }
    bases.push(svd.u.slice(s![.., ..k]).to_owned());
    (0..depth)
        .map(|l| super::kernels::matmul(&bases[l + 1].view(), &bases[l].t()) * strengths[l])
        .collect()
}

/// A lambda-balanced one-hidden-layer start in random directions (docs/theory.md §4.1, 4.2):
/// `W1 = R S1 Q1^T`, `W2 = Q2 S2 R^T` with random orthogonal `R` and orthonormal `Q1`, `Q2`, so
/// that `W2^T W2 - W1 W1^T = R (S2^2 - S1^2) R^T = lambda I`. The smaller side has singular values
/// `scale` (zero beyond its rank), the other `sqrt(scale^2 + |lambda|)`. Feasibility (checked by
/// the config): lambda > 0 needs hidden <= outputs, lambda < 0 needs hidden <= inputs.
fn lambda_balanced(dims: &[usize], scale: f64, lambda: f64, rng: &mut Rng) -> Vec<Array2<f64>> {
    let (n_in, h, n_out) = (dims[0], dims[1], dims[2]);
    let r = random_orthogonal(h, rng);
    let q1 = random_semi_orthogonal(n_in, h.min(n_in), rng);
    let q2 = random_semi_orthogonal(n_out, h.min(n_out), rng);
    let (k1, k2) = (h.min(n_in), h.min(n_out));
    let mut s1 = vec![0.0; h];
    let mut s2 = vec![0.0; h];
    if lambda >= 0.0 {
        // W2 has full column rank h; W1 carries `scale` on its first k1 directions.
        for i in 0..h {
            s1[i] = if i < k1 { scale } else { 0.0 };
            s2[i] = (s1[i] * s1[i] + lambda).sqrt();
        }
        if lambda == 0.0 {
            let k = k1.min(k2);
            for i in 0..h {
                s1[i] = if i < k { scale } else { 0.0 };
                s2[i] = s1[i];
            }
        }
    } else {
        for i in 0..h {
            s2[i] = if i < k2 { scale } else { 0.0 };
            s1[i] = (s2[i] * s2[i] - lambda).sqrt();
        }
    }
    // W1 = R[:, :k1] diag(s1[:k1]) Q1^T (entries beyond k1 are zero whenever h > n_in).
    let mut w1 = Array2::zeros((h, n_in));
    for i in 0..k1 {
        for a in 0..h {
            for j in 0..n_in {
                w1[(a, j)] += r[(a, i)] * s1[i] * q1[(j, i)];
            }
        }
    }
    let mut w2 = Array2::zeros((n_out, h));
    for i in 0..k2 {
        for o in 0..n_out {
            for a in 0..h {
                w2[(o, a)] += q2[(o, i)] * s2[i] * r[(a, i)];
            }
        }
    }
    vec![w1, w2]
}
