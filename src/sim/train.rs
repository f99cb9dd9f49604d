//! Full-batch gradient descent, `W_l <- W_l - lr * dL/dW_l`, on the summed loss
//! `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2` (THEORY.md 0.2, sum convention; SMG14 eq. 1).
//!
//! The step is plain back-propagation on the data (THEORY.md 5): forward `h_l = W_l h_{l-1}`,
//! `delta_D = Y - h_D`, then for l = D..1: `delta_{l-1} = W_l^T delta_l` (pre-update `W_l`) and
//! `W_l += lr * delta_l h_{l-1}^T`. All buffers are allocated once; a step allocates nothing.
//!
//! With a nonlinearity `phi` on the hidden layers the forward pass keeps `h_l = phi(W_l h_{l-1})`
//! for l < D and the error picks up the slope on its way down:
//! `delta_{l-1} = phi'(z_{l-1}) * (W_l^T delta_l)` (elementwise), with `phi'` read off `h_{l-1}`.

use ndarray::linalg::general_mat_mul;
use ndarray::Array2;

use super::data::Dataset;
use super::network::Network;
use crate::config::Activation;

/// Reusable buffers for gradient steps on one network shape and dataset size.
pub struct Trainer {
    /// `acts[l]` holds `h_l` for l = 1..=D (index 0 unused; `h_0` is the data).
    acts: Vec<Array2<f64>>,
    /// `deltas[l]` holds `delta_l` for l = 0..=D (index 0 only when needed; see `step`).
    deltas: Vec<Array2<f64>>,
}

impl Trainer {
    pub fn new(net: &Network, data: &Dataset) -> Trainer {
        let dims = net.dims();
        let p = data.n_items();
        let acts = dims.iter().map(|&n| Array2::zeros((n, p))).collect();
        let deltas = dims.iter().map(|&n| Array2::zeros((n, p))).collect();
        Trainer { acts, deltas }
    }

    /// One full-batch gradient step. Returns the loss at the weights *before* the step.
    pub fn step(&mut self, net: &mut Network, data: &Dataset, lr: f64) -> f64 {
        if !net.is_linear() {
            return self.step_nonlinear(net, data, lr);
        }
        let depth = net.depth();
        // With one-hot items h_1 = W_1 X = W_1: the first layer is read straight from the weights.
        let skip_first = data.one_hot;
        // Forward pass.
        for l in 1..=depth {
            let (done, rest) = self.acts.split_at_mut(l);
            let out = &mut rest[0];
            let w = &net.weights[l - 1];
            if l == 1 {
                if !skip_first {
                    general_mat_mul(1.0, w, &data.x, 0.0, out);
                }
            } else if l == 2 && skip_first {
                general_mat_mul(1.0, w, &net.weights[0], 0.0, out);
            } else {
                general_mat_mul(1.0, w, &done[l - 1], 0.0, out);
            }
        }
        // Output error delta_D = Y - h_D and the loss.
        let mut loss = 0.0;
        {
            let out = if depth == 1 && skip_first {
                &net.weights[0]
            } else {
                &self.acts[depth]
            };
            let delta = &mut self.deltas[depth];
            ndarray::Zip::from(&mut *delta)
                .and(&data.y)
                .and(out)
                .for_each(|d, &y, &h| {
                    let e = y - h;
                    *d = e;
                    loss += e * e;
                });
        }
        // Backward pass, updating each W_l after using it.
        for l in (1..=depth).rev() {
            let (lower, upper) = self.deltas.split_at_mut(l);
            let delta = &upper[0];
            if l > 1 {
                general_mat_mul(1.0, &net.weights[l - 1].t(), delta, 0.0, &mut lower[l - 1]);
            }
            let (below, at) = net.weights.split_at_mut(l - 1);
            let w = &mut at[0];
            if l == 1 {
                if skip_first {
                    w.scaled_add(lr, delta);
                } else {
                    general_mat_mul(lr, delta, &data.x.t(), 1.0, w);
                }
            } else if l == 2 && skip_first {
                general_mat_mul(lr, delta, &below[0].t(), 1.0, w);
            } else {
                general_mat_mul(lr, delta, &self.acts[l - 1].t(), 1.0, w);
            }
        }
        0.5 * loss
    }

