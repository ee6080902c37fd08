//! General feature bits of `version.features` (`docs/PROTOCOL.md` 6.1).
//!
//! # Example
//!
//! ```
//! use veil_core::message::features;
//! let announced = features::DANDELION;
//! assert_eq!(announced & !features::ALL_KNOWN, 0);
//! ```

/// The sender relays Dandelion++ stem transactions (`stemtx`).
///
/// ```
/// assert_eq!(veil_core::message::features::DANDELION, 1);
/// ```
pub const DANDELION: u32 = 1 << 0;

/// Every general feature bit protocol version 1 assigns.
///
/// ```
/// use veil_core::message::features;
/// assert_eq!(features::ALL_KNOWN, features::DANDELION);
/// ```
pub const ALL_KNOWN: u32 = DANDELION;
