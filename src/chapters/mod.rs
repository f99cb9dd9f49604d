//! One module per chapter of the explorable.

pub mod generalisation;
