#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| veil_core::fuzz_harness::node_inputs(data));
