use super::*;
use std::collections::HashSet;

#[test]
fn test_simple() {
    type Row = (
        &'static str,
        Option<&'static str>,
        &'static str,
        Option<&'static str>,
    );
    let table: &[Row] = &[
        ("example.com", None, "example.com", None),
        ("juliet@example.com", Some("juliet"), "example.com", None),
        (
            "juliet@example.com/balcony",
            Some("juliet"),
            "example.com",
            Some("balcony"),
        ),
        ("example.com/foo bar", None, "example.com", Some("foo bar")),
        (
            "juliet@example.com/foo@bar",
            Some("juliet"),
            "example.com",
            Some("foo@bar"),
        ),
        ("example.com/a/b", None, "example.com", Some("a/b")),
        ("example.com/@", None, "example.com", Some("@")),
        ("[::1]", None, "[::1]", None),
        ("u@[2001:DB8::1]/r", Some("u"), "[2001:db8::1]", Some("r")),
        ("example.com.", None, "example.com", None),
        ("127.0.0.1", None, "127.0.0.1", None),
        ("user@localhost", Some("user"), "localhost", None),
        ("юзер@пример.рф", Some("юзер"), "пример.рф", None),
        (
            "x@_srv.example-1.com",
            Some("x"),
            "_srv.example-1.com",
            None,
        ),
        (
            "el-niño@example.com/♚",
            Some("el-niño"),
            "example.com",
            Some("♚"),
        ),
        ("a.b+c_d@example.com", Some("a.b+c_d"), "example.com", None),
    ];
    for &(input, node, domain, resource) in table {
        let jid = Jid::new(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(jid.node(), node, "{input}");
        assert_eq!(jid.domain(), domain, "{input}");
        assert_eq!(jid.resource(), resource, "{input}");
        assert_eq!(jid.is_bare(), resource.is_none(), "{input}");
        assert_eq!(jid.is_full(), resource.is_some(), "{input}");
        // Display gives back something that parses to the same JID.
        assert_eq!(Jid::new(jid.as_str()), Ok(jid.clone()), "{input}");
        assert_eq!(jid.to_string(), jid.as_str());
        let parts = Jid::from_parts(node, domain, resource).unwrap();
        assert_eq!(parts, jid, "{input}");
    }
}

#[test]
fn test_invalid() {
    let long = "a".repeat(1024);
    let label = "a".repeat(64);
    let long_domain = format!("{}.com", ["abcdefghi"; 103].join("."));
    let long_node = format!("{long}@example.com");
    let long_res = format!("example.com/{long}");
    let long_label = format!("{label}.com");
    let table: &[(&str, JidError)] = &[
        ("", JidError::EmptyDomain),
        (".", JidError::EmptyDomain),
        ("@example.com", JidError::EmptyNode),
        ("juliet@", JidError::EmptyDomain),
        ("juliet@/r", JidError::EmptyDomain),
        ("/res", JidError::EmptyDomain),
        ("example.com/", JidError::EmptyResource),
        ("juliet@example.com/", JidError::EmptyResource),
        ("ju liet@example.com", JidError::NodeForbiddenChar),
        ("ju\"liet@example.com", JidError::NodeForbiddenChar),
        ("ju&liet@example.com", JidError::NodeForbiddenChar),
        ("ju'liet@example.com", JidError::NodeForbiddenChar),
        ("ju:liet@example.com", JidError::NodeForbiddenChar),
        ("ju<liet@example.com", JidError::NodeForbiddenChar),
        ("ju>liet@example.com", JidError::NodeForbiddenChar),
        ("ju\u{7}liet@example.com", JidError::NodeForbiddenChar),
        ("ju\u{a0}liet@example.com", JidError::NodeForbiddenChar),
        ("a@b@c", JidError::DomainInvalid),
        ("example..com", JidError::DomainInvalid),
        ("example.com..", JidError::DomainInvalid),
        (".example.com", JidError::DomainInvalid),
        ("exa mple.com", JidError::DomainInvalid),
        ("example.com:5222", JidError::DomainInvalid),
        ("exa<mple.com", JidError::DomainInvalid),
        ("exämple.c<m", JidError::DomainInvalid),
        ("exä mple.com", JidError::DomainInvalid),
        ("[::1", JidError::DomainInvalid),
        ("[zz]", JidError::DomainInvalid),
        ("[127.0.0.1]", JidError::DomainInvalid),
        ("::1", JidError::DomainInvalid),
        (&long_label, JidError::DomainInvalid),
        (&long_node, JidError::NodeTooLong),
        (&long_domain, JidError::DomainTooLong),
        (&long_res, JidError::ResourceTooLong),
        ("example.com/a\u{7}b", JidError::ResourceForbiddenChar),
        ("example.com/a\nb", JidError::ResourceForbiddenChar),
    ];
    for &(input, err) in table {
        assert_eq!(Jid::new(input), Err(err), "{input:?}");
        assert!(!err.message().is_empty());
    }
    assert_eq!(
        Jid::from_parts(Some(""), "example.com", None),
        Err(JidError::EmptyNode)
    );
    assert_eq!(
        Jid::from_parts(Some("a@b"), "example.com", None),
        Err(JidError::NodeForbiddenChar)
    );
    assert_eq!(
        Jid::from_parts(None, "example.com/x", None),
        Err(JidError::DomainInvalid)
    );
}

#[test]
fn test_boundaries() {
    let node = "a".repeat(1023);
    let res = "r".repeat(1023);
    let domain = format!("{}.com", ["abcdefghi"; 101].join("."));
    assert!(domain.len() <= 1023);
    let jid = Jid::new(&format!("{node}@{domain}/{res}")).unwrap();
    assert_eq!(jid.node().map(str::len), Some(1023));
    assert_eq!(jid.resource().map(str::len), Some(1023));
    assert!(Jid::new(&"a".repeat(63)).is_ok());
}

#[test]
fn test_normalise() {
    let table: &[(&str, &str)] = &[
        ("JULIET@EXAMPLE.COM/Balcony", "juliet@example.com/Balcony"),
        ("Example.COM.", "example.com"),
        ("ΣΑΣ@example.com", "σας@example.com"),
        ("Ñandú@Ejemplo.ES", "ñandú@ejemplo.es"),
        ("[2001:DB8:0:0::1]", "[2001:db8::1]"),
        ("x@[0:0:0:0:0:0:0:1]/R", "x@[::1]/R"),
        ("a@ПРИМЕР.РФ", "a@пример.рф"),
        ("a@\u{212A}.com", "a@k.com"),
    ];
    for &(input, want) in table {
        let jid = Jid::new(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(jid.as_str(), want, "{input}");
        assert_eq!(jid, Jid::new(want).unwrap(), "{input}");
    }
}

#[test]
fn test_eq_hash_ord() {
    let a = Jid::new("Romeo@Example.net").unwrap();
    let b = Jid::new("romeo@example.net.").unwrap();
    assert_eq!(a, b);
    let set: HashSet<Jid> = [a.clone(), b].into_iter().collect();
    assert_eq!(set.len(), 1);
    let mut v: Vec<Jid> = ["c@x", "a@x", "b@x/r", "b@x"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    v.sort();
    let sorted: Vec<String> = v.iter().map(ToString::to_string).collect();
    assert_eq!(sorted, ["a@x", "b@x", "b@x/r", "c@x"]);
    assert_ne!(
        Jid::new("x@y/R").unwrap(),
        Jid::new("x@y/r").unwrap(),
        "resources are case-sensitive"
    );
}

#[test]
fn test_bare_and_resource() {
    let full = Jid::new("juliet@example.com/balcony").unwrap();
    let bare = full.bare();
    assert_eq!(bare.as_str(), "juliet@example.com");
    assert!(bare.is_bare());
    assert_eq!(bare.node(), Some("juliet"));
    assert_eq!(bare.resource(), None);
    let other = full.with_resource("chamber/2").unwrap();
    assert_eq!(other.as_str(), "juliet@example.com/chamber/2");
    assert_eq!(other.resource(), Some("chamber/2"));
    assert_eq!(other.domain(), "example.com");
    assert_eq!(full.with_resource(""), Err(JidError::EmptyResource));
    assert_eq!(full.domain_jid().as_str(), "example.com");
    let domain_only = Jid::new("example.com/x").unwrap();
    assert_eq!(domain_only.bare().as_str(), "example.com");
    assert_eq!(domain_only.bare().node(), None);
    assert_eq!(format!("{full:?}"), "Jid(\"juliet@example.com/balcony\")");
    assert_eq!(String::from(full.clone()), full.to_string());
    let t: Result<Jid, _> = "x@y".try_into();
    assert!(t.is_ok());
}
