//! A client reconnects by itself after its Prosody restarts (stopped and started again
//! with `scripts/prosody-down.sh` / `scripts/prosody-up.sh` on the same ports). Its own
//! test binary, so that the restart cannot disturb the other interop tests.

mod xmpp_client_util;

use jaxl::xmpp::client::{ClientBuilder, Reconnect};
use std::process::Command;
use std::time::Duration;
use xmpp_client_util::*;

/// Restarts the instance described by the env file, on a helper thread (the loop keeps
/// running meanwhile). Returns whether both scripts succeeded.
fn restart(p: &Prosody) -> std::thread::JoinHandle<bool> {
    let scripts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    let keep = [
        "PROSODY_DIR",
        "XMPP_DOMAIN",
        "XMPP_C2S_PORT",
        "XMPP_HTTP_PORT",
        "XMPP_COMPONENT_PORT",
        "XMPP_COMPONENT_DOMAIN",
        "XMPP_COMPONENT_SECRET",
        "XMPP_MUC_DOMAIN",
        "XMPP_USERS",
    ];
    let env: Vec<(String, String)> = keep
        .iter()
        .filter_map(|k| p.vars.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    std::thread::spawn(move || {
        let run = |script: &str| {
            let out = Command::new(scripts.join(script))
                .envs(env.iter().cloned())
                .output();
            match out {
                Ok(o) if o.status.success() => true,
                Ok(o) => {
                    eprintln!(
                        "{script} failed: {}{}",
                        String::from_utf8_lossy(&o.stdout),
                        String::from_utf8_lossy(&o.stderr)
                    );
                    false
                }
                Err(e) => {
                    eprintln!("{script}: {e}");
                    false
                }
            }
        };
        run("prosody-down.sh") && run("prosody-up.sh")
    })
}

#[test]
fn reconnects_after_the_server_restarts() {
    let Some(p) = Prosody::from_env("reconnects_after_the_server_restarts") else {
        return;
    };
    // Restart exactly the instance of the env file, never a default one.
    let _ = p.var("PROSODY_DIR");
    let (mut ev, timed_out) = new_loop();
    let log = Log::default();
    let mut c = p.config("alice", "restart");
    c.reconnect = Reconnect {
        initial_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(500),
        ..Reconnect::default()
    };
    let (l1, l2) = (log.clone(), log.clone());
    let restarter: std::rc::Rc<std::cell::RefCell<Option<std::thread::JoinHandle<bool>>>> =
        Default::default();
    let r1 = restarter.clone();
    let mut onlines = 0;
    let env = Prosody {
        vars: p.vars.clone(),
    };
    ClientBuilder::new(c)
        .on_online(move |s| {
            onlines += 1;
            l1.push(format!("online {onlines}"));
            if onlines == 1 {
                *r1.borrow_mut() = Some(restart(&env));
            } else {
                s.cx().stop();
            }
        })
        .on_disconnect(move |_, r| l2.push(format!("disconnect retryable={}", r.is_retryable())))
        .build()
        .connect(&mut ev)
        .unwrap();
    ev.run().unwrap();
    let restarted = restarter
        .borrow_mut()
        .take()
        .map(|t| t.join().unwrap_or(false));
    assert_eq!(restarted, Some(true), "the restart scripts failed");
    assert!(!*timed_out.borrow(), "{:?}", log.all());
    let all = log.all();
    // Online, dropped by the restart (retryable), online again; then the loop's stop.
    assert_eq!(
        all[..3],
        ["online 1", "disconnect retryable=true", "online 2"],
        "{all:?}"
    );
}
