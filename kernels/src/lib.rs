//! Dense matrix products on row-major slices, for the gradient step and for every measurement
//! the page shows (loss, mode strengths, representations), in plain safe loops the compiler
//! vectorises. Each product is cut into tiles of `R` output rows by `W` columns whose sums stay
//! in registers for the whole inner dimension, so every load of the right factor feeds `R` rows.
//! No allocation.
//!
//! **The same bits on every machine.** Every output element is computed the same way whatever the
//! tile: `s = 0; for k in 0..K { s = s + a[i][k] * b[k][j] }` in order of `k`, each product and sum
//! rounded on its own (Rust never fuses them into an FMA), then `c = alpha * s` or
//! `c = c + alpha * s`. Tiles only decide how many such sums run side by side, so the portable
//! tiles (2 rows by 8 columns: SSE2 natively, simd128 in wasm) and the wider AVX2 and AVX-512
//! tiles that x86-64 picks at run time when the processor has them give identical results; tests/bits.rs
//! checks it on every benchmark case and the browser tests compare wasm with the native binary.
//!
//! **Its own crate, compiled for speed.** The gradient step's elementwise loops live here too
//! ([`error_and_loss`], [`axpy`], the nonlinearity [`Phi`], all run by [`Step`]), so everything a
//! training step runs is in this crate, and so is the one per-pixel loop of the page's drawing
//! ([`paint_rects`]). The page's wasm compiles the rest of the project for size (Cargo.toml's
//! `wasm` profile) and this crate at `opt-level = 3`.

use ndarray::{Array2, ArrayView2};

/// Sums over the inner dimension for an `R x W` tile at column `j0`: `rows` yields, for each
/// inner index, the `R` left coefficients and the right factor's row.
#[inline(always)]
fn tile<'b, const R: usize, const W: usize>(
    rows: impl Iterator<Item = ([f64; R], &'b [f64])>,
    j0: usize,
) -> [[f64; W]; R] {
    let mut acc = [[0.0; W]; R];
    for (x, b_row) in rows {
        let b: &[f64; W] = b_row[j0..j0 + W].try_into().expect("a tile of W columns");
        for r in 0..R {
            for t in 0..W {
                acc[r][t] += x[r] * b[t];
            }
        }
    }
    acc
}

#[inline(always)]
fn store<const R: usize, const W: usize>(
    c: &mut [&mut [f64]; R],
    acc: [[f64; W]; R],
    j0: usize,
    alpha: f64,
    overwrite: bool,
) {
    for r in 0..R {
        let out: &mut [f64; W] = (&mut c[r][j0..j0 + W]).try_into().expect("W columns");
        for t in 0..W {
            out[t] = if overwrite {
                alpha * acc[r][t]
            } else {
                out[t] + alpha * acc[r][t]
            };
        }
    }
}

