//! One module per chapter or side demo, apart from the main run: category coherence, the
//! depth sweep, the spectra of random products, the phase portrait, generalisation, prior knowledge, and context and recurrent networks. Each holds its own state
//! and builds on the engine, the theory and [`linalg`](crate::linalg).

pub mod coherence;
pub mod context;
pub mod depth;
pub mod generalisation;
pub mod phase;
pub mod prior;
pub mod spectra;

pub use coherence::CoherenceDemo;
pub use depth::{Sweep, SweepResults, SweepTask};
pub use phase::PhaseDemo;
pub use spectra::SpectraDemo;
