//! Errors of the XML layer and their RFC 6120 stream error conditions.

use std::fmt;

/// Why a stream of XML (or a standalone XML fragment) was rejected.
///
/// Every variant has one static message ([`XmlError::message`]) and maps to
/// the stream error condition of RFC 6120 §4.9.3 that a peer should be sent
/// before the stream is closed ([`XmlError::stream_error_condition`]).
/// Once a [`StreamReader`](super::StreamReader) has returned an error it keeps
/// returning the same error until it is [reset](super::StreamReader::reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum XmlError {
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// The XML declaration names an encoding other than UTF-8.
    UnsupportedEncoding,
    /// A character that XML 1.0 forbids (a control character, U+FFFE, U+FFFF),
    /// raw or through a character reference.
    InvalidChar,
    /// Markup that is not well-formed: a broken tag, an unquoted or
    /// unterminated attribute value, `<` inside an attribute value, a lone `&`,
    /// content outside the root element of a fragment, an unclosed element.
    Malformed,
    /// An element or attribute name that is not a valid XML qualified name.
    InvalidName,
    /// An end tag that does not match the open element.
    MismatchedEndTag,
    /// The same attribute appears twice on one element (after namespace
    /// resolution).
    DuplicateAttribute,
    /// A namespace declaration that XML Namespaces forbids: binding the `xml`
    /// or `xmlns` prefixes or their namespaces, or undeclaring a prefix.
    InvalidNamespaceDeclaration,
    /// An element or attribute uses a prefix that no declaration in scope binds.
    UnboundPrefix,
    /// A reference to an entity other than the five predefined ones
    /// (`&lt;` `&gt;` `&amp;` `&apos;` `&quot;`).
    UndefinedEntity,
    /// An XML comment (forbidden in XMPP by RFC 6120 §11.1).
    Comment,
    /// A document type declaration, or any other `<!` markup declaration such
    /// as an entity declaration (forbidden by RFC 6120 §11.1).
    Doctype,
    /// A processing instruction, or an XML declaration anywhere but at the
    /// start of the stream (forbidden by RFC 6120 §11.1).
    ProcessingInstruction,
    /// The XML declaration is malformed or names an XML version other than 1.0.
    InvalidXmlDeclaration,
    /// Non-whitespace character data directly inside the stream root element.
    TextAtStreamLevel,
    /// The root element of the stream is not named `stream`.
    NotAStream,
    /// The root element of the stream is not in the
    /// `http://etherx.jabber.org/streams` namespace.
    BadStreamNamespace,
    /// A stanza (or the stream header) is longer than
    /// [`Config::max_stanza_bytes`](super::Config::max_stanza_bytes).
    StanzaTooLarge,
    /// Elements are nested deeper than [`Config::max_depth`](super::Config::max_depth).
    TooDeep,
    /// An element has more attributes than
    /// [`Config::max_attributes`](super::Config::max_attributes).
    TooManyAttributes,
    /// More namespace declarations are in scope inside one stanza than
    /// [`Config::max_namespace_bindings`](super::Config::max_namespace_bindings).
    TooManyNamespaces,
}

impl XmlError {
    /// A short static description of the error.
    pub fn message(&self) -> &'static str {
        match self {
            XmlError::InvalidUtf8 => "input is not valid UTF-8",
            XmlError::UnsupportedEncoding => "XML declaration names an encoding other than UTF-8",
            XmlError::InvalidChar => "character not allowed in XML",
            XmlError::Malformed => "malformed XML markup",
            XmlError::InvalidName => "invalid XML name",
            XmlError::MismatchedEndTag => "end tag does not match the open element",
            XmlError::DuplicateAttribute => "duplicate attribute",
            XmlError::InvalidNamespaceDeclaration => "invalid namespace declaration",
            XmlError::UnboundPrefix => "unbound namespace prefix",
            XmlError::UndefinedEntity => "reference to an undefined entity",
            XmlError::Comment => "XML comments are not allowed",
            XmlError::Doctype => "document type and markup declarations are not allowed",
            XmlError::ProcessingInstruction => "processing instructions are not allowed",
            XmlError::InvalidXmlDeclaration => "invalid XML declaration",
            XmlError::TextAtStreamLevel => "character data at stream level",
            XmlError::NotAStream => "root element is not a stream",
            XmlError::BadStreamNamespace => "stream element is not in the streams namespace",
            XmlError::StanzaTooLarge => "stanza exceeds the size limit",
            XmlError::TooDeep => "elements nested too deeply",
            XmlError::TooManyAttributes => "too many attributes on one element",
            XmlError::TooManyNamespaces => "too many namespace declarations in scope",
        }
    }

    /// The RFC 6120 §4.9.3 stream error condition (the element name to put
    /// inside `<stream:error/>`) that reports this error to the peer.
    pub fn stream_error_condition(&self) -> &'static str {
        match self {
            XmlError::InvalidUtf8 | XmlError::UnsupportedEncoding => "unsupported-encoding",
            XmlError::InvalidChar
            | XmlError::Malformed
            | XmlError::InvalidName
            | XmlError::MismatchedEndTag
            | XmlError::DuplicateAttribute
            | XmlError::InvalidNamespaceDeclaration
            | XmlError::InvalidXmlDeclaration => "not-well-formed",
            XmlError::UnboundPrefix => "bad-namespace-prefix",
            XmlError::UndefinedEntity
            | XmlError::Comment
            | XmlError::Doctype
            | XmlError::ProcessingInstruction => "restricted-xml",
            XmlError::TextAtStreamLevel => "bad-format",
            XmlError::NotAStream | XmlError::BadStreamNamespace => "invalid-namespace",
            XmlError::StanzaTooLarge
            | XmlError::TooDeep
            | XmlError::TooManyAttributes
            | XmlError::TooManyNamespaces => "policy-violation",
        }
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for XmlError {}

#[cfg(test)]
mod tests {
    use super::XmlError;

    #[test]
    fn conditions() {
        let table = [
            (XmlError::Comment, "restricted-xml"),
            (XmlError::Doctype, "restricted-xml"),
            (XmlError::ProcessingInstruction, "restricted-xml"),
            (XmlError::UndefinedEntity, "restricted-xml"),
            (XmlError::StanzaTooLarge, "policy-violation"),
            (XmlError::TooDeep, "policy-violation"),
            (XmlError::TooManyAttributes, "policy-violation"),
            (XmlError::MismatchedEndTag, "not-well-formed"),
            (XmlError::UnboundPrefix, "bad-namespace-prefix"),
            (XmlError::InvalidUtf8, "unsupported-encoding"),
            (XmlError::BadStreamNamespace, "invalid-namespace"),
        ];
        for (err, cond) in table {
            assert_eq!(err.stream_error_condition(), cond, "{err:?}");
            assert!(!err.to_string().is_empty());
        }
    }
}
