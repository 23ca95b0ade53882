use super::*;

fn router() -> Router<u32> {
    let mut r = Router::new();
    r.get("/", 1)
        .get("/users", 2)
        .post("/users", 3)
        .get("/users/:id", 4)
        .put("/users/:id", 5)
        .delete("/users/:id", 6)
        .get("/users/me", 7)
        .get("/users/:id/posts/:post", 8)
        .get("/static/*path", 9)
        .route(ANY, "/any", 10)
        .get("/files/*", 11);
    r
}

fn find(
    r: &Router<u32>,
    method: &str,
    path: &str,
) -> (Option<u32>, Vec<(String, String)>, Option<String>) {
    let mut params = Params::new();
    match r.lookup(method, path, &mut params) {
        Lookup::Found(h) => (
            Some(*h),
            params
                .iter(path)
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            None,
        ),
        Lookup::NotFound => (None, Vec::new(), None),
        Lookup::MethodNotAllowed(allow) => (None, Vec::new(), Some(allow)),
    }
}

#[test]
fn matches() {
    let r = router();
    assert_eq!(find(&r, "GET", "/").0, Some(1));
    assert_eq!(find(&r, "GET", "/users").0, Some(2));
    assert_eq!(find(&r, "GET", "/users/").0, Some(2));
    assert_eq!(find(&r, "POST", "/users").0, Some(3));
    let (h, params, _) = find(&r, "GET", "/users/42");
    assert_eq!(h, Some(4));
    assert_eq!(params, vec![("id".to_string(), "42".to_string())]);
    assert_eq!(
        find(&r, "GET", "/users/me").0,
        Some(7),
        "literal beats parameter"
    );
    let (h, params, _) = find(&r, "GET", "/users/7/posts/9");
    assert_eq!(h, Some(8));
    assert_eq!(params[1], ("post".to_string(), "9".to_string()));
    let (h, params, _) = find(&r, "GET", "/static/css/site.css");
    assert_eq!(h, Some(9));
    assert_eq!(
        params,
        vec![("path".to_string(), "css/site.css".to_string())]
    );
    let (h, params, _) = find(&r, "GET", "/files");
    assert_eq!(h, Some(11));
    assert_eq!(params, vec![("*".to_string(), String::new())]);
    assert_eq!(find(&r, "PATCH", "/any").0, Some(10));
    assert_eq!(
        find(&r, "HEAD", "/users/1").0,
        Some(4),
        "HEAD served by GET"
    );
}

#[test]
fn not_found_and_not_allowed() {
    let r = router();
    assert_eq!(find(&r, "GET", "/nope"), (None, vec![], None));
    assert_eq!(find(&r, "GET", "/users/1/posts"), (None, vec![], None));
    assert_eq!(
        find(&r, "GET", "/users//"),
        (None, vec![], None),
        "empty parameter"
    );
    assert_eq!(
        find(&r, "PATCH", "/users/1").2.as_deref(),
        Some("DELETE, GET, HEAD, PUT")
    );
    assert_eq!(
        find(&r, "DELETE", "/users").2.as_deref(),
        Some("GET, HEAD, POST")
    );
}

#[test]
fn params_via_get() {
    let r = router();
    let mut params = Params::new();
    let path = "/users/abc/posts/def";
    assert!(matches!(
        r.lookup("GET", path, &mut params),
        Lookup::Found(8)
    ));
    assert_eq!(params.get("id", path), Some("abc"));
    assert_eq!(params.get("post", path), Some("def"));
    assert_eq!(params.get("nope", path), None);
    assert_eq!(params.len(), 2);
}

#[test]
#[should_panic]
fn wildcard_must_be_last() {
    Router::new().get("/a/*/b", 1);
}

#[test]
fn params_are_percent_decoded() {
    let r = router();
    let path = "/users/a%20b/posts/%E2%82%AC+x";
    let mut params = Params::new();
    assert!(matches!(
        r.lookup("GET", path, &mut params),
        Lookup::Found(8)
    ));
    assert_eq!(params.get("id", path), Some("a%20b"));
    assert!(params.decode(path));
    assert_eq!(params.get("id", path), Some("a b"));
    assert_eq!(params.get("post", path), Some("\u{20ac}+x"));
    let all: Vec<(&str, &str)> = params.iter(path).collect();
    assert_eq!(all, vec![("id", "a b"), ("post", "\u{20ac}+x")]);
    // Plain values are left alone.
    let path = "/users/42";
    assert!(matches!(
        r.lookup("GET", path, &mut params),
        Lookup::Found(4)
    ));
    assert!(params.decode(path));
    assert_eq!(params.get("id", path), Some("42"));
}

#[test]
fn invalid_percent_encodings_are_refused() {
    let r = router();
    for path in [
        "/users/a%2",
        "/users/a%zz",
        "/users/%",
        "/users/%ff",
        "/users/ok/posts/%c3%28",
    ] {
        let mut params = Params::new();
        assert!(
            matches!(r.lookup("GET", path, &mut params), Lookup::Found(_)),
            "{path}"
        );
        assert!(!params.decode(path), "{path}");
        // Left raw.
        assert!(params.iter(path).all(|(_, v)| path.contains(v)), "{path}");
    }
}
