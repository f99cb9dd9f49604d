//! The page's side demos, one module each, apart from the main run: category coherence, the
//! depth sweep, the spectra of random products and the phase portrait. Each holds its own state
//! and builds on the engine, the theory and [`linalg`](crate::linalg).

pub mod coherence;
pub mod depth;
pub mod phase;
pub mod spectra;

pub use coherence::CoherenceDemo;
pub use depth::{Sweep, SweepResults, SweepTask};
pub use phase::PhaseDemo;
pub use spectra::SpectraDemo;
