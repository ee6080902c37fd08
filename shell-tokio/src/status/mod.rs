//! The local status endpoint: `/metrics` in Prometheus text format and
//! `/peers` as JSON, plus the client side `veil peers` uses. Off by
//! default in `veil node`, and on loopback unless the operator says
//! otherwise.

mod http;
mod metrics;
mod peers;
mod snapshot;

pub use http::serve;
pub use metrics::{cumulative_buckets, escape_label, render_metrics};
pub(crate) use peers::human_bytes;
pub use peers::{fetch_peers, render_table, FetchError};
pub use snapshot::{PeerRow, StatusSnapshot};