    /// One full-batch step of a network with a nonlinearity on its hidden layers (depth >= 2).
    fn step_nonlinear(&mut self, net: &mut Network, data: &Dataset, lr: f64) -> f64 {
        let depth = net.depth();
        let act = net.activation;
        debug_assert!(depth >= 2 && act != Activation::Linear);
        // Forward pass: acts[l] = phi(W_l acts[l-1]) for l < D, acts[D] = W_D acts[D-1].
        for l in 1..=depth {
            let (done, rest) = self.acts.split_at_mut(l);
            let out = &mut rest[0];
            let w = &net.weights[l - 1];
            if l == 1 {
                if data.one_hot {
                    out.assign(w);
                } else {
                    general_mat_mul(1.0, w, &data.x, 0.0, out);
                }
            } else {
                general_mat_mul(1.0, w, &done[l - 1], 0.0, out);
            }
            if l < depth {
                out.mapv_inplace(|z| act.apply(z));
            }
        }
        let mut loss = 0.0;
        ndarray::Zip::from(&mut self.deltas[depth])
            .and(&data.y)
            .and(&self.acts[depth])
            .for_each(|d, &y, &h| {
                let e = y - h;
                *d = e;
                loss += e * e;
            });
        // Backward pass, updating each W_l after using it.
        for l in (1..=depth).rev() {
            let (lower, upper) = self.deltas.split_at_mut(l);
            let delta = &upper[0];
            if l > 1 {
                let below = &mut lower[l - 1];
                general_mat_mul(1.0, &net.weights[l - 1].t(), delta, 0.0, below);
                ndarray::Zip::from(below)
                    .and(&self.acts[l - 1])
                    .for_each(|e, &a| *e *= act.slope_from_output(a));
            }
            let w = &mut net.weights[l - 1];
            if l == 1 {
                if data.one_hot {
                    w.scaled_add(lr, delta);
                } else {
                    general_mat_mul(lr, delta, &data.x.t(), 1.0, w);
                }
            } else {
                general_mat_mul(lr, delta, &self.acts[l - 1].t(), 1.0, w);
            }
        }
        0.5 * loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{InitConfig, InitKind};
    use crate::sim::init::initialise;
    use crate::sim::linalg::Svd;
    use crate::sim::rng::Rng;

    fn net_for(data: &Dataset, hidden: &[usize], seed: u64) -> Network {
        let mut dims = vec![data.n_inputs()];
        dims.extend_from_slice(hidden);
        dims.push(data.n_outputs());
        let svd = Svd::new(&data.sigma_yx().view());
        let init = InitConfig {
            kind: InitKind::ScaledGaussian,
            scale: 1.0,
            lambda: 0.0,
        };
        initialise(&init, &dims, &svd, &mut Rng::new(seed))
    }

    fn check_step_matches_reference(data: &Dataset, hidden: &[usize]) {
        check_step_matches_reference_with(data, hidden, Activation::Linear);
    }

    fn check_step_matches_reference_with(data: &Dataset, hidden: &[usize], act: Activation) {
        let mut net = net_for(data, hidden, 5).with_activation(act);
        let lr = 0.01;
        let grads = net.gradients(data);
        let mut expected = net.clone();
        for (w, g) in expected.weights.iter_mut().zip(&grads) {
            w.scaled_add(-lr, g);
        }
        let loss_before = net.loss(data);
        let mut tr = Trainer::new(&net, data);
        let reported = tr.step(&mut net, data, lr);
        assert!((reported - loss_before).abs() <= 1e-12 * loss_before.max(1.0));
        for (a, b) in net.weights.iter().zip(&expected.weights) {
            for (x, y) in a.iter().zip(b.iter()) {
                assert!((x - y).abs() < 1e-12, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn a_trainer_step_equals_the_reference_gradient_step_for_every_depth() {
        let rm8 = Dataset::rm8();
        for hidden in [&[][..], &[16], &[7, 9], &[5, 6, 7, 8]] {
            check_step_matches_reference(&rm8, hidden);
        }
    }

    #[test]
    fn a_trainer_step_of_a_tanh_or_relu_network_equals_the_reference_gradient_step() {
        let rm8 = Dataset::rm8();
        let mut data = Dataset::toy4();
        let mut rng = Rng::new(3);
        data.x = Array2::from_shape_simple_fn((6, 4), || rng.gaussian());
        data.one_hot = false;
        for act in [Activation::Tanh, Activation::Relu] {
            for hidden in [&[][..], &[16], &[7, 9], &[5, 6, 7, 8]] {
                check_step_matches_reference_with(&rm8, hidden, act);
            }
            for hidden in [&[3][..], &[5, 4]] {
                check_step_matches_reference_with(&data, hidden, act);
            }
        }
    }

    #[test]
    fn a_trainer_step_handles_inputs_that_are_not_one_hot() {
        let mut data = Dataset::toy4();
        let mut rng = Rng::new(2);
        data.x = Array2::from_shape_simple_fn((6, 4), || rng.gaussian());
        data.one_hot = false;
        for hidden in [&[][..], &[3], &[5, 4]] {
            check_step_matches_reference(&data, hidden);
        }
    }
}
