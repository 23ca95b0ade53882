//! One loop per core: [`run_on_threads`].

use crate::Loop;
use std::io;
use std::sync::Arc;

/// Runs `n` loops on `n` threads (named `jaxl-0`, `jaxl-1`, ...), each set up by
/// `setup` — which typically listens with [`ListenOptions::reuse_port`](crate::ListenOptions::reuse_port)
/// so the kernel spreads connections across the loops. Returns when every loop has
/// returned (a signal stops them all), with the first error any of them reported.
///
/// ```no_run
/// use jaxl_core::{ListenOptions, Context, Handler};
/// struct Echo;
/// impl Handler for Echo {
///     fn on_data(&mut self, cx: &mut Context<'_>) { let b = cx.take_input(); cx.write(&b); }
/// }
/// jaxl_core::run_on_threads(2, |ev| {
///     ev.listen_tcp_with("127.0.0.1:7000", &ListenOptions::default().reuse_port(true), |_| Echo)?;
///     Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn run_on_threads<F>(n: usize, setup: F) -> io::Result<()>
where
    F: Fn(&mut Loop) -> io::Result<()> + Send + Sync + 'static,
{
    let setup = Arc::new(setup);
    let mut threads = Vec::new();
    for i in 0..n.max(1) {
        let setup = setup.clone();
        threads.push(
            std::thread::Builder::new()
                .name(format!("jaxl-{i}"))
                .spawn(move || -> io::Result<()> {
                    let mut ev = Loop::new()?;
                    setup(&mut ev)?;
                    ev.run()
                })?,
        );
    }
    let mut first = Ok(());
    for t in threads {
        let r = t
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("loop thread panicked")));
        if first.is_ok() {
            first = r;
        }
    }
    first
}
