//! Initial weights. Every kind draws from the run's seeded generator.

use ndarray::{s, Array2};

use super::linalg::{random_orthogonal, random_semi_orthogonal, Svd};
use super::network::Network;
use super::rng::Rng;
use crate::config::{InitConfig, InitKind};

/// Draws the initial weights for layer sizes `dims = [N_0, ..., N_D]`. `svd` is the SVD of the
/// data's `Sigma_yx`, used by the balanced (task-aligned) initialisation only.
pub fn initialise(init: &InitConfig, dims: &[usize], svd: &Svd, rng: &mut Rng) -> Network {
    let pairs = dims.windows(2).map(|w| (w[1], w[0]));
    let weights = match init.kind {
        InitKind::SmallGaussian => pairs
            .map(|(out, inp)| gaussian(out, inp, init.scale, rng))
            .collect(),
        InitKind::ScaledGaussian => pairs
            .map(|(out, inp)| gaussian(out, inp, init.scale / (inp as f64).sqrt(), rng))
            .collect(),
        InitKind::Orthogonal => pairs
            .map(|(out, inp)| random_semi_orthogonal(out, inp, rng) * init.scale)
            .collect(),
        InitKind::Balanced => balanced(dims, init.scale, svd, rng),
    };
    Network::new(weights)
}

fn gaussian(rows: usize, cols: usize, std: f64, rng: &mut Rng) -> Array2<f64> {
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

/// Decoupled, balanced initial conditions (SMG14 sections 1.2 and 1.5):
/// `W_1 = R_1 D V^T`, `W_l = R_l D R_{l-1}^T`, `W_D = U D R_{D-1}^T`, with `D = u0^(1/D) I_k`
/// on the first k modes and random orthogonal hidden bases `R_l`. Every mode the network can
/// carry then starts at strength `u_alpha^T W_tot v_alpha = u0`, the others at 0.
fn balanced(dims: &[usize], u0: f64, svd: &Svd, rng: &mut Rng) -> Vec<Array2<f64>> {
    let depth = dims.len() - 1;
    let k = balanced_mode_count(dims, svd);
    let a = u0.powf(1.0 / depth as f64);
    // Bases for every layer: V on the input side, U on the output side, random in between.
    let mut bases: Vec<Array2<f64>> = Vec::with_capacity(depth + 1);
    bases.push(svd.v.slice(s![.., ..k]).to_owned());
    for &n in &dims[1..depth] {
        bases.push(random_orthogonal(n, rng).slice(s![.., ..k]).to_owned());
    }
    bases.push(svd.u.slice(s![.., ..k]).to_owned());
    (0..depth)
        .map(|l| bases[l + 1].dot(&bases[l].t()) * a)
        .collect()
}