/// `c_r (+)= alpha * sum_k x_r[k] b[k, :]` for the `R` output rows `c`: tiles of `W` columns,
/// then of `H`, then single columns.
#[inline(always)]
fn rows_of<'b, const R: usize, const W: usize, const H: usize, I>(
    mut c: [&mut [f64]; R],
    p: usize,
    alpha: f64,
    overwrite: bool,
    make: impl Fn() -> I,
) where
    I: Iterator<Item = ([f64; R], &'b [f64])>,
{
    let mut j0 = 0;
    while j0 + W <= p {
        store(&mut c, tile::<R, W>(make(), j0), j0, alpha, overwrite);
        j0 += W;
    }
    while j0 + H <= p {
        store(&mut c, tile::<R, H>(make(), j0), j0, alpha, overwrite);
        j0 += H;
    }
    while j0 < p {
        store(&mut c, tile::<R, 1>(make(), j0), j0, alpha, overwrite);
        j0 += 1;
    }
}

/// `R` rows of `c (+)= alpha * a * b`: `c` is `R x p`, `a` is `R x k`.
#[inline(always)]
fn gemm_block<const R: usize, const W: usize, const H: usize>(
    c: &mut [f64],
    alpha: f64,
    a: &[f64],
    b: &[f64],
    (k, p): (usize, usize),
    overwrite: bool,
) {
    let mut c_rows = c.chunks_exact_mut(p);
    let c: [&mut [f64]; R] = std::array::from_fn(|_| c_rows.next().expect("R rows of c"));
    let a: [&[f64]; R] = std::array::from_fn(|r| &a[r * k..][..k]);
    rows_of::<R, W, H, _>(c, p, alpha, overwrite, || {
        (0..k)
            .zip(b.chunks_exact(p))
            .map(|(l, row)| (std::array::from_fn(|r| a[r][l]), row))
    });
}

/// `c (+)= alpha * a * b` in blocks of `R` rows, then of two, then single rows.
#[inline(always)]
fn gemm_with<const R: usize, const W: usize, const H: usize>(
    c: &mut [f64],
    alpha: f64,
    a: &[f64],
    b: &[f64],
    (k, p): (usize, usize),
    overwrite: bool,
) {
    let mut cr = c.chunks_exact_mut(R * p);
    let mut ar = a.chunks_exact(R * k);
    for (cc, aa) in cr.by_ref().zip(ar.by_ref()) {
        gemm_block::<R, W, H>(cc, alpha, aa, b, (k, p), overwrite);
    }
    let (c, a) = (cr.into_remainder(), ar.remainder());
    let mut c2 = c.chunks_exact_mut(2 * p);
    let mut a2 = a.chunks_exact(2 * k);
    for (cc, aa) in c2.by_ref().zip(a2.by_ref()) {
        gemm_block::<2, W, H>(cc, alpha, aa, b, (k, p), overwrite);
    }
    let (c, a) = (c2.into_remainder(), a2.remainder());
    if !c.is_empty() {
        gemm_block::<1, W, H>(c, alpha, a, b, (k, p), overwrite);
    }
}

/// `R` rows of `c = a^T * b` from columns `j..j + R` of `a` (`n x m`); `c` is `R x p`.
#[inline(always)]
fn tn_block<const R: usize, const W: usize, const H: usize>(
    c: &mut [f64],
    a: &[f64],
    b: &[f64],
    j: usize,
    (m, p): (usize, usize),
) {
    let mut c_rows = c.chunks_exact_mut(p);
    let c: [&mut [f64]; R] = std::array::from_fn(|_| c_rows.next().expect("R rows of c"));
    rows_of::<R, W, H, _>(c, p, 1.0, true, || {
        a.chunks_exact(m)
            .zip(b.chunks_exact(p))
            .map(move |(ar, br)| {
                let x: [f64; R] = ar[j..j + R].try_into().expect("R columns of a");
                (x, br)
            })
    });
}

/// `c = a^T * b` in blocks of `R` rows, then of two, then single rows.
#[inline(always)]
fn tn_with<const R: usize, const W: usize, const H: usize>(
    c: &mut [f64],
    a: &[f64],
    b: &[f64],
    (m, p): (usize, usize),
) {
    let mut j = 0;
    let mut cr = c.chunks_exact_mut(R * p);
    for cc in cr.by_ref() {
        tn_block::<R, W, H>(cc, a, b, j, (m, p));
        j += R;
    }
    let mut c2 = cr.into_remainder().chunks_exact_mut(2 * p);
    for cc in c2.by_ref() {
        tn_block::<2, W, H>(cc, a, b, j, (m, p));
        j += 2;
    }
    let c = c2.into_remainder();
    if !c.is_empty() {
        tn_block::<1, W, H>(c, a, b, j, (m, p));
    }
}

/// The tiles the products run on, narrowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tiles {
    /// 2 rows by 8 columns in 128-bit vectors: everywhere (SSE2 on x86-64, simd128 in wasm).
    Portable,
    /// 4 rows by 8 columns in 256-bit vectors: x86-64 processors with AVX2.
    Avx2,
    /// 4 rows by 16 columns in 512-bit vectors: x86-64 processors with AVX-512F.
    Avx512,
}

impl Tiles {
    /// Every kind of tile this processor can run, narrowest first (a processor with AVX-512F
    /// has AVX2 too).
    pub fn available() -> Vec<Tiles> {
        [Tiles::Portable, Tiles::Avx2, Tiles::Avx512]
            .into_iter()
            .filter(|&t| t <= Tiles::widest())
            .collect()
    }

