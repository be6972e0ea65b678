#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| searchward::fuzzing::config(data));
