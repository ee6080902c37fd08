//! The header byte: transport flags, encrypted and authenticated with the
//! contents.

use core::fmt;

/// The flags byte at the start of a packet's plaintext.
///
/// Only bit 7 has a meaning: a *decoy* packet is verified and then dropped,
/// so a sender can shape its traffic. The other bits are reserved (for
/// padding flags, for example) and carried through unchanged, so a newer
/// peer's flags reach the caller intact.
///
/// # Example
///
/// ```
/// use veil_core::packet::Header;
///
/// assert!(Header::DECOY.is_decoy());
/// assert!(!Header::DATA.is_decoy());
/// let header = Header::from_byte(0x81);
/// assert!(header.is_decoy());
/// assert_eq!(header.to_byte(), 0x81);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Header(u8);

impl Header {
    /// The decoy bit.
    ///
    /// ```
    /// assert_eq!(veil_core::packet::Header::DECOY_BIT, 0x80);
    /// ```
    pub const DECOY_BIT: u8 = 0x80;

    /// An ordinary packet: no flags.
    ///
    /// ```
    /// assert_eq!(veil_core::packet::Header::DATA.to_byte(), 0);
    /// ```
    pub const DATA: Header = Header(0);

    /// A decoy packet: only the decoy bit.
    ///
    /// ```
    /// assert_eq!(veil_core::packet::Header::DECOY.to_byte(), 0x80);
    /// ```
    pub const DECOY: Header = Header(Header::DECOY_BIT);

    /// The header with exactly these bits.
    ///
    /// ```
    /// assert_eq!(veil_core::packet::Header::from_byte(0x80), veil_core::packet::Header::DECOY);
    /// ```
    #[must_use]
    pub const fn from_byte(byte: u8) -> Header {
        Header(byte)
    }

    /// The header's bits, as sent.
    ///
    /// ```
    /// assert_eq!(veil_core::packet::Header::from_byte(3).to_byte(), 3);
    /// ```
    #[must_use]
    pub const fn to_byte(self) -> u8 {
        self.0
    }

    /// Whether the packet is a decoy, to be dropped once verified.
    ///
    /// ```
    /// assert!(veil_core::packet::Header::from_byte(0xff).is_decoy());
    /// ```
    #[must_use]
    pub const fn is_decoy(self) -> bool {
        self.0 & Header::DECOY_BIT != 0
    }

    /// The same header with the decoy bit set or cleared; reserved bits are
    /// kept.
    ///
    /// ```
    /// use veil_core::packet::Header;
    /// assert_eq!(Header::from_byte(1).with_decoy(true).to_byte(), 0x81);
    /// assert_eq!(Header::DECOY.with_decoy(false), Header::DATA);
    /// ```
    #[must_use]
    pub const fn with_decoy(self, decoy: bool) -> Header {
        if decoy {
            Header(self.0 | Header::DECOY_BIT)
        } else {
            Header(self.0 & !Header::DECOY_BIT)
        }
    }
}

impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_decoy() { "decoy" } else { "data" };
        write!(f, "{kind} (header {:#04x})", self.0)
    }
}
