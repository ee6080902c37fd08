//! A peer in the configuration: `[<peer id>@]<target>`, e.g.
//! `3f…a9@tls://192.0.2.7:9443` or `192.0.2.8:9333`.

use std::fmt;
use std::str::FromStr;

use veil_core::identity::PeerId;

use crate::target::Target;

/// A configured peer: where to dial it and, optionally, the identity it
/// must prove (required for bootstrap nodes).
///
/// ```
/// use veil_tokio::config::PeerSpec;
/// let spec: PeerSpec = "ws://127.0.0.1:8080".parse().unwrap();
/// assert!(spec.peer_id.is_none());
/// assert!("zz@127.0.0.1:1".parse::<PeerSpec>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerSpec {
    /// The identity the peer must prove, if pinned.
    pub peer_id: Option<PeerId>,
    /// Where and how to dial it.
    pub target: Target,
}

impl FromStr for PeerSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<PeerSpec, String> {
        let (peer_id, target) = match text.split_once('@') {
            Some((id, rest)) => (
                Some(id.parse::<PeerId>().map_err(|e| format!("{text:?}: {e}"))?),
                rest,
            ),
            None => (None, text),
        };
        let target = target
            .parse::<Target>()
            .map_err(|e| format!("{text:?}: {e}"))?;
        Ok(PeerSpec { peer_id, target })
    }
}

impl fmt::Display for PeerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(id) = &self.peer_id {
            write!(f, "{id}@")?;
        }
        write!(f, "{}", self.target)
    }
}
