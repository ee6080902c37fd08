//! Every shell's replay of `testvectors/` prints what the core's replayer
//! reports: `veil replay` (tokio), the mio example and the async-io
//! example, byte for byte, and every vector passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use veil_core::testing::vectors::replay_files;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// The vector files, sorted, as `veil replay` walks them.
fn vector_files() -> Vec<String> {
    veil_tokio::commands::replay::vector_files(&workspace().join("testvectors"))
        .expect("testvectors/")
        .into_iter()
        .map(|p| p.display().to_string())
        .collect()
}

/// A binary or example of the workspace, built next to this test (as
/// `cargo test --workspace` does), or built now if missing.
fn artifact(package: &str, kind: &str, name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = match kind {
        "bin" => profile_dir.join(name),
        _ => profile_dir.join("examples").join(name),
    };
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace())
            .args([
                "build",
                "--locked",
                "-p",
                package,
                &format!("--{kind}"),
                name,
            ])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {package} {kind} {name}");
    }
    path
}

fn run(program: &Path, args: &[String]) -> String {
    let output = Command::new(program)
        .current_dir(workspace())
        .args(args)
        .output()
        .expect("the program runs");
    assert!(
        output.status.success(),
        "{}: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn every_shell_prints_the_core_report_for_every_vector() {
    let files = vector_files();
    assert!(files.len() >= 2, "the repository's vectors are there");
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|f| (f.clone(), std::fs::read_to_string(f).expect("readable")))
        .collect();
    let core = replay_files(texts.iter().map(|(n, t)| (n.as_str(), t.as_str())));
    assert!(core.all_passed(), "{}", core.text);
    assert!(core.passed >= 50, "{} vectors", core.passed);

    let dir = workspace().join("testvectors").display().to_string();
    let tokio = run(
        &artifact("veil-tokio", "bin", "veil"),
        &["replay".into(), dir],
    );
    let mut replay_args = vec!["replay".to_string()];
    replay_args.extend(files.iter().cloned());
    let mio = run(&artifact("veil-mio", "example", "mio_node"), &replay_args);
    let async_io = run(
        &artifact("veil-async-std", "example", "async_node"),
        &replay_args,
    );
    assert_eq!(tokio, core.text, "veil replay (tokio) = the core");
    assert_eq!(mio, core.text, "the mio shell = the core");
    assert_eq!(async_io, core.text, "the async-io shell = the core");
}
