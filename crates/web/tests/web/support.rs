//! A test installation with an injected clock, cheap password hashing and helpers that
//! speak HTTP to the router.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use haven_core::auth::{Acting, AuthSettings, NewUser};
use haven_core::{FixedClock, Haven, system};
use haven_crypto::keyfile::KeyFile;
use haven_crypto::password::PasswordParams;
use haven_crypto::{OsEntropy, totp};
use haven_domain::OrgId;
use haven_domain::access::Role;
pub use haven_store::Store;
use haven_store_postgres::PgStore;
use haven_store_sqlite::{OpenMode, SqlitePaths, SqliteStore};
use http_body_util::BodyExt;
use std::str::FromStr;
use std::sync::Arc;
use time::macros::datetime;
use tower::ServiceExt;

mod replies;
pub use replies::*;

pub const PASSWORD: &str = "a long enough test passphrase";

/// A test installation on SQLite (the default) or, for the tests that must also hold on
/// it, PostgreSQL.
pub struct App<S: Store = SqliteStore> {
    pub haven: Haven<S>,
    pub router: Router,
    pub clock: Arc<FixedClock>,
    pub org_a: OrgId,
    pub org_b: OrgId,
    /// The PostgreSQL database, for tests that reach it directly (`None` on SQLite).
    pub database: Option<sqlx::postgres::PgConnectOptions>,
    _dir: tempfile::TempDir,
}

pub struct User {
    pub email: String,
    pub secret: Option<Vec<u8>>,
}

/// Someone enrolled and signed in on the pages, with the CSRF token their forms carry.
pub struct PageUser {
    pub user: User,
    pub session: String,
    pub csrf: String,
}

/// An enrolment made through the pages: the password-only session it began in, the
/// authenticator's secret, and the answer to the confirmed code.
pub struct Enrolment {
    pub session: String,
    pub secret: Vec<u8>,
    pub done: Reply,
}

/// Declares each named test — an `async fn(App<S>)` generic over the store — twice:
/// `NAME::sqlite`, and `NAME::postgres` in a new database (skipped without
/// `HAVEN_TEST_POSTGRES_URL`, a failure instead under `HAVEN_REQUIRE_POSTGRES=1`).
macro_rules! on_both_stores {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(crate::support::App::new().await).await;
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(app) = crate::support::App::postgres().await {
                    super::$name(app).await;
                }
            }
        }
    )+};
}
pub(crate) use on_both_stores;

impl App {
    pub async fn new() -> App {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&SqlitePaths::in_data_dir(dir.path()), OpenMode::Create)
            .await
            .unwrap();
        App::on(store, dir).await
    }
}

impl App<PgStore> {
    /// An installation in a new PostgreSQL database; `None` when `HAVEN_TEST_POSTGRES_URL`
    /// is not set (a failure instead when `HAVEN_REQUIRE_POSTGRES=1`).
    pub async fn postgres() -> Option<App<PgStore>> {
        use sqlx::Connection;
        let Ok(url) = std::env::var("HAVEN_TEST_POSTGRES_URL") else {
            assert_ne!(
                std::env::var("HAVEN_REQUIRE_POSTGRES").as_deref(),
                Ok("1"),
                "HAVEN_REQUIRE_POSTGRES=1 but HAVEN_TEST_POSTGRES_URL is not set"
            );
            eprintln!("skipping: HAVEN_TEST_POSTGRES_URL is not set");
            return None;
        };
        let admin = sqlx::postgres::PgConnectOptions::from_str(&url).unwrap();
        let name = format!("haven_t_web_{:016x}", rand::random::<u64>());
        let mut conn = sqlx::PgConnection::connect_with(&admin).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        let database = admin.database(&name);
        let store = PgStore::connect_with(database.clone()).await.unwrap();
        let mut app = App::on(store, tempfile::tempdir().unwrap()).await;
        app.database = Some(database);
        Some(app)
    }
}

