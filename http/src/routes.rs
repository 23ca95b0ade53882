//! [`Routes`]: a [`Router`](crate::router::Router) of request handlers that is
//! itself a [`Service`].

use crate::router::{Lookup, Router, ANY};
use crate::{Request, Response, Service};
use std::rc::Rc;

type HandlerFn = Rc<dyn Fn(&mut Request, Response)>;

/// A table of request handlers by method and path pattern (`/users/:id`, `/static/*`;
/// see [`router`](crate::router) for the matching rules), usable directly as the
/// server's service:
///
/// ```no_run
/// use jaxl_http::{Routes, Server};
/// let routes = Routes::new()
///     .get("/users/:id", |req, res| {
///         let id = req.param("id").unwrap_or("");
///         res.end(format!("user {id}\n"));
///     });
/// Server::new(routes).listen("127.0.0.1:8080")?.run()
/// # ; Ok::<(), std::io::Error>(())
/// ```
///
/// A path no route matches is answered 404; a path matched only for other
/// methods is answered 405 with an `Allow` header. Route parameters are read with
/// [`Request::param`], percent-decoded (`/users/a%20b` gives `a b`); a parameter
/// with an invalid encoding (`%zz`, or bytes that are not UTF-8) is answered 400. Handlers are `Fn`: keep mutable state in a `RefCell` (or
/// loop state). Cloning a `Routes` shares its handlers.
#[derive(Clone, Default)]
pub struct Routes {
    router: Router<HandlerFn>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Routes")
    }
}

impl Routes {
    /// An empty table (every request is answered 404).
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a handler for `method` (exact; `"*"` for any method) and `pattern`.
    ///
    /// # Panics
    /// On a malformed pattern (see [`Router::route`]).
    pub fn route(
        mut self,
        method: &str,
        pattern: &str,
        f: impl Fn(&mut Request, Response) + 'static,
    ) -> Self {
        self.router.route(method, pattern, Rc::new(f));
        self
    }

    /// Add a `GET` handler (also serving `HEAD`, whose body is dropped).
    pub fn get(self, pattern: &str, f: impl Fn(&mut Request, Response) + 'static) -> Self {
        self.route("GET", pattern, f)
    }

    /// Add a `POST` handler.
    pub fn post(self, pattern: &str, f: impl Fn(&mut Request, Response) + 'static) -> Self {
        self.route("POST", pattern, f)
    }

    /// Add a `PUT` handler.
    pub fn put(self, pattern: &str, f: impl Fn(&mut Request, Response) + 'static) -> Self {
        self.route("PUT", pattern, f)
    }

    /// Add a `PATCH` handler.
    pub fn patch(self, pattern: &str, f: impl Fn(&mut Request, Response) + 'static) -> Self {
        self.route("PATCH", pattern, f)
    }

    /// Add a `DELETE` handler.
    pub fn delete(self, pattern: &str, f: impl Fn(&mut Request, Response) + 'static) -> Self {
        self.route("DELETE", pattern, f)
    }

    /// Add a handler for every method.
    pub fn any(self, pattern: &str, f: impl Fn(&mut Request, Response) + 'static) -> Self {
        self.route(ANY, pattern, f)
    }
}

impl Service for Routes {
    fn call(&mut self, req: &mut Request, res: Response, _cx: &mut jaxl_core::Context<'_>) {
        let mut params = std::mem::take(&mut req.params);
        let found = match self.router.lookup(req.method(), req.path(), &mut params) {
            Lookup::Found(_) if !params.decode(req.path()) => {
                req.params = params;
                res.write_head(400, &[("Content-Type", "text/plain")]);
                res.end("Bad Request: invalid percent-encoding in path\n");
                return;
            }
            Lookup::Found(h) => Ok(Rc::clone(h)),
            Lookup::NotFound => Err(None),
            Lookup::MethodNotAllowed(allow) => Err(Some(allow)),
        };
        req.params = params;
        match found {
            Ok(h) => h(req, res),
            Err(None) => {
                res.write_head(404, &[("Content-Type", "text/plain")]);
                res.end("Not Found\n");
            }
            Err(Some(allow)) => {
                res.write_head(405, &[("Content-Type", "text/plain"), ("Allow", &allow)]);
                res.end("Method Not Allowed\n");
            }
        }
    }
}
