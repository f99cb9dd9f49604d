//! Full-batch gradient descent, `W_l <- W_l - lr * dL/dW_l`, on the summed loss
//! `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2` (docs/theory.md §0.2, sum convention; SMG14 eq. 1).
//!
//! The step is plain back-propagation on the data (docs/theory.md §5): forward `h_l = W_l h_{l-1}`,
//! `delta_D = Y - h_D`, then for l = D..1: `delta_{l-1} = W_l^T delta_l` (pre-update `W_l`) and
//! `W_l += lr * delta_l h_{l-1}^T`. All buffers are allocated once; a step allocates nothing
//! (tests/no_alloc.rs). The step itself, its products and loops, is
//! [`crate::engine::kernels::Step`], in the kernels crate.
//!
//! With a nonlinearity `phi` on the hidden layers the forward pass keeps `h_l = phi(W_l h_{l-1})`
//! for l < D and the error picks up the slope on its way down:
//! `delta_{l-1} = phi'(z_{l-1}) * (W_l^T delta_l)` (elementwise), with `phi'` read off `h_{l-1}`.

use ndarray::Array2;

use crate::engine::data::Dataset;
use crate::engine::kernels::Step;
use crate::engine::network::Network;

/// Reusable buffers for gradient steps on one network shape and dataset size: the kernels'
/// [`Step`], plus row-major copies of a dataset whose arrays are not.
pub struct Trainer {
    step: Step,
    /// Contiguous copies of `X` and `Y`, filled only if the dataset's arrays are not row-major.
    x_copy: Vec<f64>,
    y_copy: Vec<f64>,
}

/// The elements of `a` as a row-major slice, copied into `copy` when `a` is not row-major.
fn row_major<'a>(a: &'a Array2<f64>, copy: &'a mut Vec<f64>) -> &'a [f64] {
    match a.as_slice() {
        Some(s) => s,
        None => {
            copy.clear();
            copy.extend(a.iter());
            copy
        }
    }
}

impl Trainer {
    pub fn new(net: &Network, data: &Dataset) -> Trainer {
        Trainer {
            step: Step::new(&net.dims(), data.n_items()),
            x_copy: Vec::new(),
            y_copy: Vec::new(),
        }
    }

    /// One full-batch gradient step. Returns the loss at the weights *before* the step.
    pub fn step(&mut self, net: &mut Network, data: &Dataset, lr: f64) -> f64 {
        let phi = net.activation.phi();
        let x: &[f64] = if data.one_hot {
            &[]
        } else {
            row_major(&data.x, &mut self.x_copy)
        };
        let y = row_major(&data.y, &mut self.y_copy);
        self.step
            .take(&mut net.weights, x, y, data.one_hot, phi, lr)
    }
}

/// Floating-point operations in one gradient-descent step of `net` on `data` (a multiply and an
/// add each count one): the products the trainer forms, `2 N_out N_in P` each, for the forward
/// pass (none for the first layer of one-hot items), the errors sent down (layers after the
/// first) and the updates. The page's cost model: with a measured rate, it says how many steps
/// fit in a frame before any is taken.
pub fn flops_per_step(
    net: &crate::engine::network::Network,
    data: &crate::engine::data::Dataset,
) -> f64 {
    let p = data.n_items() as f64;
    let mut total = 0.0;
    for (l, w) in net.weights.iter().enumerate() {
        let (n_out, n_in) = w.dim();
        let product = 2.0 * (n_out * n_in) as f64 * p;
        let first_one_hot = l == 0 && data.one_hot;
        total += if first_one_hot { 0.0 } else { 2.0 * product };
        if l > 0 {
            total += product;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation, InitConfig, InitKind};
    use crate::engine::init::initialise;
    use crate::engine::rng::Rng;
    use crate::linalg::Svd;
    use ndarray::ShapeBuilder;

    fn net_for(data: &Dataset, hidden: &[usize], seed: u64) -> Network {
        let mut dims = vec![data.n_inputs()];
        dims.extend_from_slice(hidden);
        dims.push(data.n_outputs());
        let svd = Svd::new(&data.sigma_yx().view());
        let init = InitConfig {
            kind: InitKind::ScaledGaussian,
            scale: 1.0,
            lambda: 0.0,
            ..InitConfig::default()
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

    #[test]
    fn weights_and_data_stored_column_major_give_the_same_step() {
        let mut data = Dataset::toy4();
        let mut rng = Rng::new(3);
        data.x = Array2::from_shape_simple_fn((6, 4), || rng.gaussian());
        data.one_hot = false;
        let net = net_for(&data, &[5], 7);
        let mut expected = net.clone();
        Trainer::new(&expected, &data).step(&mut expected, &data, 0.01);
        // The same numbers in column-major (Fortran) order.
        let fortran = |a: &Array2<f64>| {
            let mut f = Array2::zeros(a.dim().f());
            f.assign(a);
            f
        };
        let mut net_f = Network::new(net.weights.iter().map(fortran).collect());
        let mut data_f = data.clone();
        data_f.x = fortran(&data.x);
        data_f.y = fortran(&data.y);
        assert!(!data_f.x.is_standard_layout());
        Trainer::new(&net_f, &data_f).step(&mut net_f, &data_f, 0.01);
        for (a, b) in net_f.weights.iter().zip(&expected.weights) {
            assert_eq!(a, b);
        }
    }
}
