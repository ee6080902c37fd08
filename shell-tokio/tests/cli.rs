//! The `veil` command line: the demo runs to a clean end, an invalid
//! configuration gives one error naming its key, keygen prints a key.

use std::process::Command;

fn veil(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_veil"))
        .args(args)
        .output()
        .expect("veil runs")
}

#[test]
fn the_demo_runs_every_carrier_and_a_proxy_and_ends_cleanly() {
    let output = veil(&["demo", "--seconds", "4"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for carrier in ["over tcp", "over tls", "over ws", "over wss"] {
        assert!(stdout.contains(carrier), "no link {carrier}:\n{stdout}");
    }
    assert!(stdout.contains("through the SOCKS5 proxy"));
    assert!(stdout.contains("the transaction reached all six nodes"));
    assert!(stdout.contains("Done: all nodes stopped cleanly"));
}

#[test]
fn an_invalid_configuration_names_its_key() {
    let output = veil(&["node", "--set", "max_connections=2"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid configuration: max_connections"),
        "{stderr}"
    );
    let dir = std::env::temp_dir().join(format!("veil-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("veil.toml");
    std::fs::write(&file, "ping_interval = \"often\"\n").unwrap();
    let output = veil(&["node", "--config", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("veil.toml: ping_interval"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn keygen_prints_a_key_or_creates_one_once() {
    let output = veil(&["keygen"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("veil-identity-v1\n"));
    let dir = std::env::temp_dir().join(format!("veil-keygen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = veil(&["keygen", "--data-dir", dir.to_str().unwrap()]);
    assert!(first.status.success());
    let again = veil(&["keygen", "--data-dir", dir.to_str().unwrap()]);
    assert!(!again.status.success(), "an identity is never replaced");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replay_reports_every_vector_and_fails_on_a_tampered_one() {
    let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/../testvectors");
    let output = veil(&["replay", vectors]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains(" 0 failed, 0 files unreadable"), "{stdout}");
    assert!(stdout.lines().filter(|l| l.starts_with("  ok    ")).count() > 50);

    let dir = std::env::temp_dir().join(format!("veil-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let frames = std::fs::read_to_string(format!("{vectors}/v1/frames.json")).unwrap();
    let mut file: serde_json::Value = serde_json::from_str(&frames).unwrap();
    file["vectors"][0]["expect"][0]["payload"] = "00".into();
    std::fs::write(dir.join("frames.json"), file.to_string()).unwrap();
    let output = veil(&["replay", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success());
    assert!(stdout.contains("FAIL  version: output 0"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}
