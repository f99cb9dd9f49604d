//! The chapters of the explorable, each one module implementing [`Chapter`], listed once in
//! [`registry`]: learning dynamics, semantic development, depth and initialisation, and the
//! chapter cores still to join the page (generalisation, prior knowledge, context and recurrent
//! networks). Each holds its own state and builds on the engine, the theory and
//! [`linalg`](crate::linalg).

pub mod chapter;
pub mod cli;
pub mod context;
pub mod depth;
pub mod generalisation;
pub mod learning;
pub mod prior;
pub mod registry;
pub mod semantic;

pub use chapter::{CallError, CallSpec, Chapter, PanelSpec};
pub use registry::{chapters, Registry};
