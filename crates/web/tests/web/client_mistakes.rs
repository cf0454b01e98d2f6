//! No client mistake is a server error. Every operation the OpenAPI document lists, and
//! every route the page router declares, is sent the mistakes clients make: ids that are
//! not ids or name nothing; bodies that are empty, cut short, not UTF-8, of the wrong shape,
//! with one field of the wrong type, or with every text far too long; forms with a missing
//! or wrong CSRF token, repeated fields and values of the wrong kind. Each must be answered
//! with a 2xx, 3xx or 4xx — never a 5xx, and never a panic.

use crate::page_forms::{form_mistakes, forms_of};
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haven_domain::access::Role;
use haven_store::Store;
use serde_json::{Map, Value, json};

// Both stores: PostgreSQL refuses text that SQLite keeps (a NUL).
on_both_stores!(
    no_client_mistake_is_a_server_error,
    a_control_character_in_a_display_name_is_refused_with_the_field_named,
);

/// A failure list, so one run names every mistake that became a server error.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn check(&mut self, what: &str, r: &Reply) {
        if r.status.is_server_error() {
            self.0
                .push(format!("{what} → {}: {:.200}", r.status, r.body));
        }
    }
}

/// The ids a path parameter is given: one that names a record the caller may see (where
/// there is one), one that names nothing, and two that are not ids at all.
fn ids(real: &str) -> [String; 4] {
    [
        real.to_owned(),
        "00000000-0000-4000-8000-000000000000".into(),
        "not-an-id".into(),
        "%E2%82".into(),
    ]
}

/// `path` with every `{param}` replaced by `id`.
fn fill(path: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        out.push_str(id);
        rest = rest[start..].split_once('}').map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out
}

