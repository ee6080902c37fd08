//! Shared helpers for the veil benches.
