//! The generalisation chapter: a student learning from a noisy linear teacher, and the
//! Marchenko–Pastur theory of its test error (Advani, Saxe & Sompolinsky 2020, "AS20";
//! docs/theory.md §3 and §9.3).
//!
//! * [`config`]: the `teacher` dataset, the student's start and the α sweep;
//! * [`teacher`]: one sample, `y = w̄·x + ε`, and the closed-form test error;
//! * [`exact`]: the sample's own curves from one eigen-decomposition, exact for gradient descent;
//! * [`mp`]: the large-N curves, optimal early stopping, optimal ridge, floors;
//! * [`sweep`]: the α sweep and the SNR × α map, computed in slices;
//! * [`deep`]: the one-hidden-layer student and the rank-1 outlier approximation;
//! * [`outlier`]: a deep student on a rank-1 signal in noise, beside that approximation;
//! * [`run`]: a training run with its records; [`cli`]: what `dln run` and `dln sweep` print;
//! * [`chapter`]: the chapter on the page, its panels, readouts and calls.

pub mod chapter;
pub mod charts;
/// Native only: it times the eigen-decomposition with the system clock.
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod config;
pub mod deep;
pub mod exact;
pub mod mp;
pub mod outlier;
pub mod run;
pub mod sweep;
pub mod teacher;

pub use chapter::Generalisation;
pub use config::GenConfig;
pub use run::GenRun;
