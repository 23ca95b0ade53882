//! The binary of an example, built for this test run.
//!
//! `cargo test` compiles the examples only when it builds every target, and refreshes the
//! plain `target/<profile>/examples/NAME` copy only on `cargo build --example`; so the
//! test asks cargo for the example itself (a no-op when it is up to date) and runs that.

use std::path::PathBuf;
use std::process::Command;

/// Builds example `name` with this test's profile and returns its path, or `None` (with
/// the reason printed) if it cannot be built.
pub fn example_bin(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?.to_path_buf();
    let release = profile_dir.file_name().is_some_and(|p| p == "release");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "-q", "--example", name, "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
    if release {
        cmd.arg("--release");
    }
    match cmd.status() {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("cannot build example {name}: {other:?}");
            return None;
        }
    }
    let p = profile_dir.join("examples").join(name);
    p.exists().then_some(p)
}
