//! Prints the veil-versus-raw-baseline table from criterion's results.
//!
//! Usage: `bench-report [--strict] [CRITERION_DIR]`. The directory defaults
//! to `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
//! `target/criterion` under the workspace root. Exits 1 when a result is
//! missing and, with `--strict`, 2 when a goal is not met.

use std::path::PathBuf;
use std::process::ExitCode;

use veil_benches::report::{criterion_dir, load_rows, table};

fn main() -> ExitCode {
    let mut strict = false;
    let mut dir = None;
    for arg in std::env::args_os().skip(1) {
        if arg == "--strict" {
            strict = true;
        } else {
            dir = Some(PathBuf::from(arg));
        }
    }
    let dir = criterion_dir(dir);
    let rows = match load_rows(&dir) {
        Ok(rows) => rows,
        Err(error) => {
            eprintln!("bench-report: {error}");
            eprintln!("run `cargo bench -p veil-benches` first, or pass criterion's directory");
            return ExitCode::from(1);
        }
    };
    println!("Results from {}\n", dir.display());
    print!("{}", table(&rows));
    let unmet: Vec<String> = rows
        .iter()
        .filter(|row| row.met() == Some(false))
        .map(|row| format!("{} {} ({})", row.size, row.op, row.goal))
        .collect();
    if unmet.is_empty() {
        println!("\nEvery goal is met.");
        ExitCode::SUCCESS
    } else {
        println!("\nGoals NOT met: {}", unmet.join("; "));
        ExitCode::from(if strict { 2 } else { 0 })
    }
}
