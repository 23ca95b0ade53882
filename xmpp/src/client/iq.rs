//! Outstanding iq requests: their response callbacks and timeouts.

use super::Session;
use crate::stanza::StanzaError;
use crate::{Iq, Jid};
use jaxl_core::TimerId;
use std::collections::HashMap;
use std::fmt;

/// Why an iq request got no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IqError {
    /// The entity answered with an error (`None` if it carried no valid `<error/>`).
    Error(Option<StanzaError>),
    /// No answer within the timeout; a late answer is dropped.
    Timeout,
    /// The stream ended before an answer came.
    Disconnected,
}

impl fmt::Display for IqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IqError::Error(Some(e)) => write!(f, "error reply: {}", e.condition),
            IqError::Error(None) => f.write_str("error reply"),
            IqError::Timeout => f.write_str("no answer in time"),
            IqError::Disconnected => f.write_str("stream ended before the answer"),
        }
    }
}

/// The callback of an iq request: called once, with the `result` iq or why there is none.
pub type IqCallback = Box<dyn FnOnce(&mut Session<'_, '_>, Result<Iq, IqError>)>;

struct Pending {
    to: Option<Jid>,
    timer: Option<TimerId>,
    callback: IqCallback,
}

/// Requests waiting for an answer, by id.
#[derive(Default)]
pub(crate) struct PendingIqs {
    by_id: HashMap<String, Pending>,
    by_timer: HashMap<TimerId, String>,
}

impl PendingIqs {
    pub(crate) fn insert(
        &mut self,
        id: String,
        to: Option<Jid>,
        timer: Option<TimerId>,
        callback: IqCallback,
    ) {
        if let Some(t) = timer {
            self.by_timer.insert(t, id.clone());
        }
        self.by_id.insert(
            id,
            Pending {
                to,
                timer,
                callback,
            },
        );
    }

    /// Takes the callback answered by `iq` from `from`, if it is the entity asked (a
    /// request to nobody is answered by our server: no `from`, our bare JID or domain).
    pub(crate) fn take_answer(
        &mut self,
        id: &str,
        from: Option<&Jid>,
        me: &Jid,
    ) -> Option<(IqCallback, Option<TimerId>)> {
        let p = self.by_id.get(id)?;
        let ok = match (&p.to, from) {
            (Some(to), Some(f)) => to == f,
            (Some(to), None) => *to == me.bare() || to.as_str() == me.domain(),
            (None, None) => true,
            (None, Some(f)) => *f == me.bare() || f.as_str() == me.domain() || f == me,
        };
        if !ok {
            return None;
        }
        let p = self.by_id.remove(id)?;
        if let Some(t) = p.timer {
            self.by_timer.remove(&t);
        }
        Some((p.callback, p.timer))
    }

    /// Takes the callback whose timeout fired.
    pub(crate) fn take_timer(&mut self, timer: TimerId) -> Option<IqCallback> {
        let id = self.by_timer.remove(&timer)?;
        self.by_id.remove(&id).map(|p| p.callback)
    }

    /// Takes every callback (the stream ended).
    pub(crate) fn drain(&mut self) -> Vec<IqCallback> {
        self.by_timer.clear();
        self.by_id.drain().map(|(_, p)| p.callback).collect()
    }
}
