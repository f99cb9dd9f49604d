//! dln-explorer: the exact learning dynamics of deep linear networks, simulated and solved.
//!
//! `sim` is the simulation and theory core (pure Rust), `charts` draws it on any plotters
//! backend, and `web` (wasm32 only) is the thin handle the page talks to. `config` is the one
//! configuration vocabulary they all share; `csv` reads and writes custom datasets.

pub mod chapters;
pub mod charts;
pub mod config;
pub mod csv;
pub mod export;
pub mod hash;
pub mod presets;
pub mod sim;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use config::Config;
