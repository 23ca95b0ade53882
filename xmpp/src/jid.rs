//! XMPP addresses (RFC 7622): [`Jid`].
//!
//! A JID is `[localpart@]domainpart[/resourcepart]`. Parsing splits at the
//! first `/` (everything after it is the resource, which may itself hold `/`
//! and `@`), then at the first `@` before it.
//!
//! # Normalisation
//!
//! Full PRECIS (RFC 8264/8265) and IDNA2008 processing are out of scope.
//! What is done instead:
//!
//! * localpart: Unicode lower-casing (`str::to_lowercase`); forbidden are
//!   `"` `&` `'` `/` `:` `<` `>` `@`, whitespace and control characters;
//! * domainpart: one trailing dot removed, Unicode lower-casing; labels are
//!   non-empty, ASCII labels at most 63 bytes of letters, digits, `-` and
//!   `_`; non-ASCII labels may not hold whitespace or control characters;
//!   an IPv6 literal in brackets is accepted and written in its canonical
//!   form (RFC 5952); no Punycode conversion is done, so an A-label and its
//!   U-label are different domains here;
//! * resourcepart: kept as is (case matters); control characters are
//!   forbidden, spaces allowed.
//!
//! Each part must be 1 to 1023 bytes long after normalisation. Two JIDs are
//! equal, hash and order the same when their normalised forms are equal.

use std::fmt;
use std::net::Ipv6Addr;
use std::str::FromStr;

/// Longest part of a JID, in bytes (RFC 7622 §3).
const MAX_PART: usize = 1023;
/// Longest ASCII domain label, in bytes.
const MAX_LABEL: usize = 63;

/// Why a string is not a valid JID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JidError {
    /// `@` is present but the localpart before it is empty.
    EmptyNode,
    /// The domainpart is empty (or only a dot).
    EmptyDomain,
    /// `/` is present but the resourcepart after it is empty.
    EmptyResource,
    /// The localpart is longer than 1023 bytes.
    NodeTooLong,
    /// The domainpart is longer than 1023 bytes.
    DomainTooLong,
    /// The resourcepart is longer than 1023 bytes.
    ResourceTooLong,
    /// The localpart holds a forbidden character.
    NodeForbiddenChar,
    /// The domainpart is not a valid domain name or bracketed IPv6 address.
    DomainInvalid,
    /// The resourcepart holds a control character.
    ResourceForbiddenChar,
}

impl JidError {
    /// A short static description of the error.
    pub fn message(&self) -> &'static str {
        match self {
            JidError::EmptyNode => "empty localpart",
            JidError::EmptyDomain => "empty domainpart",
            JidError::EmptyResource => "empty resourcepart",
            JidError::NodeTooLong => "localpart longer than 1023 bytes",
            JidError::DomainTooLong => "domainpart longer than 1023 bytes",
            JidError::ResourceTooLong => "resourcepart longer than 1023 bytes",
            JidError::NodeForbiddenChar => "forbidden character in localpart",
            JidError::DomainInvalid => "invalid domainpart",
            JidError::ResourceForbiddenChar => "forbidden character in resourcepart",
        }
    }
}

impl fmt::Display for JidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for JidError {}

/// A validated, normalised XMPP address (see the [module docs](self)).
///
/// ```
/// use jaxl_xmpp::Jid;
///
/// let jid: Jid = "Juliet@Example.COM/balcony".parse().unwrap();
/// assert_eq!(jid.node(), Some("juliet"));
/// assert_eq!(jid.domain(), "example.com");
/// assert_eq!(jid.resource(), Some("balcony"));
/// assert_eq!(jid.bare().to_string(), "juliet@example.com");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jid {
    /// The normalised `node@domain/resource` text.
    full: String,
    /// Length of the localpart, if any (the `@` follows it).
    node_len: Option<usize>,
    /// Offset of the `/` before the resource, if any.
    slash: Option<usize>,
}

impl Jid {
    /// Parses and normalises `s`.
    ///
    /// # Errors
    /// A [`JidError`] naming the first part found invalid.
    pub fn new(s: &str) -> Result<Jid, JidError> {
        let (rest, resource) = match s.split_once('/') {
            Some((rest, res)) => (rest, Some(res)),
            None => (s, None),
        };
        let (node, domain) = match rest.split_once('@') {
            Some((node, domain)) => (Some(node), domain),
            None => (None, rest),
        };
        Jid::from_parts(node, domain, resource)
    }

    /// Builds a JID from its parts, validating and normalising each.
    ///
    /// # Errors
    /// A [`JidError`] naming the first part found invalid (an empty
    /// `Some` part is invalid).
    pub fn from_parts(
        node: Option<&str>,
        domain: &str,
        resource: Option<&str>,
    ) -> Result<Jid, JidError> {
        let node = node.map(normalise_node).transpose()?;
        let domain = normalise_domain(domain)?;
        let resource = resource.map(check_resource).transpose()?;
        let mut full = String::with_capacity(
            node.as_ref().map_or(0, |n| n.len() + 1)
                + domain.len()
                + resource.map_or(0, |r| r.len() + 1),
        );
        let node_len = node.map(|n| {
            full.push_str(&n);
            full.push('@');
            n.len()
        });
        full.push_str(&domain);
        let slash = resource.map(|r| {
            let at = full.len();
            full.push('/');
            full.push_str(r);
            at
        });
        Ok(Jid {
            full,
            node_len,
            slash,
        })
    }