/// A value of the right JSON type for a schema property, and one of the wrong type.
fn plausible_and_wrong(schema: &Value) -> (Value, Value) {
    let kind = match &schema["type"] {
        Value::String(s) => s.as_str(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("string"),
        _ => "object",
    };
    match kind {
        "string" => (json!("x"), json!(17)),
        "integer" | "number" => (json!(1), json!("one")),
        "boolean" => (json!(true), json!("yes")),
        "array" => (json!([]), json!({ "not": "a list" })),
        _ => (json!({}), json!([1, 2])),
    }
}

/// The bodies sent to an operation whose request body has `schema`.
fn json_bodies(schema: Option<&Value>) -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = [
        "",
        "{",
        "null",
        "[]",
        "{}",
        r#"{"unexpected": 1}"#,
        "\"a string\"",
    ]
    .iter()
    .map(|b| b.as_bytes().to_vec())
    .collect();
    bodies.push(vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']);
    bodies.push(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes());
    let Some(props) = schema.and_then(|s| s["properties"].as_object()) else {
        return bodies;
    };
    let plausible: Map<String, Value> = props
        .iter()
        .map(|(k, v)| (k.clone(), plausible_and_wrong(v).0))
        .collect();
    for (name, prop) in props {
        let mut one_wrong = plausible.clone();
        one_wrong.insert(name.clone(), plausible_and_wrong(prop).1);
        bodies.push(Value::Object(one_wrong).to_string().into_bytes());
    }
    let too_long: Map<String, Value> = plausible
        .iter()
        .map(|(k, v)| {
            let v = if v.is_string() {
                json!("x".repeat(100_000))
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    bodies.push(Value::Object(too_long).to_string().into_bytes());
    bodies
}

fn request(
    method: &str,
    path: &str,
    auth: (&str, &str),
    ctype: &str,
    body: Vec<u8>,
) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header(auth.0, auth.1)
        .header(header::CONTENT_TYPE, ctype)
        .body(Body::from(body))
        .unwrap()
}

/// Every route the page router declares, read from its source so a new page is covered.
fn page_routes() -> Vec<&'static str> {
    let source = include_str!("../../src/pages/mod.rs");
    source
        .split(".route(")
        .skip(1)
        .filter_map(|r| r.split('"').nth(1))
        .collect()
}

/// Posts every mistake of every form on `pages` as `user`, signed in as `session`. Forms
/// about the poster's own account are left out: resetting one's own second factor ends the
/// session, and every later form would only be sent to sign in again.
async fn post_form_mistakes<S: Store>(
    app: &App<S>,
    (user, session): (&User, &str),
    pages: &[String],
    failures: &mut Failures,
) -> usize {
    let cookie = format!("__Host-haven_session={session}");
    let auth = (header::COOKIE.as_str(), cookie.as_str());
    let mut forms = 0;
    for page in pages {
        for form in forms_of(&app.get(page, Some(session)).await.body) {
            if form.fields.iter().any(|(_, v)| *v == user.email) {
                continue;
            }
            forms += 1;
            for body in form_mistakes(&form) {
                let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
                let r = app
                    .send(request("POST", &form.action, auth, FORM, body))
                    .await;
                failures.check(&format!("POST {} {shown}", form.action), &r);
            }
        }
    }
    forms
}

const FORM: &str = "application/x-www-form-urlencoded";

async fn no_client_mistake_is_a_server_error<S: Store>(app: App<S>) {
    let user = app
        .enrolled(app.org_a, "mistakes@example.org", &[Role::CaseManager])
        .await;
    let token = app.token(&user).await;
    let created = app
        .api_post(
            "/api/v1/survivors",
            &token,
            r#"{"pseudonym":"Ada","case":{"exploitation":"labour"}}"#,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let case = serde_json::from_str::<Value>(&created.body).unwrap()["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut failures = Failures::default();
    api_mistakes(&app, &token, &case, &mut failures).await;
    let session = app.session(&user).await;
    page_mistakes(&app, (&user, &session), &case, &mut failures).await;
    assert!(
        failures.0.is_empty(),
        "{} client mistakes were server errors:\n{}",
        failures.0.len(),
        failures.0.join("\n")
    );
}

/// The API, operation by operation, as its OpenAPI document describes it, then its queries.
async fn api_mistakes<S: Store>(app: &App<S>, token: &str, case: &str, failures: &mut Failures) {
    let spec: Value =
        serde_json::from_str(&app.get("/api/v1/openapi.json", None).await.body).unwrap();
    let schemas = &spec["components"]["schemas"];
    let bearer = format!("Bearer {token}");
    let auth = (header::AUTHORIZATION.as_str(), bearer.as_str());
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            operations += 1;
            let method = method.to_uppercase();
            let schema = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .and_then(|r| r.rsplit('/').next())
                .map(|name| &schemas[name]);
            for id in ids(case) {
                let target = fill(path, &id);
                let what = format!("{method} {target}");
                if method == "GET" || method == "DELETE" {
                    let r = app
                        .send(request(
                            &method,
                            &target,
                            auth,
                            "application/json",
                            Vec::new(),
                        ))
                        .await;
                    failures.check(&what, &r);
                    continue;
                }
                // Ids that name nothing get the plain mistakes; the real one gets them all.
                let bodies = if id == case {
                    json_bodies(schema)
                } else {
                    json_bodies(None)
                };
                for body in bodies {
                    let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
                    let r = app
                        .send(request(&method, &target, auth, "application/json", body))
                        .await;
                    failures.check(&format!("{what} {shown}"), &r);
                }
                let r = app
                    .send(request(
                        &method,
                        &target,
                        auth,
                        "text/plain",
                        b"{}".to_vec(),
                    ))
                    .await;
                failures.check(&format!("{what} as text/plain"), &r);
            }
        }
    }
    assert!(
        operations >= 40,
        "the OpenAPI document lists {operations} operations"
    );
    for query in [
        "/api/v1/cases?status=nonsense",
        "/api/v1/cases?status=",
        "/api/v1/cases?%ff=1",
        "/api/v1/search",
        "/api/v1/search?q=",
        "/api/v1/search?q=%ff%fe",
        "/api/v1/search?q=1990-13-45",
        "/api/v1/referrals?state=nonsense",
    ] {
        let r = app.api_get(query, token).await;
        failures.check(query, &r);
    }
    let long_query = format!("/api/v1/search?q={}", "a".repeat(5_000));
    failures.check(
        "a 5,000-character search",
        &app.api_get(&long_query, token).await,
    );
}

/// Every route the page router declares, signed in, with the session's CSRF token and
/// without it, with bodies that are no form at all; then every form the pages offer, as
/// the page fills it and with one field wrong: the case manager's pages, then the
/// administrator's.
async fn page_mistakes<S: Store>(
    app: &App<S>,
    (user, session): (&User, &str),
    case: &str,
    failures: &mut Failures,
) {
    let csrf = app.csrf_of(session).await;
    let cookie = format!("__Host-haven_session={session}");
    let auth = (header::COOKIE.as_str(), cookie.as_str());
    let routes = page_routes();
    assert!(routes.len() > 30, "the page router declares {routes:?}");
    for route in routes {
        if route == "/logout" {
            continue;
        }
        for id in ids(case) {
            let target = fill(route, &id);
            let r = app.get(&target, Some(session)).await;
            failures.check(&format!("GET {target}"), &r);
            let bodies: [Vec<u8>; 5] = [
                Vec::new(),
                b"csrf=wrong".to_vec(),
                format!("csrf={csrf}").into_bytes(),
                format!("csrf={csrf}&{}", "a=1&".repeat(5_000)).into_bytes(),
                [format!("csrf={csrf}&note=").as_bytes(), &[0xff, 0xfe]].concat(),
            ];
            for body in bodies {
                let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
                let r = app.send(request("POST", &target, auth, FORM, body)).await;
                failures.check(&format!("POST {target} {shown}"), &r);
            }
        }
    }

    let case_page = fill("/cases/{id}", case);
    let record_page = fill("/cases/{id}/survivor", case);
    let pages = ["/", "/intake", "/search", "/account", "/referrals"]
        .map(str::to_owned)
        .into_iter()
        .chain([case_page, record_page])
        .collect::<Vec<_>>();
    let forms = post_form_mistakes(app, (user, session), &pages, failures).await;
    assert!(forms > 10, "the case manager's pages offer {forms} forms");
    let admin = app
        .enrolled(app.org_a, "admin.mistakes@example.org", &[Role::Admin])
        .await;
    let admin_session = app.session(&admin).await;
    let forms = post_form_mistakes(
        app,
        (&admin, &admin_session),
        &["/admin/users".to_owned()],
        failures,
    )
    .await;
    assert!(forms > 2, "the administrator's page offers {forms} forms");
}

/// A control character in an account's display name (a NUL, which PostgreSQL cannot
/// store; an escape sequence) is refused with the field named, and no account is added.
async fn a_control_character_in_a_display_name_is_refused_with_the_field_named<S: Store>(
    app: App<S>,
) {
    let admin = app
        .enrolled(app.org_a, "admin.names@example.org", &[Role::Admin])
        .await;
    let session = app.session(&admin).await;
    let csrf = app.csrf_of(&session).await;
    let before = app.audit_reasons("user_create").await.len();
    for name in ["Ana\0López", "Ana\u{1b}[31m"] {
        let r = app
            .post_form(
                "/admin/users",
                Some(&session),
                &[
                    ("csrf", &csrf),
                    ("display_name", name),
                    ("email", "ana@example.org"),
                    ("role", "case_manager"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(
            r.body.contains("display_name contains control characters"),
            "{}",
            r.body
        );
    }
    assert_eq!(app.audit_reasons("user_create").await.len(), before);
}
