//! The state a link carries: the [`View`] (scrubbed time and the semantic panels' choices), the
//! URL hash that writes and reads it together with the config, and the named presets.

pub mod hash;
pub mod presets;
pub mod view;

pub use hash::PageState;
pub use presets::Preset;
pub use view::View;
