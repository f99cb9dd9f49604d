//! The top eigenpair of a symmetric operator by Lanczos iteration, and the top singular mode of
//! a matrix built on it: for problems where only the largest mode is wanted, or where the
//! operator is cheaper to apply than to assemble (a Gram matrix plus a low-rank update).

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array1, Array2, ArrayView2};

/// The top singular mode of a matrix.
#[derive(Clone, Debug)]
pub struct TopMode {
    /// The largest singular value `s_1`.
    pub s: f64,
    /// The left (row-side, feature) singular vector `u_1`, unit length.
    pub u: Array1<f64>,
    /// The right (column-side, item) singular vector `v_1`, unit length, signed so that its
    /// entry of largest magnitude is positive (as [`Svd`](crate::linalg::Svd)).
    pub v: Array1<f64>,
}

/// The top singular mode of `y` (rows x columns), from the largest eigenpair of the smaller of
/// `yᵀy` and `y yᵀ` by Lanczos iteration.
pub fn top_mode(y: ArrayView2<'_, f64>) -> TopMode {
    let (m, n) = y.dim();
    if m == 0 || n == 0 {
        return TopMode {
            s: 0.0,
            u: Array1::zeros(m),
            v: Array1::zeros(n),
        };
    }
    let (s, mut u, mut v);
    if n <= m {
        let g = y.t().dot(&y);
        let (lambda, vec) = top_eigen(n, |x, out| dense_matvec(&g, x, out), &vec![1.0; n]);
        s = lambda.max(0.0).sqrt();
        v = Array1::from(vec);
        u = y.dot(&v);
    } else {
        let g = y.dot(&y.t());
        let (lambda, vec) = top_eigen(m, |x, out| dense_matvec(&g, x, out), &vec![1.0; m]);
        s = lambda.max(0.0).sqrt();
        u = Array1::from(vec);
        v = y.t().dot(&u);
    }
    normalise(&mut u);
    normalise(&mut v);
    let lead = v
        .iter()
        .enumerate()
        .fold((0, 0.0f64), |best, (i, x)| {
            if x.abs() > best.1 {
                (i, x.abs())
            } else {
                best
            }
        })
        .0;
    if v[lead] < 0.0 {
        v.mapv_inplace(|x| -x);
        u.mapv_inplace(|x| -x);
    }
    TopMode { s, u, v }
}

fn normalise(x: &mut Array1<f64>) {
    let n = x.dot(x).sqrt();
    if n > 0.0 {
        x.mapv_inplace(|a| a / n);
    }
}

/// `out = a x` for a dense matrix `a`.
pub fn dense_matvec(a: &Array2<f64>, x: &[f64], out: &mut [f64]) {
    for (o, row) in out.iter_mut().zip(a.rows()) {
        *o = match row.as_slice() {
            Some(r) => dot(r, x),
            None => row.iter().zip(x).map(|(p, q)| p * q).sum(),
        };
    }
}

