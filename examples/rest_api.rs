// cargo run --example rest_api [ADDR]
//! A JSON CRUD resource kept in memory, on the router:
//!
//! ```text
//! curl -s localhost:8080/todos -d '{"title":"milk"}'
//! curl -s localhost:8080/todos/1
//! curl -s -X PUT localhost:8080/todos/1 -d '{"title":"oat milk","done":true}'
//! curl -s -X DELETE localhost:8080/todos/1
//! ```

use jaxl::http::{Response, Routes, Server};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

#[derive(Default)]
struct Store {
    next_id: u64,
    todos: BTreeMap<u64, Value>,
}

type Db = Rc<RefCell<Store>>;

fn send(res: &Response, status: u16, body: &Value) {
    res.write_head(status, &[("Content-Type", "application/json")]);
    res.end(format!("{body}\n"));
}

fn id_of(req: &jaxl::http::Request) -> Option<u64> {
    req.param("id")?.parse().ok()
}

/// Parse a JSON object body, answering 400 when it is not one.
fn parse_object(body: &[u8], res: &Response) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => {
            send(res, 400, &json!({ "error": "expected a JSON object" }));
            None
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let db: Db = Rc::default();
    let (list, create, read, update, delete) = (db.clone(), db.clone(), db.clone(), db.clone(), db);
    let routes = Routes::new()
        .get("/todos", move |_req, res| {
            let all: Vec<Value> = list.borrow().todos.values().cloned().collect();
            send(&res, 200, &Value::Array(all));
        })
        .post("/todos", move |req, res| {
            let db = create.clone();
            req.on_body(move |body| {
                let Some(mut todo) = parse_object(body, &res) else {
                    return;
                };
                let mut db = db.borrow_mut();
                db.next_id += 1;
                let id = db.next_id;
                todo.insert("id".into(), json!(id));
                todo.entry("done").or_insert(json!(false));
                let todo = Value::Object(todo);
                db.todos.insert(id, todo.clone());
                res.set_header("Location", &format!("/todos/{id}"));
                send(&res, 201, &todo);
            });
        })
        .get("/todos/:id", move |req, res| {
            match id_of(req).and_then(|id| read.borrow().todos.get(&id).cloned()) {
                Some(todo) => send(&res, 200, &todo),
                None => send(&res, 404, &json!({ "error": "no such todo" })),
            }
        })
        .put("/todos/:id", move |req, res| {
            let db = update.clone();
            let id = id_of(req);
            req.on_body(move |body| {
                let Some(mut todo) = parse_object(body, &res) else {
                    return;
                };
                let mut db = db.borrow_mut();
                match id.and_then(|id| db.todos.get_mut(&id).map(|t| (id, t))) {
                    Some((id, slot)) => {
                        todo.insert("id".into(), json!(id));
                        *slot = Value::Object(todo);
                        send(&res, 200, slot);
                    }
                    None => send(&res, 404, &json!({ "error": "no such todo" })),
                }
            });
        })
        .delete("/todos/:id", move |req, res| {
            match id_of(req).and_then(|id| delete.borrow_mut().todos.remove(&id)) {
                Some(_) => {
                    res.write_head(204, &[]);
                    res.end("");
                }
                None => send(&res, 404, &json!({ "error": "no such todo" })),
            }
        });
    let server = Server::new(routes).listen(addr.as_str())?;
    println!(
        "REST API at http://{}/todos",
        server.local_addr().map_or(addr, |a| a.to_string())
    );
    server.run()
}
