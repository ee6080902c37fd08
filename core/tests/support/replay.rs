//! Where the vectors live.

/// The repository's `testvectors/` directory.
pub fn vectors_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testvectors")
}
