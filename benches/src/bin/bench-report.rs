//! Prints the veil-versus-raw-baseline table from criterion's results, then
//! the memory of an idle established connection (measured here and now with
//! a counting allocator: it does not drift, so it needs no baseline).
//!
//! Usage: `bench-report [--strict] [CRITERION_DIR]`. The directory defaults
//! to `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else
//! `target/criterion` under the workspace root. Exits 1 when a result is
//! missing and, with `--strict`, 2 when a goal is not met.

use std::path::PathBuf;
use std::process::ExitCode;

use veil_benches::memory::{self, CountingAlloc, Scenario, GOAL_BYTES};
use veil_benches::report::{criterion_dir, load_rows, table};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

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
    let memory = match Scenario::ALL
        .into_iter()
        .map(memory::measure)
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(memory) => memory,
        Err(error) => {
            eprintln!("bench-report: memory: {error}");
            return ExitCode::from(1);
        }
    };
    println!("Results from {}\n", dir.display());
    print!("{}", table(&rows));
    println!("\nMemory of one idle established connection (size_of + heap, bytes):\n");
    print!("{}", memory::table(&memory));
    let mut unmet: Vec<String> = rows
        .iter()
        .filter(|row| row.met() == Some(false))
        .map(|row| format!("{} {} ({})", row.size, row.op, row.goal))
        .collect();
    unmet.extend(
        memory
            .iter()
            .filter(|m| !m.met())
            .map(|m| format!("memory {} (≤ {GOAL_BYTES} bytes)", m.scenario.label())),
    );
    if unmet.is_empty() {
        println!("\nEvery goal is met.");
        ExitCode::SUCCESS
    } else {
        println!("\nGoals NOT met: {}", unmet.join("; "));
        ExitCode::from(if strict { 2 } else { 0 })
    }
}