/// `a · b` with four independent sums, so the additions overlap instead of waiting on each other.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(p, q)| p * q)
        .sum();
    for (p, q) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += p[k] * q[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The largest eigenvalue and a unit eigenvector of a symmetric `n x n` operator given by its
/// product with a vector: Lanczos iteration with full reorthogonalisation from `start`. It stops
/// when the largest Ritz value has changed by less than `1e-10` of itself
/// between two looks three steps apart (its error is then about the square of the vector's), or
/// after `n` steps, where it is exact.
pub fn top_eigen(n: usize, matvec: impl Fn(&[f64], &mut [f64]), start: &[f64]) -> (f64, Vec<f64>) {
    let mut v: Vec<f64> = start.to_vec();
    let norm = dot(&v, &v).sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter_mut().for_each(|x| *x /= norm);
    } else {
        v = vec![1.0 / (n as f64).sqrt(); n];
    }
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let (mut alpha, mut beta): (Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new());
    let mut w = vec![0.0; n];
    let (mut theta, mut still) = (f64::NEG_INFINITY, 0);
    for j in 0..n {
        matvec(&v, &mut w);
        let a = dot(&v, &w);
        for k in 0..n {
            w[k] -= a * v[k];
        }
        if j > 0 {
            let (b, prev) = (beta[j - 1], &basis[j - 1]);
            for k in 0..n {
                w[k] -= b * prev[k];
            }
        }
        basis.push(std::mem::take(&mut v));
        alpha.push(a);
        for _ in 0..2 {
            for q in &basis {
                let d = dot(q, &w);
                for k in 0..n {
                    w[k] -= d * q[k];
                }
            }
        }
        let b = dot(&w, &w).sqrt();
        let scale = alpha.iter().fold(0.0f64, |s, x| s.max(x.abs())).max(1e-300);
        if b <= 1e-12 * scale || j + 1 == n {
            return ritz_pair(&alpha, &beta, &basis, n);
        }
        // The Ritz value costs a bisection; look at it every third step.
        if j % 3 == 2 {
            let next = tridiagonal_top(&alpha, &beta);
            still = if next - theta <= 1e-10 * next.abs() {
                still + 1
            } else {
                0
            };
            theta = next;
            if still >= 1 {
                return ritz_pair(&alpha, &beta, &basis, n);
            }
        }
        beta.push(b);
        v = w.iter().map(|x| x / b).collect();
    }
    unreachable!("Lanczos stops by step n")
}

/// The largest eigenvalue of the symmetric tridiagonal matrix with diagonal `alpha` and
/// off-diagonal `beta` (`beta.len() + 1 >= alpha.len()`), by bisection on Sturm counts.
fn tridiagonal_top(alpha: &[f64], beta: &[f64]) -> f64 {
    let m = alpha.len();
    let off = |k: usize| if k < m - 1 { beta[k].abs() } else { 0.0 };
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for k in 0..m {
        let r = off(k) + if k > 0 { off(k - 1) } else { 0.0 };
        lo = lo.min(alpha[k] - r);
        hi = hi.max(alpha[k] + r);
    }
    // How many eigenvalues are below x.
    let below = |x: f64| {
        let mut count = 0;
        let mut q = 1.0;
        for k in 0..m {
            let b2 = if k > 0 {
                beta[k - 1] * beta[k - 1]
            } else {
                0.0
            };
            q = alpha[k] - x - if k > 0 { b2 / q } else { 0.0 };
            if q == 0.0 {
                q = -1e-300;
            }
            if q < 0.0 {
                count += 1;
            }
        }
        count
    };
    for _ in 0..64 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if below(mid) == m {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The largest Ritz value and its Ritz vector: the top eigenpair of the Lanczos tridiagonal
/// matrix, the vector mapped back through the Lanczos basis.
fn ritz_pair(alpha: &[f64], beta: &[f64], basis: &[Vec<f64>], n: usize) -> (f64, Vec<f64>) {
    let m = alpha.len();
    let t = DMatrix::from_fn(m, m, |r, c| {
        if r == c {
            alpha[r]
        } else if r + 1 == c {
            beta[r]
        } else if c + 1 == r {
            beta[c]
        } else {
            0.0
        }
    });
    let eig = SymmetricEigen::new(t);
    let top = (0..m)
        .max_by(|&p, &q| eig.eigenvalues[p].total_cmp(&eig.eigenvalues[q]))
        .unwrap_or(0);
    let s = eig.eigenvectors.column(top);
    let mut x = vec![0.0; n];
    for (q, &sk) in basis.iter().zip(s.iter()) {
        for k in 0..n {
            x[k] += sk * q[k];
        }
    }
    let nx = dot(&x, &x).sqrt().max(1e-300);
    x.iter_mut().for_each(|a| *a /= nx);
    (eig.eigenvalues[top], x)
}
