//! Finding the files to check.

pub mod walk;

pub use walk::{walk, Skipped, Walk, WalkEntry, WalkError, WalkOptions, WalkProblem};
