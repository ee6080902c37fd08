//! `veil keygen`: a new identity, in a data directory or on stdout.

use std::path::Path;

use rand_core::OsRng;
use veil_core::identity::Identity;

use super::CommandError;
use crate::datadir::{identity_file_text, DataDir};

/// Creates the identity of `data_dir` (an error if it has one already),
/// or prints a fresh one (the key file's text on stdout, the peer id on
/// stderr).
///
/// ```
/// let dir = std::env::temp_dir().join(format!("veil-doc-keygen-{}", std::process::id()));
/// let id = veil_tokio::commands::keygen::run(Some(&dir)).unwrap();
/// assert!(veil_tokio::commands::keygen::run(Some(&dir)).is_err(), "never replaced");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn run(data_dir: Option<&Path>) -> Result<String, CommandError> {
    match data_dir {
        Some(path) => {
            let dir = DataDir::open(path).map_err(|e| CommandError::new(e.to_string()))?;
            let (identity, created) = dir
                .load_or_create_identity(&mut OsRng)
                .map_err(|e| CommandError::new(e.to_string()))?;
            if !created {
                return Err(CommandError::new(format!(
                    "{} already has an identity ({}); it is never replaced",
                    path.display(),
                    identity.peer_id()
                )));
            }
            let id = identity.peer_id().to_string();
            println!("{id}");
            eprintln!("created {}", path.join("identity.key").display());
            Ok(id)
        }
        None => {
            let identity = Identity::generate(&mut OsRng);
            print!("{}", identity_file_text(&identity).as_str());
            let id = identity.peer_id().to_string();
            eprintln!("peer id {id}");
            Ok(id)
        }
    }
}
