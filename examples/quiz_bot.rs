// XMPP_JID=quiz@example.com XMPP_PASSWORD=secret cargo run --example quiz_bot -- examples/quiz_questions.txt
//! The multi-user quiz of JAXL's blog. Everyone who messages the bot enters the arena.
//! `start` begins a round: the bot asks a question to everyone in the arena; the first
//! right answer scores a point and everyone hears who won; then the next question. A
//! question nobody answers within `QUIZ_SECONDS` (default 30) is revealed and skipped.
//! `stop` ends the round with the scores; `options` lists the commands.
//!
//! Environment: the usual `XMPP_*` account variables. Questions come from the file given
//! as first argument (default `examples/quiz_questions.txt`), one `question|answer` a
//! line. Accepts subscriptions so players can add it. Runs until Ctrl-C.

use jaxl::core::TimerId;
use jaxl::xmpp::client::{self, ClientConfig, ClientHandle};
use jaxl::xmpp::{Jid, Message};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

const OPTIONS: &str =
    "commands: start | stop | score | leave | options; anything else is an answer";

struct Quiz {
    questions: Vec<(String, String)>,
    next: usize,
    /// The question being asked: (question, answer).
    current: Option<(String, String)>,
    running: bool,
    arena: BTreeMap<Jid, u32>,
    timer: Option<TimerId>,
    seconds: u64,
    out: Option<ClientHandle>,
}

impl Quiz {
    fn tell_all(&self, text: &str) {
        if let Some(out) = &self.out {
            for player in self.arena.keys() {
                out.send(Message::chat(player, text));
            }
        }
    }

    fn tell(&self, to: &Jid, text: &str) {
        if let Some(out) = &self.out {
            out.send(Message::chat(to, text));
        }
    }

    fn scores(&self) -> String {
        let s: Vec<String> = self
            .arena
            .iter()
            .map(|(j, p)| format!("{j}: {p}"))
            .collect();
        format!("scores: {}", s.join(", "))
    }
}

/// Asks the next question and arms its timeout.
fn ask_next(quiz: &Rc<RefCell<Quiz>>, cx: &jaxl::core::Context<'_>) {
    let mut q = quiz.borrow_mut();
    if let Some(t) = q.timer.take() {
        cx.cancel_timer(t);
    }
    if !q.running || q.questions.is_empty() {
        return;
    }
    let (question, answer) = q.questions[q.next % q.questions.len()].clone();
    q.next += 1;
    q.tell_all(&format!("Q{}: {question}", q.next));
    q.current = Some((question, answer));
    let quiz2 = quiz.clone();
    q.timer = Some(cx.set_timeout(Duration::from_secs(q.seconds), move |cx| {
        let answer = {
            let mut q = quiz2.borrow_mut();
            q.timer = None;
            q.current.take().map(|(_, a)| a)
        };
        if let Some(a) = answer {
            quiz2
                .borrow()
                .tell_all(&format!("time is up! the answer was: {a}"));
            ask_next(&quiz2, cx);
        }
    }));
}

fn load(path: &str) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let qs: Vec<_> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once('|')
                .map(|(q, a)| (q.trim().to_owned(), a.trim().to_owned()))
        })
        .collect();
    if qs.is_empty() {
        return Err(format!("{path}: no `question|answer` lines"));
    }
    Ok(qs)
}

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let fail = |e: String| -> ! {
        eprintln!("quiz_bot: {e}");
        std::process::exit(2)
    };
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/quiz_questions.txt".into());
    let questions = load(&path).unwrap_or_else(|e| fail(e));
    let mut config = ClientConfig::from_env().unwrap_or_else(|e| fail(e));
    config.auto_accept_subscriptions = true;
    let seconds = std::env::var("QUIZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    log::info!("{} questions loaded from {path}", questions.len());
    let quiz = Rc::new(RefCell::new(Quiz {
        questions,
        next: 0,
        current: None,
        running: false,
        arena: BTreeMap::new(),
        timer: None,
        seconds,
        out: None,
    }));

    let q_online = quiz.clone();
    let result = client::run(config, move |b| {
        b.on_online(move |s| {
            q_online.borrow_mut().out = Some(s.handle());
            log::info!("quiz bot online as {}", s.jid());
        })
        .on_chat_message(move |s, m| {
            let (Some(body), Some(Ok(from))) = (m.body(), m.from_jid()) else {
                return;
            };
            let player = from.bare();
            let text = body.trim();
            let mut q = quiz.borrow_mut();
            q.arena.entry(player.clone()).or_insert(0); // whoever talks to the bot plays
            match text.to_lowercase().as_str() {
                "options" | "help" => q.tell(&player, OPTIONS),
                "leave" => {
                    q.arena.remove(&player);
                    q.tell(&player, "you left the arena");
                }
                "score" => {
                    let s = q.scores();
                    q.tell(&player, &s);
                }
                "start" if !q.running => {
                    q.running = true;
                    q.tell_all(&format!(
                        "{player} started a round! first right answer scores"
                    ));
                    drop(q);
                    ask_next(&quiz, s.cx());
                }
                "stop" if q.running => {
                    q.running = false;
                    q.current = None;
                    if let Some(t) = q.timer.take() {
                        s.cx().cancel_timer(t);
                    }
                    let scores = q.scores();
                    q.tell_all(&format!("{player} stopped the round. {scores}"));
                }
                answer => {
                    let right = q
                        .current
                        .as_ref()
                        .is_some_and(|(_, a)| a.eq_ignore_ascii_case(answer));
                    if right {
                        let a = q.current.take().map(|(_, a)| a).unwrap_or_default();
                        *q.arena.entry(player.clone()).or_insert(0) += 1;
                        q.tell_all(&format!("{player} got it: {a}!"));
                        drop(q);
                        ask_next(&quiz, s.cx());
                    } else if !q.running {
                        q.tell(&player, &format!("welcome to the arena. {OPTIONS}"));
                    }
                }
            }
        })
        .on_disconnect(|_, r| log::warn!("disconnected: {r}"))
    });
    match result {
        Ok(()) => log::info!("stopped"),
        Err(e) => fail(e.to_string()),
    }
}
