//! The local status endpoint: `/metrics` in the Prometheus text format
//! (0.0.4) and `/peers` as JSON, each from a fresh [`StatusSnapshot`]
//! taken in the driver task; plus the client side `veil peers` uses
//! ([`fetch_peers`], [`render_table`]).
//!
//! `veil node` leaves it off unless `status` is set, and refuses a
//! non-loopback address unless `status_public = true`; [`serve`] itself
//! serves whatever listener it is given.
//!
//! ```
//! use veil_tokio::status::{render_metrics, StatusSnapshot};
//! let text = render_metrics(&StatusSnapshot::default());
//! assert!(text.lines().all(|line| line.starts_with("# ") || line.starts_with("veil_")));
//! ```

mod client;
mod histogram;
mod http;
mod metrics;
mod prometheus;
mod request;
mod snapshot;
mod table;

pub use client::{fetch_peers, FetchError};
pub use histogram::{cumulative_buckets, RTT_BUCKETS_MS};
pub use http::serve;
pub use metrics::render_metrics;
pub use prometheus::{escape_help, escape_label};
pub use snapshot::{snapshot, BanCounts, PeerRow, StatusSnapshot};
pub(crate) use table::human_bytes;
pub use table::render_table;