    /// The localpart, if any.
    pub fn node(&self) -> Option<&str> {
        self.node_len.and_then(|n| self.full.get(..n))
    }

    /// The domainpart.
    pub fn domain(&self) -> &str {
        let start = self.node_len.map_or(0, |n| n + 1);
        let end = self.slash.unwrap_or(self.full.len());
        self.full.get(start..end).unwrap_or("")
    }

    /// The resourcepart, if any.
    pub fn resource(&self) -> Option<&str> {
        self.slash.and_then(|s| self.full.get(s + 1..))
    }

    /// Whether the JID has no resource.
    pub fn is_bare(&self) -> bool {
        self.slash.is_none()
    }

    /// Whether the JID has a resource.
    pub fn is_full(&self) -> bool {
        self.slash.is_some()
    }

    /// The JID without its resource.
    pub fn bare(&self) -> Jid {
        let end = self.slash.unwrap_or(self.full.len());
        Jid {
            full: self.full.get(..end).unwrap_or("").to_owned(),
            node_len: self.node_len,
            slash: None,
        }
    }

    /// The JID of the domain alone (no localpart, no resource).
    pub fn domain_jid(&self) -> Jid {
        Jid {
            full: self.domain().to_owned(),
            node_len: None,
            slash: None,
        }
    }

    /// This JID's bare form with resource `resource`.
    ///
    /// # Errors
    /// [`JidError::EmptyResource`], [`JidError::ResourceTooLong`] or
    /// [`JidError::ResourceForbiddenChar`] if `resource` is not valid.
    pub fn with_resource(&self, resource: &str) -> Result<Jid, JidError> {
        let resource = check_resource(resource)?;
        let mut jid = self.bare();
        jid.slash = Some(jid.full.len());
        jid.full.push('/');
        jid.full.push_str(resource);
        Ok(jid)
    }

    /// The normalised text of the JID.
    pub fn as_str(&self) -> &str {
        &self.full
    }
}

fn normalise_node(node: &str) -> Result<String, JidError> {
    if node.is_empty() {
        return Err(JidError::EmptyNode);
    }
    if node.chars().any(|c| {
        matches!(c, '"' | '&' | '\'' | '/' | ':' | '<' | '>' | '@')
            || c.is_whitespace()
            || c.is_control()
    }) {
        return Err(JidError::NodeForbiddenChar);
    }
    let node = node.to_lowercase();
    if node.len() > MAX_PART {
        return Err(JidError::NodeTooLong);
    }
    Ok(node)
}

fn normalise_domain(domain: &str) -> Result<String, JidError> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.is_empty() {
        return Err(JidError::EmptyDomain);
    }
    if domain.len() > MAX_PART * 4 {
        // Cannot get below the limit by lower-casing: fail before working.
        return Err(JidError::DomainTooLong);
    }
    if let Some(inner) = domain.strip_prefix('[') {
        let addr = inner
            .strip_suffix(']')
            .and_then(|a| Ipv6Addr::from_str(a).ok())
            .ok_or(JidError::DomainInvalid)?;
        return Ok(format!("[{addr}]"));
    }
    let domain = domain.to_lowercase();
    for label in domain.split('.') {
        let valid = if label.is_ascii() {
            !label.is_empty()
                && label.len() <= MAX_LABEL
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        } else {
            label.chars().all(|c| {
                !c.is_whitespace()
                    && !c.is_control()
                    && !(c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            })
        };
        if !valid {
            return Err(JidError::DomainInvalid);
        }
    }
    if domain.len() > MAX_PART {
        return Err(JidError::DomainTooLong);
    }
    Ok(domain)
}

fn check_resource(resource: &str) -> Result<&str, JidError> {
    if resource.is_empty() {
        return Err(JidError::EmptyResource);
    }
    if resource.len() > MAX_PART {
        return Err(JidError::ResourceTooLong);
    }
    if resource.chars().any(char::is_control) {
        return Err(JidError::ResourceForbiddenChar);
    }
    Ok(resource)
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl fmt::Debug for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jid({:?})", self.full)
    }
}

impl FromStr for Jid {
    type Err = JidError;

    /// Same as [`Jid::new`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Jid::new(s)
    }
}

impl TryFrom<&str> for Jid {
    type Error = JidError;

    /// Same as [`Jid::new`].
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Jid::new(s)
    }
}

impl AsRef<str> for Jid {
    fn as_ref(&self) -> &str {
        &self.full
    }
}

impl From<Jid> for String {
    fn from(jid: Jid) -> Self {
        jid.full
    }
}

#[cfg(test)]
mod tests;
