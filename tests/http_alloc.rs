//! The hello-world path allocates nothing per request once warm: a counting
//! allocator counts allocations made on the server's thread while a keep-alive
//! client sends requests (plain and pipelined 16 deep).
//!
//! The bound is one allocation per loop turn, not zero: jaxl-core's loop currently
//! takes its list of connections to flush by value each turn, and that list is
//! reallocated on the next turn. Everything jaxl-http does per request reuses
//! storage, which the pipelined round shows: 16 requests per turn, still at most
//! one allocation per turn.

mod support;

use jaxl::http::create_server;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufReader, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use support::*;

struct Counting;

static SERVER_ALLOCS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static ON_SERVER: Cell<bool> = const { Cell::new(false) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON_SERVER.try_with(Cell::get).unwrap_or(false) {
            SERVER_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ON_SERVER.try_with(Cell::get).unwrap_or(false) {
            SERVER_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const REQ: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n";

#[test]
fn hello_world_allocates_nothing_per_request_after_warm_up() {
    let s = start(|| {
        // This closure runs on the server's thread: count from here on.
        ON_SERVER.with(|f| f.set(true));
        create_server(|_req, res| {
            res.write_head(200, &[("Content-Type", "text/plain")]);
            res.end("Hello World\n");
        })
    });
    let mut c = s.connect();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut round = |n: usize, depth: usize| {
        for _ in 0..n / depth {
            let batch: Vec<u8> = REQ.repeat(depth);
            c.write_all(&batch).unwrap();
            for _ in 0..depth {
                let resp = read_response(&mut r, false).unwrap();
                assert_eq!(resp.body, b"Hello World\n");
            }
        }
    };
    round(200, 1);
    round(320, 16);
    let before = SERVER_ALLOCS.load(Ordering::Relaxed);
    round(3200, 16);
    let pipelined = SERVER_ALLOCS.load(Ordering::Relaxed) - before;
    round(2000, 1);
    let total = SERVER_ALLOCS.load(Ordering::Relaxed) - before;
    eprintln!("server-thread allocations: {pipelined} for 3200 pipelined requests (200 batches), {total} for 5200 requests");
    // A batch occasionally arrives in two reads (two turns), hence the slack; one
    // allocation per request would be 3200 and 5200.
    assert!(
        pipelined <= 300,
        "{pipelined} allocations for 3200 pipelined requests in 200 batches"
    );
    assert!(total <= 3300, "{total} allocations for 5200 warm requests");
}
