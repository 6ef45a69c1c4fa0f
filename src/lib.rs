//! mlconform checks machine-learning projects against versioned schemas and standards.
//!
//! The pipeline runs left to right, one module per step:
//! [`discover`] walks paths and classifies files into artifact kinds, [`source`] parses them
//! with exact positions, [`schema`] validates them against versioned JSON Schemas, and
//! [`report`] turns findings into human and JSON output. [`config`] reads the project's
//! `mlconform.toml` and applies its settings and the waivers to the findings. [`check`] ties
//! the steps together; [`cli`] is the command-line front end and the only place that prints.

pub mod check;
pub mod cli;
pub mod config;
pub mod data;
pub mod discover;
pub mod kubernetes;
pub mod report;
pub mod rules;
pub mod scaler;
pub mod schema;
pub mod source;
