//! The attribute-value grammar shared by SCRAM messages (RFC 5802 §7).

use crate::sasl::SaslError;
use base64::Engine as _;

/// Most attributes accepted in one message (the longest legal message has 5).
const MAX_ATTRS: usize = 16;

/// Splits `a=value,b=value` into `(letter, value)` pairs. Attribute names are one ASCII
/// letter; anything else (an empty attribute, a missing `=`) is [`SaslError::Malformed`].
pub(crate) fn parse_attrs(msg: &str) -> Result<Vec<(char, &str)>, SaslError> {
    let mut out = Vec::new();
    for part in msg.split(',') {
        let mut chars = part.chars();
        let name = chars.next().ok_or(SaslError::Malformed)?;
        if !name.is_ascii_alphabetic() || chars.next() != Some('=') {
            return Err(SaslError::Malformed);
        }
        if out.len() == MAX_ATTRS {
            return Err(SaslError::Malformed);
        }
        out.push((name, &part[2..]));
    }
    Ok(out)
}

/// Decodes a base64 attribute value.
pub(crate) fn b64(value: &str) -> Result<Vec<u8>, SaslError> {
    base64::engine::general_purpose::STANDARD
        .decode(value.as_bytes())
        .map_err(|_| SaslError::InvalidBase64)
}

/// Encodes an attribute value in base64.
pub(crate) fn b64_encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Escapes a user name for `n=`/`a=`: `=` → `=3D`, `,` → `=2C`.
pub(crate) fn saslname(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

/// Reverses [`saslname`]; any other `=` escape is [`SaslError::Malformed`].
pub(crate) fn unescape_saslname(value: &str) -> Result<String, SaslError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(pos) = rest.find('=') {
        out.push_str(&rest[..pos]);
        let esc = rest.get(pos..pos + 3).ok_or(SaslError::Malformed)?;
        match esc {
            "=3D" => out.push('='),
            "=2C" => out.push(','),
            _ => return Err(SaslError::Malformed),
        }
        rest = &rest[pos + 3..];
    }
    out.push_str(rest);
    Ok(out)
}
