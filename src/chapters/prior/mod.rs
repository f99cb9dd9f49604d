//! The prior-knowledge chapter: a second task learned from the first one's weights (B22,
//! docs/theory.md §4.1 and 9.4), and lazy against rich learning from lambda-balanced starts (D25,
//! docs/theory.md §4.2).
//!
//! A run is a sequence of phases ([`config::TasksConfig`]): each names a dataset or an edit of
//! the previous task and a number of steps, and the network continues from where the last phase
//! left it, growing when a phase adds items or features. [`sequence::TaskRun`] records the loss
//! on every task on one time axis, with the prediction for each phase from the actual weights at
//! its start ([`theory`]): the exact discrete-time map when the weights are decoupled along the
//! task's modes, the Riccati solution of gradient flow when they are lambda-balanced, and
//! otherwise nothing but the size of the imbalance. [`experiments`] measures forgetting and
//! time to learn against the rotation angle and the lazy and rich regimes; [`presets`] lists
//! the chapter's experiments, [`cli`] what the command line prints, and [`chapter`] the chapter
//! on the page.

pub mod chapter;
pub mod charts;
pub mod cli;
pub mod config;
pub mod edit;
pub mod experiments;
pub mod presets;
pub mod sequence;
pub mod theory;

pub use chapter::Prior;
pub use config::{EditConfig, PhaseConfig, StartConfig, StartKind, TasksConfig};
pub use experiments::{
    lazy_rich, similarity_sweep, LazyRichConfig, LazyRichResults, SimilarityResults,
};
pub use sequence::{PhaseInfo, Record, TaskRun, TheoryKind};
