use std::panic::{self, AssertUnwindSafe};
use std::process::ExitCode;

use clap::Parser;

/// Stack size of the thread that runs the command. Compiling a schema and walking a document
/// recurse once per nesting level, and `--max-depth` allows 10 000 levels, far more than the
/// 8 MiB main thread holds. Only the pages a run touches are committed.
const RUN_STACK_SIZE: usize = 512 * 1024 * 1024;

fn main() -> ExitCode {
    let cli = mlconform::cli::Cli::parse();
    // A panic while checking one file is caught where that file is checked. This catches the
    // rest (rendering, writing the report), so that no input ends the process with Rust's
    // panic exit code 101 instead of the tool-error code 2.
    let run = move || panic::catch_unwind(AssertUnwindSafe(|| mlconform::cli::run(cli)));
    let outcome = match std::thread::Builder::new().name("run".to_string()).stack_size(RUN_STACK_SIZE).spawn(run) {
        Ok(thread) => thread.join().unwrap_or_else(Err),
        Err(error) => {
            eprintln!("error: cannot start the thread that runs mlconform: {error}");
            return ExitCode::from(2);
        }
    };
    outcome.unwrap_or_else(|_| {
        eprintln!(
            "error: internal error in mlconform; please report this as a bug, with the input if you can share it"
        );
        ExitCode::from(2)
    })
}