impl<S: Store> App<S> {
    /// A new installation on `store`, with two organisations.
    async fn on(store: S, dir: tempfile::TempDir) -> App<S> {
        let clock = Arc::new(FixedClock::new(datetime!(2026-11-28 12:00 UTC)));
        let haven = Haven::init(
            store,
            KeyFile::generate(&OsEntropy),
            clock.clone(),
            Arc::new(OsEntropy),
        )
        .await
        .unwrap()
        .with_auth(AuthSettings {
            password: PasswordParams::TESTING,
            ..AuthSettings::default()
        });
        let org_a = haven
            .create_org(system("test"), "Harbour Light NGO", "ngo")
            .await
            .unwrap();
        let org_b = haven
            .create_org(system("test"), "Northside Clinic", "clinic")
            .await
            .unwrap();
        let router = haven_web::router(haven.clone());
        App {
            haven,
            router,
            clock,
            org_a,
            org_b,
            database: None,
            _dir: dir,
        }
    }

    /// The same installation with a different idle timeout (`session_idle_minutes`).
    pub fn with_idle_timeout(self, idle: time::Duration) -> Self {
        self.with_auth(AuthSettings {
            password: PasswordParams::TESTING,
            idle_timeout: idle,
            ..AuthSettings::default()
        })
    }

    /// The same installation with other authentication settings.
    pub fn with_auth(mut self, settings: AuthSettings) -> Self {
        self.haven = self.haven.clone().with_auth(settings);
        self.router = haven_web::router(self.haven.clone());
        self
    }

    /// An account with a password and no second factor yet.
    pub async fn account(&self, org: OrgId, email: &str, roles: &[Role]) -> User {
        self.haven
            .add_user(
                &Acting::Operator("test".into()),
                NewUser {
                    org,
                    email: email.into(),
                    display_name: email.into(),
                    roles: roles.to_vec(),
                    password: Some(PASSWORD.into()),
                },
            )
            .await
            .unwrap();
        User {
            email: email.into(),
            secret: None,
        }
    }

    /// An account that has enrolled its authenticator through the pages.
    pub async fn enrolled(&self, org: OrgId, email: &str, roles: &[Role]) -> User {
        let mut user = self.account(org, email, roles).await;
        let e = self.enrol_through_pages(&user).await;
        assert_eq!(e.done.status, StatusCode::OK, "{}", e.done.body);
        user.secret = Some(e.secret);
        user
    }

    /// A new account, enrolled and signed in on the pages, ready to post forms.
    pub async fn page_user(&self, org: OrgId, email: &str, roles: &[Role]) -> PageUser {
        let user = self.enrolled(org, email, roles).await;
        let session = self.session(&user).await;
        let csrf = self.csrf_of(&session).await;
        PageUser {
            user,
            session,
            csrf,
        }
    }

