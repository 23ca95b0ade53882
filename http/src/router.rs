//! A small router for REST/JSON APIs: method + path patterns with named
//! parameters and a trailing wildcard.
//!
//! Patterns are split on `/`. A segment `:name` matches any one non-empty segment
//! and captures it; a final `*` (or `*name`) matches the rest of the path, even
//! if empty. When several routes match, the most specific wins: segment by
//! segment, a literal beats a parameter, which beats a wildcard. A `HEAD` request
//! is served by a `GET` route when no `HEAD` route exists.
//!
//! [`Router::lookup`] answers [`Lookup::NotFound`] when no pattern matches the path
//! (answer 404) and [`Lookup::MethodNotAllowed`] with the methods that would match
//! when only the method is wrong (answer 405 with that `Allow` value).
//! [`Router::lookup`] captures parameters as raw path text; [`Params::decode`]
//! percent-decodes them (the [`Routes`](crate::Routes) service does, answering 400
//! for an invalid encoding).

use std::ops::Range;
use std::sync::Arc;

#[derive(Clone, Debug)]
enum Segment {
    Literal(Box<str>),
    Param(Arc<str>),
    Wildcard(Arc<str>),
}

#[derive(Clone, Debug)]
struct Route<H> {
    method: Box<str>,
    segments: Vec<Segment>,
    handler: H,
}

/// Routes from (method, pattern) to handlers of type `H`.
#[derive(Clone, Debug)]
pub struct Router<H> {
    routes: Vec<Route<H>>,
}

impl<H> Default for Router<H> {
    fn default() -> Self {
        Router { routes: Vec::new() }
    }
}

/// Where a parameter's value is: in the matched path, or in the decoded text.
#[derive(Clone, Debug)]
enum Value {
    Path(Range<usize>),
    /// Decoded text, and the raw range it came from.
    Decoded(Range<usize>, Range<usize>),
}

/// Captured path parameters, as ranges into the matched path (or, once
/// [`decode`](Params::decode)d, into text the `Params` holds).
///
/// Reused across lookups: [`Router::lookup`] clears it and keeps its capacity.
#[derive(Clone, Debug, Default)]
pub struct Params {
    items: Vec<(Arc<str>, Value)>,
    /// Percent-decoded values, for parameters that held a `%`.
    decoded: String,
}

/// The value of one hex digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decode `raw` onto `out`. Fails on a `%` not followed by two hex digits
/// or on decoded bytes that are not UTF-8; `out` is then left as it was.
fn percent_decode_into(raw: &str, out: &mut String) -> bool {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut it = raw.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            match (it.next().and_then(hex), it.next().and_then(hex)) {
                (Some(h), Some(l)) => bytes.push((h << 4) | l),
                _ => return false,
            }
        } else {
            bytes.push(b);
        }
    }
    match String::from_utf8(bytes) {
        Ok(s) => {
            out.push_str(&s);
            true
        }
        Err(_) => false,
    }
}

impl Params {
    /// An empty set of parameters.
    pub fn new() -> Self {
        Params::default()
    }

    /// The value of parameter `name` within `path` (the path given to
    /// [`Router::lookup`]); `None` if there is no such parameter.
    pub fn get<'a>(&'a self, name: &str, path: &'a str) -> Option<&'a str> {
        self.items
            .iter()
            .find(|(n, _)| &**n == name)
            .and_then(|(_, v)| self.value(v, path))
    }

    fn value<'a>(&'a self, v: &Value, path: &'a str) -> Option<&'a str> {
        match v {
            Value::Path(r) => path.get(r.clone()),
            Value::Decoded(r, _) => self.decoded.get(r.clone()),
        }
    }

