//! cargo run --example timers
//!
//! A repeating job and a one-shot job (JAXL's cron): the repeating job runs every
//! 200 ms and cancels itself after 5 runs; a one-shot job fires once after 500 ms; a
//! second one-shot is cancelled before it can fire. The loop returns when no timer is
//! left.

use jaxl::core::{Loop, TimerId};
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let mut ev = Loop::new()?;
    let start = Instant::now();
    ev.enter(|cx| {
        let runs = Rc::new(Cell::new(0));
        let me: Rc<Cell<Option<TimerId>>> = Rc::new(Cell::new(None));
        let me2 = me.clone();
        let id = cx.set_interval(Duration::from_millis(200), move |cx| {
            runs.set(runs.get() + 1);
            println!(
                "{:>5} ms  repeating job, run {}",
                start.elapsed().as_millis(),
                runs.get()
            );
            if runs.get() == 5 {
                if let Some(id) = me2.get() {
                    cx.cancel_timer(id);
                    println!(
                        "{:>5} ms  repeating job cancelled after 5 runs",
                        start.elapsed().as_millis()
                    );
                }
            }
        });
        me.set(Some(id));
        cx.set_timeout(Duration::from_millis(500), move |_| {
            println!("{:>5} ms  one-shot job", start.elapsed().as_millis());
        });
        let never = cx.set_timeout(Duration::from_millis(300), |_| {
            println!("this never prints")
        });
        cx.cancel_timer(never);
        println!(
            "{:>5} ms  one-shot at 300 ms cancelled before it fired",
            start.elapsed().as_millis()
        );
    });
    ev.run()?;
    println!(
        "{:>5} ms  no timers left; loop returned",
        start.elapsed().as_millis()
    );
    Ok(())
}
