use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    mlconform::cli::run(mlconform::cli::Cli::parse())
}