    /// All (name, value) pairs within `path`, in pattern order.
    pub fn iter<'a>(&'a self, path: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.items
            .iter()
            .filter_map(move |(n, v)| self.value(v, path).map(|v| (&**n, v)))
    }

    /// Percent-decode every captured value (`a%20b` becomes `a b`; `+` is kept:
    /// this is a path, not a form). `path` is the path given to
    /// [`Router::lookup`]. Returns false, leaving the values raw, if a `%` is not
    /// followed by two hex digits or a value does not decode to UTF-8: answer 400.
    /// Values without `%` are not copied.
    pub fn decode(&mut self, path: &str) -> bool {
        self.decoded.clear();
        let mut ok = true;
        let mut decoded = std::mem::take(&mut self.decoded);
        for (_, v) in &mut self.items {
            let Value::Path(r) = v else { continue };
            let Some(raw) = path.get(r.clone()) else {
                continue;
            };
            if !raw.contains('%') {
                continue;
            }
            let start = decoded.len();
            if !percent_decode_into(raw, &mut decoded) {
                ok = false;
                break;
            }
            *v = Value::Decoded(start..decoded.len(), r.clone());
        }
        if !ok {
            decoded.clear();
            for (_, v) in &mut self.items {
                if let Value::Decoded(_, raw) = v {
                    *v = Value::Path(raw.clone());
                }
            }
        }
        self.decoded = decoded;
        ok
    }

    /// Number of captured parameters.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was captured.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Forget all parameters, keeping the storage.
    pub fn clear(&mut self) {
        self.items.clear();
        self.decoded.clear();
    }
}

/// The result of [`Router::lookup`].
#[derive(Debug)]
pub enum Lookup<'r, H> {
    /// A route matched; its parameters were written to the `Params`.
    Found(&'r H),
    /// No route matches this path: answer 404.
    NotFound,
    /// Routes match this path but not this method: answer 405 with this value as
    /// the `Allow` header (e.g. `"GET, HEAD, POST"`).
    MethodNotAllowed(String),
}

/// The method that matches every method, for [`Router::route`].
pub const ANY: &str = "*";

impl<H> Router<H> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a route for `method` (exact, case-sensitive; [`ANY`] for all methods).
    ///
    /// # Panics
    /// If `pattern` does not start with `/`, has a `*` segment that is not last,
    /// or has an empty `:` parameter name: these are programming errors, found
    /// the first time the route table is built.
    pub fn route(&mut self, method: &str, pattern: &str, handler: H) -> &mut Self {
        let segments =
            parse_pattern(pattern).unwrap_or_else(|e| panic!("route pattern {pattern:?}: {e}"));
        self.routes.push(Route {
            method: method.into(),
            segments,
            handler,
        });
        self
    }

    /// Add a `GET` route (also serving `HEAD`). Panics as [`route`](Self::route).
    pub fn get(&mut self, pattern: &str, handler: H) -> &mut Self {
        self.route("GET", pattern, handler)
    }

    /// Add a `POST` route. Panics as [`route`](Self::route).
    pub fn post(&mut self, pattern: &str, handler: H) -> &mut Self {
        self.route("POST", pattern, handler)
    }

    /// Add a `PUT` route. Panics as [`route`](Self::route).
    pub fn put(&mut self, pattern: &str, handler: H) -> &mut Self {
        self.route("PUT", pattern, handler)
    }

    /// Add a `PATCH` route. Panics as [`route`](Self::route).
    pub fn patch(&mut self, pattern: &str, handler: H) -> &mut Self {
        self.route("PATCH", pattern, handler)
    }

    /// Add a `DELETE` route. Panics as [`route`](Self::route).
    pub fn delete(&mut self, pattern: &str, handler: H) -> &mut Self {
        self.route("DELETE", pattern, handler)
    }

    /// Find the route for `method` and `path` (the path only, without query),
    /// writing captured parameters to `params`. Allocates only to build the
    /// `Allow` value of a 405.
    pub fn lookup<'r>(&'r self, method: &str, path: &str, params: &mut Params) -> Lookup<'r, H> {
        let mut best: Option<(&Route<H>, Rank)> = None;
        let mut path_matched = false;
        for route in &self.routes {
            let rank = match rank_match(&route.segments, path) {
                Some(r) => r,
                None => continue,
            };
            path_matched = true;
            let method_ok = &*route.method == method
                || &*route.method == ANY
                || (method == "HEAD" && &*route.method == "GET");
            if !method_ok {
                continue;
            }
            // An exact method beats GET-for-HEAD and ANY at equal specificity.
            let exact = &*route.method == method;
            let key = (rank, exact);
            let better = match &best {
                None => true,
                Some((b, brank)) => key > (*brank, &*b.method == method),
            };
            if better {
                best = Some((route, rank));
            }
        }
        match best {
            Some((route, _)) => {
                params.clear();
                capture(&route.segments, path, params);
                Lookup::Found(&route.handler)
            }
            None if path_matched => Lookup::MethodNotAllowed(self.allow_for(path)),
            None => Lookup::NotFound,
        }
    }

    /// The `Allow` value for `path`: the methods of every route matching it.
    fn allow_for(&self, path: &str) -> String {
        let mut methods: Vec<&str> = Vec::new();
        for route in &self.routes {
            if rank_match(&route.segments, path).is_none() {
                continue;
            }
            methods.push(&route.method);
            if &*route.method == "GET" {
                methods.push("HEAD");
            }
        }
        methods.sort_unstable();
        methods.dedup();
        methods.retain(|m| *m != ANY);
        methods.join(", ")
    }
}