    /// The widest tiles this processor can run.
    pub fn widest() -> Tiles {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx2") {
                return Tiles::Avx512;
            }
            if std::is_x86_feature_detected!("avx2") {
                return Tiles::Avx2;
            }
        }
        Tiles::Portable
    }

    pub fn name(self) -> &'static str {
        match self {
            Tiles::Portable => "portable 2x8 tiles, 128-bit",
            Tiles::Avx2 => "AVX2 4x8 tiles, 256-bit",
            Tiles::Avx512 => "AVX-512 4x16 tiles, 512-bit",
        }
    }
}

#[cfg(target_arch = "x86_64")]
std::thread_local! {
    static WIDEST_ALLOWED: std::cell::Cell<Tiles> = const { std::cell::Cell::new(Tiles::Avx512) };
}

/// The tiles the products use on this thread: the widest the processor has, or narrower while
/// [`with_tiles`] runs.
pub fn tiles() -> Tiles {
    #[cfg(target_arch = "x86_64")]
    {
        Tiles::widest().min(WIDEST_ALLOWED.with(|w| w.get()))
    }
    #[cfg(not(target_arch = "x86_64"))]
    Tiles::Portable
}

/// Runs `f` with tiles no wider than `widest` on this thread (for tests and benchmarks: the
/// results are the same bits, only the speed differs).
pub fn with_tiles<T>(widest: Tiles, f: impl FnOnce() -> T) -> T {
    #[cfg(target_arch = "x86_64")]
    {
        struct Restore(Tiles);
        impl Drop for Restore {
            fn drop(&mut self) {
                WIDEST_ALLOWED.with(|w| w.set(self.0));
            }
        }
        let _restore = Restore(WIDEST_ALLOWED.with(|w| w.replace(widest)));
        f()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = widest;
        f()
    }
}

/// The wide instances of the generic loops: the portable code with wider tiles, compiled with
/// `target_feature` so that the compiler may use 256- or 512-bit registers for it. Never FMA:
/// Rust does not contract a product and a sum into one on its own.
#[cfg(target_arch = "x86_64")]
mod wide {
    type Dims = (usize, usize);

    #[target_feature(enable = "avx2")]
    pub fn gemm_avx2(c: &mut [f64], alpha: f64, a: &[f64], b: &[f64], kp: Dims, o: bool) {
        super::gemm_with::<4, 8, 4>(c, alpha, a, b, kp, o);
    }

    #[target_feature(enable = "avx2")]
    pub fn tn_avx2(c: &mut [f64], a: &[f64], b: &[f64], mp: Dims) {
        super::tn_with::<4, 8, 4>(c, a, b, mp);
    }

    #[target_feature(enable = "avx512f")]
    pub fn gemm_avx512(c: &mut [f64], alpha: f64, a: &[f64], b: &[f64], kp: Dims, o: bool) {
        super::gemm_with::<4, 16, 8>(c, alpha, a, b, kp, o);
    }

    #[target_feature(enable = "avx512f")]
    pub fn tn_avx512(c: &mut [f64], a: &[f64], b: &[f64], mp: Dims) {
        super::tn_with::<4, 16, 8>(c, a, b, mp);
    }
}

/// `c += alpha * a * b` for `a` `n x k`, `b` `k x p`, `c` `n x p`; `dims` is `(n, k, p)`.
pub fn gemm(c: &mut [f64], alpha: f64, a: &[f64], b: &[f64], dims: (usize, usize, usize)) {
    gemm_impl(c, alpha, a, b, dims, false);
}

/// `c = alpha * a * b` (see [`gemm`]).
pub fn gemm_overwrite(
    c: &mut [f64],
    alpha: f64,
    a: &[f64],
    b: &[f64],
    dims: (usize, usize, usize),
) {
    gemm_impl(c, alpha, a, b, dims, true);
}

