//! Serialisation of [`Element`]s.

use std::fmt::{self, Write};

use super::{Element, Node};
use crate::ns;
use crate::xml::chars::{write_attr_value, write_text};

/// Writes `el` given the default namespace in scope and whether the `stream`
/// prefix is bound to the streams namespace.
///
/// Elements in the streams namespace are written with the `stream` prefix
/// (declared on them when not yet bound), elements in the XML namespace with
/// the `xml` prefix; others are written unprefixed, with
/// an `xmlns` declaration where their namespace differs from the one in
/// scope. Namespaced attributes get generated prefixes declared on their
/// element. Recursion depth is the depth of the element tree.
pub(crate) fn write_element<W: Write>(
    el: &Element,
    out: &mut W,
    default_ns: &str,
    stream_bound: bool,
) -> fmt::Result {
    // Elements in the streams and XML namespaces are written with their
    // reserved prefixes; others in the default namespace.
    let prefix = match &*el.ns {
        ns::STREAM => Some("stream:"),
        ns::XML => Some("xml:"),
        _ => None,
    };
    let is_stream = el.ns == ns::STREAM;
    let mut child_default = default_ns;
    let mut stream_here = stream_bound;
    out.write_char('<')?;
    if let Some(p) = prefix {
        out.write_str(p)?;
    }
    out.write_str(&el.name)?;
    if prefix.is_some() {
        if is_stream && !stream_bound {
            out.write_str(" xmlns:stream='")?;
            write_attr_value(out, ns::STREAM)?;
            out.write_char('\'')?;
            stream_here = true;
        }
    } else if el.ns != default_ns {
        out.write_str(" xmlns='")?;
        write_attr_value(out, &el.ns)?;
        out.write_char('\'')?;
        child_default = &el.ns;
    }
    let mut prefixes: Vec<&str> = Vec::new();
    for attr in &el.attrs {
        if attr.ns.is_none() && (attr.name == "xmlns" || attr.name.starts_with("xmlns:")) {
            continue;
        }
        out.write_char(' ')?;
        match attr.ns.as_deref() {
            None => {}
            Some(uri) if uri == ns::STREAM && stream_here => out.write_str("stream:")?,
            Some(uri) => {
                let i = match prefixes.iter().position(|p| *p == uri) {
                    Some(i) => i,
                    None => {
                        prefixes.push(uri);
                        let i = prefixes.len() - 1;
                        write!(out, "xmlns:ns{i}='")?;
                        write_attr_value(out, uri)?;
                        out.write_str("' ")?;
                        i
                    }
                };
                write!(out, "ns{i}:")?;
            }
        }
        out.write_str(&attr.name)?;
        out.write_str("='")?;
        write_attr_value(out, &attr.value)?;
        out.write_char('\'')?;
    }
    if el.children.is_empty() {
        return out.write_str("/>");
    }
    out.write_char('>')?;
    for child in &el.children {
        match child {
            Node::Element(e) => write_element(e, out, child_default, stream_here)?,
            Node::Text(t) => write_text(out, t)?,
        }
    }
    out.write_str("</")?;
    if let Some(p) = prefix {
        out.write_str(p)?;
    }
    out.write_str(&el.name)?;
    out.write_char('>')
}
