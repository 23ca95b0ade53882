#![no_main]
use jaxl_http::head::{parse_head, HeadLimits};
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut storage = jaxl_http::head::header_storage::<100>();
    let _ = parse_head(data, &mut storage, &HeadLimits::default());
});