fn gemm_impl(
    c: &mut [f64],
    alpha: f64,
    a: &[f64],
    b: &[f64],
    (n, k, p): (usize, usize, usize),
    overwrite: bool,
) {
    assert!(
        a.len() == n * k && b.len() == k * p && c.len() == n * p,
        "gemm shapes"
    );
    if n == 0 || p == 0 {
        return;
    }
    if k == 0 {
        if overwrite {
            c.fill(0.0);
        }
        return;
    }
    // The one place the crate allows `unsafe`: calling a `#[target_feature]` kernel.
    #[allow(unsafe_code)]
    match tiles() {
        // SAFETY (both): `tiles()` names a wide kind only when the processor reported that
        // instruction set at run time, which is all these functions require; they are otherwise
        // safe code.
        #[cfg(target_arch = "x86_64")]
        Tiles::Avx512 => unsafe { wide::gemm_avx512(c, alpha, a, b, (k, p), overwrite) },
        #[cfg(target_arch = "x86_64")]
        Tiles::Avx2 => unsafe { wide::gemm_avx2(c, alpha, a, b, (k, p), overwrite) },
        _ => gemm_with::<2, 8, 4>(c, alpha, a, b, (k, p), overwrite),
    }
}

/// `c = a^T * b` for `a` `n x m`, `b` `n x p`, `c` `m x p`; `dims` is `(n, m, p)`.
///
/// Reads `a` in place (a few of its columns per tile), so `a^T` is never formed.
pub fn gemm_tn(c: &mut [f64], a: &[f64], b: &[f64], (n, m, p): (usize, usize, usize)) {
    assert!(
        a.len() == n * m && b.len() == n * p && c.len() == m * p,
        "gemm_tn shapes"
    );
    if m == 0 || p == 0 {
        return;
    }
    if n == 0 {
        c.fill(0.0);
        return;
    }
    #[allow(unsafe_code)]
    match tiles() {
        // SAFETY (both): as in `gemm_impl`, the instruction set was detected at run time.
        #[cfg(target_arch = "x86_64")]
        Tiles::Avx512 => unsafe { wide::tn_avx512(c, a, b, (m, p)) },
        #[cfg(target_arch = "x86_64")]
        Tiles::Avx2 => unsafe { wide::tn_avx2(c, a, b, (m, p)) },
        _ => tn_with::<2, 8, 4>(c, a, b, (m, p)),
    }
}

/// The product `a b` of two matrices in any layout, through [`gemm_overwrite`] (so natively and
/// in wasm it has the same bits, unlike `ndarray`'s `dot`, whose native kernels use FMA).
pub fn matmul(a: &ArrayView2<'_, f64>, b: &ArrayView2<'_, f64>) -> Array2<f64> {
    let ((n, k), (k2, p)) = (a.dim(), b.dim());
    assert_eq!(k, k2, "matmul shapes");
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    let mut c = vec![0.0; n * p];
    gemm_overwrite(
        &mut c,
        1.0,
        a.as_slice().expect("standard layout"),
        b.as_slice().expect("standard layout"),
        (n, k, p),
    );
    Array2::from_shape_vec((n, p), c).expect("n x p elements")
}

/// `t = s^T` for `s` `rows x cols` (so `t` is `cols x rows`).
pub fn transpose(t: &mut [f64], s: &[f64], (rows, cols): (usize, usize)) {
    assert!(
        s.len() == rows * cols && t.len() == rows * cols,
        "transpose shapes"
    );
    if rows == 0 || cols == 0 {
        return;
    }
    for (i, s_row) in s.chunks_exact(cols).enumerate() {
        for (t_col, &v) in t[i..].iter_mut().step_by(rows).zip(s_row) {
            *t_col = v;
        }
    }
}

/// `delta = target - out`, elementwise, and returns the sum of the squared errors, summed in
/// order.
pub fn error_and_loss(delta: &mut [f64], target: &[f64], out: &[f64]) -> f64 {
    assert!(
        delta.len() == target.len() && out.len() == target.len(),
        "error shapes"
    );
    let mut loss = 0.0;
    for ((d, &t), &h) in delta.iter_mut().zip(target).zip(out) {
        let e = t - h;
        *d = e;
        loss += e * e;
    }
    loss
}

