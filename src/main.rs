use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = mlconform::cli::Cli::parse();
    // A panic while checking one file is caught where that file is checked. This catches the
    // rest (rendering, writing the report), so that no input ends the process with Rust's
    // panic exit code 101 instead of the tool-error code 2.
    match panic::catch_unwind(AssertUnwindSafe(|| mlconform::cli::run(cli))) {
        Ok(code) => code,
        Err(_) => {
            eprintln!(
                "error: internal error in mlconform; please report this as a bug, with the input if you can share it"
            );
            ExitCode::from(2)
        }
    }
}
