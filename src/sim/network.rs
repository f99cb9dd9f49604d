//! A deep linear network `y = W_D ... W_2 W_1 x` (no biases, no nonlinearity), THEORY.md 0.1.
//!
//! The loss is the sum convention of THEORY.md 0.2, `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2`,
//! so the gradient-flow time constant is `tau = 1 / lr` and time is counted in steps.

use ndarray::{Array2, Axis};

use super::data::Dataset;
use super::linalg::Svd;

/// The weights `W_1 ... W_D`; `W_l` is `N_l x N_{l-1}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub weights: Vec<Array2<f64>>,
}

impl Network {
    pub fn new(weights: Vec<Array2<f64>>) -> Network {
        debug_assert!(weights.windows(2).all(|w| w[1].ncols() == w[0].nrows()));
        Network { weights }
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

    /// The end-to-end map `W_tot = W_D ... W_1`.
    pub fn product(&self) -> Array2<f64> {
        let mut p = self.weights[0].clone();
        for w in &self.weights[1..] {
            p = w.dot(&p);
        }
        p
    }

    /// Hidden representation of the inputs at layer `l` (l = 0 is the input itself).
    pub fn representation(&self, x: &Array2<f64>, l: usize) -> Array2<f64> {
        let mut h = x.clone();
        for w in &self.weights[..l] {
            h = w.dot(&h);
        }
        h
    }

    /// The network's outputs for every item, `W_tot X` (`N_D x P`).
    pub fn output(&self, data: &Dataset) -> Array2<f64> {
        if data.one_hot {
            self.product()
        } else {
            self.product().dot(&data.x)
        }
    }

    /// `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2`.
    pub fn loss(&self, data: &Dataset) -> f64 {
        let out = self.output(data);
        0.5 * (&data.y - &out).iter().map(|e| e * e).sum::<f64>()
    }

    /// Exact gradients `dL/dW_l` by back-propagation, written plainly (the trainer has the fast
    /// version; this one is the reference the tests compare it with):
    /// `dL/dW_l = -(W_D ... W_{l+1})^T (Y - W_tot X) (W_{l-1} ... W_1 X)^T`.
    pub fn gradients(&self, data: &Dataset) -> Vec<Array2<f64>> {
        let d = self.depth();
        let mut hs = vec![data.x.clone()];
        for w in &self.weights {
            let next = w.dot(hs.last().expect("non-empty"));
            hs.push(next);
        }
        let mut delta = &data.y - &hs[d];
        let mut grads = vec![Array2::zeros((0, 0)); d];
        for l in (0..d).rev() {
            grads[l] = -delta.dot(&hs[l].t());
            delta = self.weights[l].t().dot(&delta);
        }
        grads
    }

    /// Mode strengths `a_alpha = u_alpha^T W_tot v_alpha` for every mode of the SVD (SMG14 Fig. 3).
    pub fn mode_strengths(&self, svd: &Svd) -> Vec<f64> {
        mode_strengths_of(&self.product(), svd)
    }

    /// True when every weight is a finite number.
    pub fn is_finite(&self) -> bool {
        self.weights.iter().all(|w| w.iter().all(|v| v.is_finite()))
    }
}

/// `a_alpha = u_alpha^T M v_alpha` for a map `M` (`N_D x N_0`).
pub fn mode_strengths_of(m: &Array2<f64>, svd: &Svd) -> Vec<f64> {
    let mv = m.dot(&svd.v); // N_D x r
    (&svd.u * &mv).sum_axis(Axis(0)).to_vec()
}