/// `y += alpha * x`, elementwise.
pub fn axpy(y: &mut [f64], alpha: f64, x: &[f64]) {
    assert!(y.len() == x.len(), "axpy shapes");
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// The nonlinearity on the hidden layers (the output layer stays linear): its values and
/// slopes, defined once here for the training step and for every forward pass of the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phi {
    Linear,
    /// `tanh`, with the slope `1 - a^2` read off the output `a`.
    Tanh,
    /// `max(0, z)`, with the slope `[a > 0]`.
    Relu,
}

impl Phi {
    /// `phi(z)` (libm's tanh: the same bits natively and in wasm).
    #[inline]
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Phi::Linear => z,
            Phi::Tanh => libm::tanh(z),
            Phi::Relu => z.max(0.0),
        }
    }

    /// `phi'(z)` written in terms of the output `a = phi(z)`: `1 - a^2` for tanh, `[a > 0]` for
    /// relu (the derivative at 0 is taken as 0), 1 for linear.
    #[inline]
    pub fn slope_from_output(self, a: f64) -> f64 {
        match self {
            Phi::Linear => 1.0,
            Phi::Tanh => 1.0 - a * a,
            Phi::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// `z = phi(z)`, elementwise.
    pub fn apply_in_place(self, z: &mut [f64]) {
        // One loop per kind, so each is compiled (and vectorised) for its own function.
        match self {
            Phi::Linear => {}
            Phi::Tanh => z.iter_mut().for_each(|z| *z = Phi::Tanh.apply(*z)),
            Phi::Relu => z.iter_mut().for_each(|z| *z = Phi::Relu.apply(*z)),
        }
    }

    /// `e = e * phi'`, elementwise, with the slope read off the outputs `a`: the error carried
    /// down through the nonlinearity.
    pub fn times_slope(self, e: &mut [f64], a: &[f64]) {
        assert!(e.len() == a.len(), "slope shapes");
        let each = |k: Phi, e: &mut [f64]| {
            for (e, &a) in e.iter_mut().zip(a) {
                *e *= k.slope_from_output(a);
            }
        };
        match self {
            Phi::Linear => {}
            Phi::Tanh => each(Phi::Tanh, e),
            Phi::Relu => each(Phi::Relu, e),
        }
    }
}

/// Full-batch gradient descent on the summed loss: reusable buffers for one network shape and
/// item count, and the step itself (plain back-propagation, allocating nothing).
pub struct Step {
    /// Number of items P.
    p: usize,
    /// `acts[l]` holds `h_l` (`N_l x P`, row-major) for l = 1..=D; index 0 is unused (`h_0` is
    /// the data) and so is index 1 with one-hot items in a linear network (then `h_1 = W_1`).
    acts: Vec<Vec<f64>>,
    /// `acts_t[l]` holds `h_l^T` (`P x N_l`) for l = 0..D, the right factor of `W_{l+1}`'s update.
    acts_t: Vec<Vec<f64>>,
    /// `deltas[l]` holds `delta_l` (`N_l x P`) for l = 1..=D.
    deltas: Vec<Vec<f64>>,
}

impl Step {
    /// Buffers for layer widths `dims` (`N_0 .. N_D`) and `p` items.
    pub fn new(dims: &[usize], p: usize) -> Step {
        let buffers = || dims.iter().map(|&n| vec![0.0; n * p]).collect::<Vec<_>>();
        Step {
            p,
            acts: buffers(),
            acts_t: buffers(),
            deltas: buffers(),
        }
    }

    /// One full-batch gradient step on `weights` (`W_1 .. W_D`, each `N_l x N_{l-1}`), from
    /// inputs `x` (`N_0 x P`, row-major; ignored when `one_hot`, where `X` is the identity) to
    /// targets `y` (`N_D x P`). Returns the loss `1/2 sum (y - h_D)^2` at the weights *before* the
    /// step.
    pub fn take(
        &mut self,
        weights: &mut [Array2<f64>],
        x: &[f64],
        y: &[f64],
        one_hot: bool,
        phi: Phi,
        lr: f64,
    ) -> f64 {
        let depth = weights.len();
        let linear = phi == Phi::Linear;
        let p = self.p;
        assert!(
            self.acts.len() == depth + 1
                && y.len() == self.acts[depth].len()
                && (one_hot || x.len() == self.acts[0].len()),
            "the step was built for another network or dataset"
        );
        // The kernels read weights row-major; a weight in another layout is converted once.
        for w in weights.iter_mut() {
            if !w.is_standard_layout() {
                *w = w.as_standard_layout().into_owned();
            }
        }
        // With one-hot items h_1 = W_1 X = W_1: the first layer is read straight from the weights
        // (with a nonlinearity, h_1 = phi(W_1) is kept in its buffer).
        let Step {
            acts,
            acts_t,
            deltas,
            ..
        } = self;
        // Forward pass, and h_{l-1}^T for each update.
        for l in 1..=depth {
            let (n_out, n_in) = weights[l - 1].dim();
            let w = weights[l - 1].as_slice().expect("row-major");
            let (done, rest) = acts.split_at_mut(l);
            let input: &[f64] = if l == 1 {
                x
            } else if l == 2 && one_hot && linear {
                weights[0].as_slice().expect("row-major")
            } else {
                &done[l - 1]
            };
            if !(l == 1 && one_hot) {
                transpose(&mut acts_t[l - 1], input, (n_in, p));
                gemm_overwrite(&mut rest[0], 1.0, w, input, (n_out, n_in, p));
            } else if !linear {
                rest[0].copy_from_slice(w);
            }
            if l < depth {
                phi.apply_in_place(&mut rest[0]);
            }
        }
        // Output error delta_D = Y - h_D and the loss.
        let loss = {
            let out: &[f64] = if depth == 1 && one_hot {
                weights[0].as_slice().expect("row-major")
            } else {
                &acts[depth]
            };
            error_and_loss(&mut deltas[depth], y, out)
        };
        // Backward pass, updating each W_l after using it.
        for l in (1..=depth).rev() {
            let (n_out, n_in) = weights[l - 1].dim();
            let (lower, upper) = deltas.split_at_mut(l);
            let delta = &upper[0];
            if l > 1 {
                let w = weights[l - 1].as_slice().expect("row-major");
                gemm_tn(&mut lower[l - 1], w, delta, (n_out, n_in, p));
                phi.times_slope(&mut lower[l - 1], &acts[l - 1]);
            }
            let w = weights[l - 1].as_slice_mut().expect("row-major");
            if l == 1 && one_hot {
                axpy(w, lr, delta);
            } else {
                gemm(w, lr, delta, &acts_t[l - 1], (n_out, p, n_in));
            }
        }
        0.5 * loss
    }
}

/// An opaque filled rectangle in device pixels: corners (either order, the second exclusive, as
/// a canvas's `fillRect` takes them) and its colour.
pub type OpaqueRect = ((i32, i32), (i32, i32), (u8, u8, u8));

/// Paints opaque rectangles, in order, into an RGBA image of `w × h` pixels whose top-left pixel
/// is device pixel `(x0, y0)`, as a canvas's `fillRect` of each would on integer corners (so a
/// backend can put many cells of a heat map as one image instead of a call per cell). Answers
/// whether every pixel of the image was painted (then what was under it does not show).
pub fn paint_rects(
    rgba: &mut [u8],
    (x0, y0, w, h): (i32, i32, i32, i32),
    rects: &[OpaqueRect],
) -> bool {
    let mut painted = 0usize;
    for &((ax, ay), (bx, by), (r, g, b)) in rects {
        let (xa, xb) = ((ax.min(bx) - x0).max(0), (ax.max(bx) - x0).min(w));
        let (ya, yb) = ((ay.min(by) - y0).max(0), (ay.max(by) - y0).min(h));
        for y in ya..yb {
            let row = (y * w) as usize * 4;
            for x in xa..xb {
                let p = row + x as usize * 4;
                if rgba[p + 3] != 255 {
                    painted += 1;
                }
                rgba[p..p + 4].copy_from_slice(&[r, g, b, 255]);
            }
        }
    }
    painted == (w.max(0) * h.max(0)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], n: usize, k: usize, p: usize) -> Vec<f64> {
        let mut c = vec![0.0; n * p];
        for i in 0..n {
            for j in 0..p {
                for l in 0..k {
                    c[i * p + j] += a[i * k + l] * b[l * p + j];
                }
            }
        }
        c
    }

    /// Numbers in [-1, 1) from a splitmix64 stream: varied mantissas, no dependency.
    fn numbers(len: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    /// Equal to the bit (so `-0.0` and `0.0` differ, and NaN would too).
    fn same_bits(x: &[f64], y: &[f64]) {
        assert_eq!(x.len(), y.len());
        for (a, b) in x.iter().zip(y) {
            assert_eq!(a.to_bits(), b.to_bits(), "{a} vs {b}");
        }
    }

    #[test]
    fn products_equal_the_textbook_triple_loop_to_the_bit_for_odd_shapes() {
        // The triple loop sums in the order of the inner index, as every tile does, so the
        // results are the same bits, whichever tiles this processor runs.
        for (n, k, p) in [
            (1, 1, 1),
            (3, 5, 7),
            (8, 4, 9),
            (6, 9, 2),
            (5, 0, 3),
            (16, 13, 1),
            (13, 17, 29),
            (7, 3, 100),
        ] {
            let a = numbers(n * k, 1);
            let b = numbers(k * p, 2);
            let expect = naive(&a, &b, n, k, p);
            let mut c = numbers(n * p, 3);
            gemm_overwrite(&mut c, 1.0, &a, &b, (n, k, p));
            same_bits(&c, &expect);
            // Accumulating adds alpha times the product to what is there.
            let start = numbers(n * p, 4);
            let mut c = start.clone();
            gemm(&mut c, 0.5, &a, &b, (n, k, p));
            let want: Vec<f64> = start
                .iter()
                .zip(&expect)
                .map(|(s, e)| s + 0.5 * e)
                .collect();
            same_bits(&c, &want);
            // a^T b with a stored transposed.
            let mut at = vec![0.0; n * k];
            transpose(&mut at, &a, (n, k));
            let mut c = numbers(n * p, 5);
            gemm_tn(&mut c, &at, &b, (k, n, p));
            same_bits(&c, &expect);
        }
    }

    #[test]
    fn wide_and_portable_tiles_give_the_same_bits() {
        for (n, k, p) in [
            (1, 1, 1),
            (5, 7, 3),
            (13, 17, 29),
            (100, 100, 100),
            (64, 64, 64),
        ] {
            let a = numbers(n * k, 6);
            let b = numbers(k * p, 7);
            let start = numbers(n * p, 8);
            let run = || {
                let mut c = start.clone();
                gemm(&mut c, 0.3, &a, &b, (n, k, p));
                let mut d = vec![0.0; k * p];
                gemm_tn(&mut d, &a, &start, (n, k, p));
                [c, d]
            };
            let portable = with_tiles(Tiles::Portable, run);
            for kind in Tiles::available() {
                let got = with_tiles(kind, || {
                    assert_eq!(tiles(), kind);
                    run()
                });
                for (w, q) in got.iter().zip(&portable) {
                    same_bits(w, q);
                }
            }
        }
    }

    #[test]
    fn matmul_takes_views_in_any_layout() {
        let a = ndarray::Array2::from_shape_vec((2, 3), numbers(6, 9)).expect("2 x 3");
        let b = ndarray::Array2::from_shape_vec((2, 4), numbers(8, 10)).expect("2 x 4");
        let c = matmul(&a.t(), &b.view());
        let at = a.t().as_standard_layout().into_owned();
        let want = naive(
            at.as_slice().expect("row-major"),
            b.as_slice().expect("row-major"),
            3,
            2,
            4,
        );
        same_bits(c.as_slice().expect("row-major"), &want);
    }

    #[test]
    fn a_transpose_swaps_rows_and_columns() {
        let s = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 x 3
        let mut t = [0.0; 6];
        transpose(&mut t, &s, (2, 3));
        assert_eq!(t, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }
}
