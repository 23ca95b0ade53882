//! Helpers of the interop tests against a real Prosody started by
//! `scripts/prosody-up.sh`: its env file, client configurations, a self-stopping loop.
#![allow(dead_code)]

use jaxl::core::{Loop, LoopConfig};
use jaxl::xmpp::client::{ClientConfig, Reconnect, TlsVerify};
use jaxl::xmpp::Jid;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

/// No interop test waits longer than this.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The Prosody instance described by `JAXL_PROSODY_ENV`, or `None` (after a loud
/// SKIPPED line) when the variable is unset.
pub struct Prosody {
    pub vars: HashMap<String, String>,
}

impl Prosody {
    pub fn from_env(test: &str) -> Option<Prosody> {
        let Ok(path) = std::env::var("JAXL_PROSODY_ENV") else {
            eprintln!(
                "SKIPPED: {test} needs a real Prosody (set JAXL_PROSODY_ENV; scripts/test.sh does)"
            );
            return None;
        };
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("JAXL_PROSODY_ENV={path}: {e}"));
        let vars = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
            .collect();
        Some(Prosody { vars })
    }

    pub fn var(&self, k: &str) -> &str {
        self.vars
            .get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{k} missing from the Prosody env file"))
    }

    pub fn domain(&self) -> &str {
        self.var("XMPP_DOMAIN")
    }

    pub fn password(&self, user: &str) -> String {
        let users = self.var("XMPP_USERS");
        users
            .split_whitespace()
            .find_map(|u| {
                u.split_once(':')
                    .filter(|(n, _)| *n == user)
                    .map(|(_, p)| p.to_owned())
            })
            .unwrap_or_else(|| panic!("no user {user} in XMPP_USERS"))
    }

    /// A configuration for `user@domain/resource` with `password`: no reconnection,
    /// the instance's CA trusted.
    pub fn config_with(&self, user: &str, password: &str, resource: &str) -> ClientConfig {
        let jid = Jid::new(&format!("{user}@{}/{resource}", self.domain())).unwrap();
        let mut c = ClientConfig::new(jid, password);
        c.host = Some(
            self.vars
                .get("XMPP_HOST")
                .cloned()
                .unwrap_or_else(|| "127.0.0.1".into()),
        );
        c.port = self.var("XMPP_C2S_PORT").parse().unwrap();
        c.verify = TlsVerify::CaFile(self.var("XMPP_CA").into());
        c.reconnect = Reconnect::never();
        c
    }

    /// [`config_with`](Self::config_with) for one of the script's users.
    pub fn config(&self, user: &str, resource: &str) -> ClientConfig {
        self.config_with(user, &self.password(user), resource)
    }
}

/// A loop without signal handling that stops itself after [`DEADLINE`], setting the flag.
pub fn new_loop() -> (Loop, Rc<RefCell<bool>>) {
    let mut cfg = LoopConfig::default();
    cfg.handle_signals = false;
    let mut ev = Loop::with_config(cfg).unwrap();
    let timed_out = Rc::new(RefCell::new(false));
    let t = timed_out.clone();
    ev.enter(|cx| {
        cx.set_timeout(DEADLINE, move |cx| {
            *t.borrow_mut() = true;
            cx.stop();
        });
    });
    (ev, timed_out)
}

/// A name no earlier run used (accounts persist between runs of one instance).
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{}x{nanos}", std::process::id())
}

/// A shared event log for callbacks.
#[derive(Clone, Default)]
pub struct Log(pub Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }
    pub fn has(&self, s: &str) -> bool {
        self.0.borrow().iter().any(|l| l == s)
    }
    pub fn all(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}
