//! Finding the files to check and deciding what each one is.
//!
//! [`walk`] turns the paths named on the command line into a sorted list of candidate files,
//! honouring `.gitignore`, `.ignore` and `--exclude` patterns, and sets aside files that are
//! not to be parsed (FIFOs, devices, binary files). [`classify`] then looks at a parsed file's name and
//! content and decides which artifact kind and flavor it is, or why it is skipped. Neither step
//! prints: skipped files and walk problems are returned so the caller can report them.

pub mod classify;
mod signatures;
pub mod walk;

pub use classify::{classify, detect_format, document_flavor, Classification, Format, Kind, ParseKindError, Verdict};
pub use walk::{walk, Skipped, Walk, WalkEntry, WalkError, WalkOptions, WalkProblem};
