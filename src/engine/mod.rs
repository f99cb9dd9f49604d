//! The engine: datasets, the network, its initialisation, the trainer and its kernels, the
//! seeded random numbers, and the benchmark cases that time them. Pure Rust on ndarray; it knows
//! nothing of the theory, the run's history or the page.

pub mod bench;
pub mod data;
pub mod init;
/// The products and loops of a training step: the `dln-kernels` crate (kernels/).
pub use dln_kernels as kernels;
pub mod network;
pub mod rng;
pub mod train;

pub use data::Dataset;
pub use network::Network;
pub use rng::Rng;
pub use train::Trainer;