    /// Signs `user` in with the password alone and enrols an authenticator on the
    /// enrolment page, with a code of the secret it shows.
    pub async fn enrol_through_pages(&self, user: &User) -> Enrolment {
        let session = self
            .login(user, "")
            .await
            .cookie("__Host-haven_session")
            .expect("enrolment session");
        let page = self.get("/enrol", Some(&session)).await;
        let secret = base32_decode(
            page.body
                .split("id=\"secret\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap(),
        );
        let code = totp::code(&secret, self.unix()).unwrap();
        let done = self
            .post_form(
                "/enrol",
                Some(&session),
                &[
                    ("csrf", &page.field("csrf").unwrap()),
                    ("sealed", &page.field("sealed").unwrap()),
                    ("code", &code),
                ],
            )
            .await;
        Enrolment {
            session,
            secret,
            done,
        }
    }

    /// The id of the account with this email.
    pub async fn user_id(&self, email: &str) -> String {
        self.haven
            .store()
            .user_by_email(email)
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string()
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn unix(&self) -> u64 {
        use haven_core::Clock;
        self.clock.now().unix_timestamp() as u64
    }

    /// The current code; moves the clock to the next step first so codes are never reused.
    pub fn next_code(&self, user: &User) -> String {
        self.clock.advance(time::Duration::seconds(30));
        totp::code(user.secret.as_ref().expect("enrolled"), self.unix()).unwrap()
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, session: Option<&str>) -> Reply {
        let mut req = Request::get(path);
        if let Some(s) = session {
            req = req.header(header::COOKIE, format!("__Host-haven_session={s}"));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(
        &self,
        path: &str,
        session: Option<&str>,
        pairs: &[(&str, &str)],
    ) -> Reply {
        let mut req =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = session {
            req = req.header(header::COOKIE, format!("__Host-haven_session={s}"));
        }
        self.send(req.body(Body::from(encode(pairs))).unwrap())
            .await
    }

    /// Submits the sign-in form with a fixed pre-sign-in CSRF cookie and its token, and
    /// `fields`.
    pub async fn submit_login(&self, fields: &[(&str, &str)]) -> Reply {
        let (req, form) = login_request(fields);
        self.send(req.body(Body::from(form)).unwrap()).await
    }

    /// Submits the sign-in form over a connection from `peer`, as `haven serve` sees one,
    /// carrying `X-Forwarded-For: forwarded` if given.
    pub async fn login_from(
        &self,
        peer: &str,
        forwarded: Option<&str>,
        email: &str,
        password: &str,
        code: &str,
    ) -> Reply {
        let (mut req, form) =
            login_request(&[("email", email), ("password", password), ("code", code)]);
        if let Some(list) = forwarded {
            req = req.header("x-forwarded-for", list);
        }
        self.send_from(peer, (req, form)).await
    }

    /// Submits the sign-in form from `peer` in a browser holding the known-device cookie
    /// `device`, if any.
    pub async fn login_on_device(
        &self,
        peer: &str,
        device: Option<&str>,
        email: &str,
        password: &str,
        code: &str,
    ) -> Reply {
        let (mut req, form) =
            login_request(&[("email", email), ("password", password), ("code", code)]);
        if let Some(token) = device {
            req = req.header(header::COOKIE, format!("__Host-haven_device={token}"));
        }
        self.send_from(peer, (req, form)).await
    }

    async fn send_from(
        &self,
        peer: &str,
        (req, form): (axum::http::request::Builder, String),
    ) -> Reply {
        let mut req = req.body(Body::from(form)).unwrap();
        let peer: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        self.send(req).await
    }

    pub async fn login_raw(&self, email: &str, password: &str, code: &str) -> Reply {
        self.submit_login(&[("email", email), ("password", password), ("code", code)])
            .await
    }

    pub async fn login(&self, user: &User, code: &str) -> Reply {
        self.login_raw(&user.email, PASSWORD, code).await
    }

    /// A fully signed-in session cookie.
    pub async fn session(&self, user: &User) -> String {
        let code = self.next_code(user);
        let r = self.login(user, &code).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), Some("/"));
        r.cookie("__Host-haven_session").expect("session cookie")
    }

    pub async fn csrf_of(&self, session: &str) -> String {
        self.get("/account", Some(session))
            .await
            .field("csrf")
            .expect("csrf on the account page")
    }

    pub async fn api_get(&self, path: &str, bearer: &str) -> Reply {
        self.send(
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn api_delete(&self, path: &str, bearer: &str) -> Reply {
        self.send(
            Request::builder()
                .method("DELETE")
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn api_put(&self, path: &str, bearer: &str, json: &str) -> Reply {
        self.api_send(Request::put(path), bearer, json).await
    }

    pub async fn api_post(&self, path: &str, bearer: &str, json: &str) -> Reply {
        self.api_send(Request::post(path), bearer, json).await
    }

    async fn api_send(&self, req: axum::http::request::Builder, bearer: &str, json: &str) -> Reply {
        self.send(
            req.header(header::AUTHORIZATION, format!("Bearer {bearer}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_owned()))
                .unwrap(),
        )
        .await
    }

    /// An API token of a new, enrolled account.
    pub async fn staff_token(&self, org: OrgId, email: &str, roles: &[Role]) -> String {
        let user = self.enrolled(org, email, roles).await;
        self.token(&user).await
    }

    pub async fn token(&self, user: &User) -> String {
        self.haven
            .create_api_token(&Acting::Operator("test".into()), &user.email, "test")
            .await
            .unwrap()
            .1
    }

    /// Reasons of the audit entries with `action`, in order.
    pub async fn audit_reasons(&self, action: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            let page = self.haven.store().audit_page(after, 1000).await.unwrap();
            let Some(last) = page.last() else { break };
            after = last.seq;
            for r in page {
                let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                if v["action"] == action {
                    out.push(v["reason"].as_str().unwrap_or_default().to_owned());
                }
            }
        }
        out
    }
}