fn parse_pattern(pattern: &str) -> Result<Vec<Segment>, &'static str> {
    let rest = pattern.strip_prefix('/').ok_or("must start with '/'")?;
    let parts: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').collect()
    };
    let mut segments = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix(':') {
            if name.is_empty() {
                return Err("empty parameter name");
            }
            segments.push(Segment::Param(name.into()));
        } else if let Some(name) = part.strip_prefix('*') {
            if i + 1 != parts.len() {
                return Err("'*' must be the last segment");
            }
            segments.push(Segment::Wildcard(if name.is_empty() {
                "*".into()
            } else {
                name.into()
            }));
        } else {
            segments.push(Segment::Literal((*part).into()));
        }
    }
    Ok(segments)
}

/// Specificity of a match: per segment 2 for a literal, 1 for a parameter, 0 for
/// a wildcard, packed so that comparing the numbers compares segment by segment.
type Rank = u64;

/// The path's segments after the leading `/`, ignoring one trailing `/`.
fn path_segments(path: &str) -> impl Iterator<Item = (usize, &str)> {
    let body = path.strip_prefix('/').unwrap_or(path);
    let body = body.strip_suffix('/').unwrap_or(body);
    let base = path.len() - path.strip_prefix('/').unwrap_or(path).len();
    let empty = body.is_empty();
    body.split('/')
        .scan(base, |off, seg| {
            let start = *off;
            *off += seg.len() + 1;
            Some((start, seg))
        })
        .filter(move |_| !empty)
}

fn rank_match(segments: &[Segment], path: &str) -> Option<Rank> {
    let mut rank: Rank = 0;
    let mut segs = path_segments(path);
    for (i, pat) in segments.iter().enumerate() {
        let weight = |w: u64| -> u64 {
            if i < 32 {
                w << (2 * (31 - i))
            } else {
                0
            }
        };
        match pat {
            Segment::Wildcard(_) => return Some(rank),
            Segment::Literal(lit) => match segs.next() {
                Some((_, s)) if s == &**lit => rank |= weight(2),
                _ => return None,
            },
            Segment::Param(_) => match segs.next() {
                Some((_, s)) if !s.is_empty() => rank |= weight(1),
                _ => return None,
            },
        }
    }
    if segs.next().is_some() {
        return None;
    }
    Some(rank)
}

fn capture(segments: &[Segment], path: &str, params: &mut Params) {
    let mut segs = path_segments(path);
    for pat in segments {
        match pat {
            Segment::Literal(_) => {
                segs.next();
            }
            Segment::Param(name) => {
                if let Some((start, s)) = segs.next() {
                    params
                        .items
                        .push((name.clone(), Value::Path(start..start + s.len())));
                }
            }
            Segment::Wildcard(name) => {
                let start = match segs.next() {
                    Some((start, _)) => start,
                    None => path.len(),
                };
                params
                    .items
                    .push((name.clone(), Value::Path(start.min(path.len())..path.len())));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests;
