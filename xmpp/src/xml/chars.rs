//! Character classes of XML 1.0 (fifth edition) and escaping for output.

use std::fmt::{self, Write};

/// Whether `c` is a `Char` of XML 1.0 (§2.2).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether `c` is a `NameStartChar` of XML 1.0 §2.3, without the colon.
fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// Whether `c` is a `NameChar` of XML 1.0 §2.3, without the colon.
fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `s` is an `NCName` of XML Namespaces (a name without colon).
pub(crate) fn is_ncname(s: &str) -> bool {
    // ASCII, nearly every name on the wire: bytes, no decoding.
    if let Some((&first, rest)) = s.as_bytes().split_first() {
        if s.is_ascii() {
            return (first.is_ascii_alphabetic() || first == b'_')
                && rest
                    .iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
        }
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if is_name_start_char(c) => chars.all(is_name_char),
        _ => false,
    }
}

/// Splits a qualified name into `(prefix, local)` if it is a valid `QName`.
pub(crate) fn split_qname(s: &str) -> Option<(Option<&str>, &str)> {
    let colon = s.as_bytes().iter().position(|&c| c == b':');
    match colon.map(|i| (s.get(..i).unwrap_or(""), s.get(i + 1..).unwrap_or(""))) {
        None if is_ncname(s) => Some((None, s)),
        Some((prefix, local)) if is_ncname(prefix) && is_ncname(local) => {
            Some((Some(prefix), local))
        }
        _ => None,
    }
}

/// Whether `s` holds U+FFFE or U+FFFF, which are valid UTF-8 but not XML
/// characters. Control characters are caught while
/// framing, so this is the only character check left for raw input.
pub(crate) fn has_noncharacter(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(off) = b
        .get(i..)
        .and_then(|rest| rest.iter().position(|&x| x == 0xEF))
    {
        let at = i + off;
        if b.get(at + 1) == Some(&0xBF) && matches!(b.get(at + 2), Some(0xBE) | Some(0xBF)) {
            return true;
        }
        i = at + 1;
    }
    false
}

/// Writes `s` as XML character data: `&`, `<`, `>` and `\r` escaped, and any
/// character XML cannot carry replaced by U+FFFD so the output stays
/// well-formed whatever the string holds.
pub(crate) fn write_text<W: Write>(out: &mut W, s: &str) -> fmt::Result {
    write_escaped(out, s, false)
}

/// Writes `s` as an attribute value to be put between single or double
/// quotes: like [`write_text`], plus both quote characters and the
/// whitespace characters that attribute-value normalisation would change.
pub(crate) fn write_attr_value<W: Write>(out: &mut W, s: &str) -> fmt::Result {
    write_escaped(out, s, true)
}

fn write_escaped<W: Write>(out: &mut W, s: &str, attr: bool) -> fmt::Result {
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\r' => "&#13;",
            '\'' if attr => "&apos;",
            '"' if attr => "&quot;",
            '\n' if attr => "&#10;",
            '\t' if attr => "&#9;",
            c if !is_xml_char(c) => "\u{FFFD}",
            _ => continue,
        };
        if let Some(chunk) = s.get(start..i) {
            out.write_str(chunk)?;
        }
        out.write_str(rep)?;
        start = i + c.len_utf8();
    }
    if let Some(rest) = s.get(start..) {
        out.write_str(rest)?;
    }
    Ok(())
}

/// Adapter writing UTF-8 text into a byte vector.
pub(crate) struct VecWriter<'a>(pub(crate) &'a mut Vec<u8>);

impl Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["a", "message", "_x", "a-b.c", "é", "x1", "stream"] {
            assert!(is_ncname(ok), "{ok}");
        }
        for bad in ["", "1a", "-a", "a b", "a:b", "a\"", "a/", ".a"] {
            assert!(!is_ncname(bad), "{bad}");
        }
        assert_eq!(
            split_qname("stream:stream"),
            Some((Some("stream"), "stream"))
        );
        assert_eq!(split_qname("body"), Some((None, "body")));
        for bad in ["a:b:c", ":a", "a:", "", "1:a"] {
            assert_eq!(split_qname(bad), None, "{bad}");
        }
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        write_text(&mut s, "a&b<c>d'\"\r\n\u{1}").unwrap();
        assert_eq!(s, "a&amp;b&lt;c&gt;d'\"&#13;\n\u{FFFD}");
        let mut s = String::new();
        write_attr_value(&mut s, "a&b<c>d'\"\r\n\t").unwrap();
        assert_eq!(s, "a&amp;b&lt;c&gt;d&apos;&quot;&#13;&#10;&#9;");
    }

    #[test]
    fn nonchars() {
        assert!(has_noncharacter("ab\u{FFFE}"));
        assert!(has_noncharacter("\u{FFFF}"));
        assert!(!has_noncharacter("é\u{FFFD}\u{EFBF}x"));
    }
}
