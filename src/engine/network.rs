//! A deep network `y = W_D phi(... phi(W_2 phi(W_1 x)))` without biases, docs/theory.md §0.1. With the
//! default linear `phi` it is the deep linear network `y = W_D ... W_2 W_1 x` of the theory; a
//! tanh or relu `phi` acts on every hidden layer, never on the output (SMG14 section 4).
//!
//! The loss is the sum convention of docs/theory.md §0.2, `L = 1/2 sum_mu ||y_mu - f(x_mu)||^2`,
//! so the gradient-flow time constant is `tau = 1 / lr` and time is counted in steps.

use ndarray::Array2;

use crate::config::Activation;
use crate::engine::data::Dataset;
use crate::engine::kernels::{matmul, Phi};
use crate::linalg::Svd;

/// The numerics of the hidden layers' nonlinearity are the kernels' [`Phi`], the training step's
/// own (the enum itself, and its name, are part of the config vocabulary).
impl Activation {
    /// The kernels' nonlinearity of this name.
    pub fn phi(self) -> Phi {
        match self {
            Activation::Linear => Phi::Linear,
            Activation::Tanh => Phi::Tanh,
            Activation::Relu => Phi::Relu,
        }
    }

    /// `phi(z)`: see [`Phi::apply`].
    #[inline]
    pub fn apply(self, z: f64) -> f64 {
        self.phi().apply(z)
    }

    /// `phi'(z)` from the output `a = phi(z)`: see [`Phi::slope_from_output`].
    #[inline]
    pub fn slope_from_output(self, a: f64) -> f64 {
        self.phi().slope_from_output(a)
    }
}

/// The weights `W_1 ... W_D` (`W_l` is `N_l x N_{l-1}`) and the hidden layers' nonlinearity.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub weights: Vec<Array2<f64>>,
    pub activation: Activation,
}

impl Network {
    /// A linear network with these weights.
    pub fn new(weights: Vec<Array2<f64>>) -> Network {
        debug_assert!(weights.windows(2).all(|w| w[1].ncols() == w[0].nrows()));
        Network {
            weights,
            activation: Activation::Linear,
        }
    }

    /// The same weights with `phi` on every hidden layer.
    pub fn with_activation(mut self, activation: Activation) -> Network {
        self.activation = activation;
        self
    }

    /// True when the network computes a linear map: a linear `phi`, or no hidden layer for one
    /// to act on.
    pub fn is_linear(&self) -> bool {
        self.activation == Activation::Linear || self.depth() < 2
    }

    /// Number of weight matrices D.
    pub fn depth(&self) -> usize {
        self.weights.len()
    }

    /// Layer sizes `[N_0, ..., N_D]`.
    pub fn dims(&self) -> Vec<usize> {
        let mut d = vec![self.weights[0].ncols()];
        d.extend(self.weights.iter().map(|w| w.nrows()));
        d
    }

    /// The end-to-end map `W_tot = W_D ... W_1` (the network function only when it is linear).
    ///
    /// This and every other product of the measurements goes through [`matmul`], the kernels of
    /// the gradient step, so the page and the command line show the same bits.
    pub fn product(&self) -> Array2<f64> {
        let mut p = self.weights[0].clone();
        for w in &self.weights[1..] {
            p = matmul(&w.view(), &p.view());
        }
        p
    }

    fn activate(&self, mut z: Array2<f64>) -> Array2<f64> {
        if self.activation != Activation::Linear {
            let act = self.activation;
            z.mapv_inplace(|v| act.apply(v));
        }
        z
    }

    /// Representation of the inputs at layer `l` (l = 0 is the input itself, l = D the output):
    /// hidden layers are taken after the nonlinearity, `h_l = phi(W_l h_(l-1))`.
    pub fn representation(&self, x: &Array2<f64>, l: usize) -> Array2<f64> {
        let d = self.depth();
        let mut h = x.clone();
        for (k, w) in self.weights[..l].iter().enumerate() {
            h = matmul(&w.view(), &h.view());
            if k + 1 < d {
                h = self.activate(h);
            }
        }
        h
    }

    /// Dead hidden units of a relu network, `(dead, total)`: a unit is dead when it is never
    /// active (its output is 0) on any item of `data`, so no gradient reaches its weights. A
    /// network without relu has none.
    pub fn dead_units(&self, data: &Dataset) -> (usize, usize) {
        let d = self.depth();
        let total: usize = self.weights[..d.saturating_sub(1)]
            .iter()
            .map(|w| w.nrows())
            .sum();
        if self.activation != Activation::Relu || d < 2 {
            return (0, total);
        }
        let mut h = data.x.clone();
        let mut dead = 0;
        for w in &self.weights[..d - 1] {
            h = self.activate(matmul(&w.view(), &h.view()));
            dead += h
                .rows()
                .into_iter()
                .filter(|row| row.iter().all(|&a| a <= 0.0))
                .count();
        }
        (dead, total)
    }

    /// The first hidden layer's representation of every item, `phi(W_1 X)` (`N_1 x P`); `None`
    /// for a shallow network.
    pub fn first_hidden(&self, data: &Dataset) -> Option<Array2<f64>> {
        if self.depth() < 2 {
            return None;
        }
        let z = if data.one_hot {
            self.weights[0].clone()
        } else {
            matmul(&self.weights[0].view(), &data.x.view())
        };
        Some(self.activate(z))
    }

