//! The depth chapter's charts: the sweep, the spectra and the phase portrait.

pub mod phase;
pub mod spectra;
pub mod sweep;

pub use phase::{draw_phase, phase_readout, phase_table, RunDot};
pub use spectra::{draw_spectra, spectra_readout, spectra_table};
pub use sweep::draw_sweep;
