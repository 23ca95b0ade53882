//! Fluent construction of [`Element`]s.

use super::Element;

/// Builds an [`Element`] step by step; made by [`Element::builder`].
///
/// ```
/// use jaxl_xmpp::{ns, Element};
///
/// let msg = Element::builder("message", ns::CLIENT)
///     .attr("to", "juliet@example.com")
///     .attr("type", "chat")
///     .append(Element::builder("body", ns::CLIENT).text("Art thou not Romeo?"))
///     .build();
/// assert_eq!(msg.get_child("body", ns::CLIENT).map(|b| b.text()).as_deref(),
///            Some("Art thou not Romeo?"));
/// ```
#[derive(Debug, Clone)]
#[must_use = "call build() to get the element"]
pub struct ElementBuilder {
    el: Element,
}

impl ElementBuilder {
    pub(crate) fn new(el: Element) -> Self {
        ElementBuilder { el }
    }

    /// Sets the attribute `name` (in no namespace) to `value`.
    pub fn attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.el.set_attr(name, value);
        self
    }

    /// Sets the attribute `name` to `value` if `value` is `Some`.
    pub fn attr_opt(mut self, name: impl Into<String>, value: Option<impl Into<String>>) -> Self {
        if let Some(v) = value {
            self.el.set_attr(name, v);
        }
        self
    }

    /// Sets the attribute `name` in namespace `ns` to `value`.
    pub fn attr_ns(mut self, name: impl Into<String>, ns: &str, value: impl Into<String>) -> Self {
        self.el.set_attr_ns(name, Some(ns), value);
        self
    }

    /// Appends a child element (an [`Element`] or another builder).
    pub fn append(mut self, child: impl Into<Element>) -> Self {
        self.el.append_child(child.into());
        self
    }

    /// Appends every element of `children`.
    pub fn append_all<I>(mut self, children: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Element>,
    {
        for c in children {
            self.el.append_child(c.into());
        }
        self
    }

    /// Appends character data (merged with text just before it).
    pub fn text(mut self, text: impl AsRef<str>) -> Self {
        self.el.append_text(text.as_ref());
        self
    }

    /// Finishes the element.
    pub fn build(self) -> Element {
        self.el
    }
}

impl From<ElementBuilder> for Element {
    fn from(b: ElementBuilder) -> Self {
        b.build()
    }
}
