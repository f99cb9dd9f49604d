//! The simulation core: pure Rust on ndarray, no web crates. Runs natively and in wasm.

pub mod bench;
pub mod coherence;
pub mod data;
pub mod history;
pub mod init;
pub mod kernels;
pub mod linalg;
pub mod measures;
pub mod network;
pub mod phase;
pub mod predict;
pub mod riccati;
pub mod rng;
pub mod run;
pub mod session;
pub mod spectra;
pub mod sweep;
pub mod theory;
pub mod train;

pub use data::Dataset;
pub use linalg::Svd;
pub use network::Network;
pub use run::{Change, Run, State};
pub use session::Session;