    /// The network's outputs for every item, `f(X)` (`N_D x P`): `W_tot X` for a linear network.
    pub fn output(&self, data: &Dataset) -> Array2<f64> {
        if self.is_linear() {
            return if data.one_hot {
                self.product()
            } else {
                matmul(&self.product().view(), &data.x.view())
            };
        }
        let mut h = self
            .first_hidden(data)
            .expect("a nonlinear network is deep");
        let d = self.depth();
        for (k, w) in self.weights[1..].iter().enumerate() {
            h = matmul(&w.view(), &h.view());
            if k + 2 < d {
                h = self.activate(h);
            }
        }
        h
    }

    /// The input-output map the network implements on the training items, as a matrix
    /// `N_D x N_0` that mode strengths are read from: `W_tot` for a linear network; for a
    /// nonlinear one its input-output correlation `Sigma^yhat x = f(X) X^T` (SMG14 Fig 3's tanh
    /// curve reads the modes off `U^T Sigma^31_tanh V`), divided by `c` when `Sigma^xx = c I` so
    /// that it equals `W_tot` whenever the network is linear (for one-hot items: `f(X)` itself).
    pub fn io_map(&self, data: &Dataset) -> Array2<f64> {
        if self.is_linear() {
            return self.product();
        }
        let out = self.output(data);
        if data.one_hot {
            return out;
        }
        let corr = matmul(&out.view(), &data.x.t());
        match data.whitening() {
            Some(c) if c > 0.0 => corr / c,
            _ => corr,
        }
    }

    /// `L = 1/2 sum_mu ||y_mu - f(x_mu)||^2`.
    pub fn loss(&self, data: &Dataset) -> f64 {
        let out = self.output(data);
        0.5 * (&data.y - &out).iter().map(|e| e * e).sum::<f64>()
    }

    /// Exact gradients `dL/dW_l` by back-propagation, written plainly (the trainer has the fast
    /// version; this one is the reference the tests compare it with). For a linear network
    /// `dL/dW_l = -(W_D ... W_{l+1})^T (Y - W_tot X) (W_{l-1} ... W_1 X)^T`; with a nonlinearity
    /// the error is multiplied by `phi'` at every hidden layer on its way down.
    pub fn gradients(&self, data: &Dataset) -> Vec<Array2<f64>> {
        let d = self.depth();
        let mut hs = vec![data.x.clone()];
        for (k, w) in self.weights.iter().enumerate() {
            let z = w.dot(hs.last().expect("non-empty"));
            hs.push(if k + 1 < d { self.activate(z) } else { z });
        }
        let mut delta = &data.y - &hs[d];
        let mut grads = vec![Array2::zeros((0, 0)); d];
        for l in (0..d).rev() {
            grads[l] = -delta.dot(&hs[l].t());
            delta = self.weights[l].t().dot(&delta);
            if l > 0 && self.activation != Activation::Linear {
                let act = self.activation;
                ndarray::Zip::from(&mut delta)
                    .and(&hs[l])
                    .for_each(|e, &a| *e *= act.slope_from_output(a));
            }
        }
        grads
    }

    /// Mode strengths `a_alpha = u_alpha^T W_tot v_alpha` for every mode of the SVD (SMG14 Fig. 3),
    /// of the product of the weights (see [`Network::io_map`] for a nonlinear network).
    ///
    /// The input-side vectors go up through the layers, `W_D (... (W_1 V))`, instead of forming
    /// `W_tot` first: with hidden layers narrower than the data (a 256 x 4096 dataset through 16
    /// units) that is an order of magnitude fewer operations than `W_tot V`.
    pub fn mode_strengths(&self, svd: &Svd) -> Vec<f64> {
        let mut mv = svd.v.clone();
        for w in &self.weights {
            mv = matmul(&w.view(), &mv.view());
        }
        diagonal_with(&svd.u, &mv)
    }

    /// True when every weight is a finite number.
    pub fn is_finite(&self) -> bool {
        self.weights.iter().all(|w| w.iter().all(|v| v.is_finite()))
    }
}

/// `a_alpha = u_alpha^T M v_alpha` for a map `M` (`N_D x N_0`): `M V` by the kernels, then each
/// column's sum over the outputs in order.
pub fn mode_strengths_of(m: &Array2<f64>, svd: &Svd) -> Vec<f64> {
    diagonal_with(&svd.u, &matmul(&m.view(), &svd.v.view()))
}

/// `a_alpha = sum_i u_(i alpha) mv_(i alpha)`: the diagonal of `U^T (M V)`, each column's sum over
/// the outputs in order.
fn diagonal_with(u: &Array2<f64>, mv: &Array2<f64>) -> Vec<f64> {
    let mut a = vec![0.0; mv.ncols()];
    for (u_row, mv_row) in u.rows().into_iter().zip(mv.rows()) {
        for ((a, &u), &x) in a.iter_mut().zip(u_row).zip(mv_row) {
            *a += u * x;
        }
    }
    a
}
