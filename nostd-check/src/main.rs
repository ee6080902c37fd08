//! Links veil-core into a `no_std` binary: a second `panic_impl` (from std)
//! would be a compile error, so this proves no dependency pulls std in.
#![no_std]
#![no_main]

extern crate alloc;
extern crate bytes;
extern crate chacha20;
#[cfg(feature = "elligator2")]
extern crate curve25519_elligator2;
extern crate ed25519_dalek;
extern crate hkdf;
extern crate rand_core;
extern crate ring;
extern crate sha2;
extern crate veil_core;
extern crate x25519_dalek;
extern crate zeroize;

use core::alloc::{GlobalAlloc, Layout};

/// Never called: the binary is only checked, not run.
struct NoAllocator;

// SAFETY: returning null is the documented way to report allocation failure.
unsafe impl GlobalAlloc for NoAllocator {
    unsafe fn alloc(&self, _layout: Layout) -> *mut u8 {
        core::ptr::null_mut()
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: NoAllocator = NoAllocator;

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// Uses the codec so its code is type-checked in this configuration.
#[no_mangle]
pub extern "C" fn veil_nostd_frame_len() -> usize {
    veil_core::wire::FrameEncoder::default()
        .frame_len(&veil_core::message::Message::Verack)
        .unwrap_or(0)
}

/// Uses the ephemeral's wire encoding, Elligator2 with the feature.
#[no_mangle]
pub extern "C" fn veil_nostd_ephemeral_wire_byte() -> u8 {
    veil_core::noise::Ephemeral::from_secret_bytes([7; 32]).wire_bytes()[0]
}
