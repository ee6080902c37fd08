//! The language-neutral JSON view of a message used in `testvectors/`:
//! the library's (`veil_core::testing::vectors`).

pub use veil_core::testing::vectors::message_to_json;
