//! Helpers shared by the XMPP client benchmark programs in `src/bin/` (see
//! `benches/README.md`, section "XMPP client").

pub mod cpu;

/// The value of `--name` in `args` (the element after it), if given.
pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// `--name` parsed as a number, or `default`; exits with a message when it is not one.
pub fn num_arg(args: &[String], name: &str, default: u64) -> u64 {
    match arg(args, name) {
        None => default,
        Some(v) => v.parse().unwrap_or_else(|_| {
            eprintln!("{name}: not a whole number: {v}");
            std::process::exit(2)
        }),
    }
}
