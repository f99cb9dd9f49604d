//! dln-explorer: the exact learning dynamics of deep linear networks, simulated and solved.
//!
//! The folders are the tiers. Each builds on the ones listed before it, with two small
//! exceptions: linalg draws its random matrices from the engine's seeded [`Rng`](engine::Rng),
//! and the URL hash checks panel names against the charts' list.
//!
//! - [`config`]: the one configuration vocabulary every part shares, and the CSV format of
//!   custom datasets.
//! - [`linalg`]: dense linear algebra (SVD, symmetric eigenproblems, random orthogonal
//!   matrices, a Lanczos top-eigenpair solver); the only user of nalgebra.
//! - [`engine`]: datasets, the network, its initialisation, the trainer and its kernels.
//! - [`theory`]: closed-form mode dynamics, the exact matrix Riccati solution, and the
//!   prediction a run draws next to its simulation.
//! - [`run`]: one training run advanced on one time axis with its history and measures, a
//!   session of one or two runs, and the export of what they recorded.
//! - [`chapters`]: the side demos, one module each (coherence, depth sweep, spectra, phase
//!   portrait).
//! - [`page`]: the state a link carries (view, URL hash, presets).
//! - [`charts`]: draws all of it on any plotters backend.
//! - `web` (wasm32 only): the thin handle the page talks to.
//!
//! Everything outside `web` is pure Rust and runs natively and in wasm.

pub mod chapters;
pub mod charts;
pub mod config;
pub mod engine;
pub mod linalg;
pub mod page;
pub mod run;
pub mod theory;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use config::Config;
