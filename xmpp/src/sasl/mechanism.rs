//! [`Mechanism`] and [`choose`]: which mechanism to use among those offered.

/// A SASL mechanism the client implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// SCRAM-SHA-256 (RFC 7677).
    ScramSha256,
    /// SCRAM-SHA-1 (RFC 5802).
    ScramSha1,
    /// PLAIN (RFC 4616): the password in the clear, so only over TLS.
    Plain,
    /// ANONYMOUS (RFC 4505): no account; the server assigns a temporary JID.
    Anonymous,
}

impl Mechanism {
    /// The default preference, strongest first. ANONYMOUS is not in it: it logs in as
    /// nobody, so a client must ask for it explicitly.
    pub const PREFERENCE: &'static [Mechanism] = &[
        Mechanism::ScramSha256,
        Mechanism::ScramSha1,
        Mechanism::Plain,
    ];

    /// The IANA name, as in `<mechanism/>` and `<auth mechanism=.../>`.
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha1 => "SCRAM-SHA-1",
            Mechanism::Plain => "PLAIN",
            Mechanism::Anonymous => "ANONYMOUS",
        }
    }

    /// The mechanism named `name` (exact, upper case as registered), if implemented.
    pub fn from_name(name: &str) -> Option<Mechanism> {
        [
            Mechanism::ScramSha256,
            Mechanism::ScramSha1,
            Mechanism::Plain,
            Mechanism::Anonymous,
        ]
        .into_iter()
        .find(|m| m.name() == name.trim())
    }

    /// Whether it sends a password and so needs one.
    pub fn needs_password(&self) -> bool {
        !matches!(self, Mechanism::Anonymous)
    }
}

impl std::fmt::Display for Mechanism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The first mechanism of `preference` that the server `offered`, skipping PLAIN unless
/// the stream is encrypted (`tls`) and mechanisms needing a password when there is none.
/// `None` when nothing fits: the client must not log in.
pub fn choose<'a, I>(
    offered: I,
    preference: &[Mechanism],
    tls: bool,
    has_password: bool,
) -> Option<Mechanism>
where
    I: IntoIterator<Item = &'a str>,
{
    let offered: Vec<&str> = offered.into_iter().map(str::trim).collect();
    preference.iter().copied().find(|m| {
        offered.contains(&m.name())
            && (tls || *m != Mechanism::Plain)
            && (has_password || !m.needs_password())
    })
}
