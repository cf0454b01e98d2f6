//! Page templates (askama, compiled in, auto-escaped) and how they become responses.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "something went wrong").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct Message<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

pub fn message(status: StatusCode, title: &str, message: &str) -> Response {
    render(status, &Message { title, message })
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login {
    pub csrf: String,
    pub failed: bool,
    /// Demo installations only.
    pub demo: Vec<haven_core::auth::DemoAccount>,
}

#[derive(Template)]
#[template(path = "enrol.html")]
pub struct Enrol {
    pub csrf: String,
    pub secret: String,
    pub sealed: String,
    pub qr_svg: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "recovery.html")]
pub struct Recovery {
    pub codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    pub csrf: String,
    pub is_admin: bool,
    pub name: String,
    pub org: String,
    pub roles: String,
    pub must_change_password: bool,
}

pub struct UserLine {
    pub name: String,
    pub email: String,
    pub roles: String,
    pub enrolled: bool,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct AdminUsers {
    pub csrf: String,
    pub is_admin: bool,
    pub users: Vec<UserLine>,
    pub roles: Vec<&'static str>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub one_time_password: Option<String>,
}

pub struct TokenLine {
    pub name: String,
    pub id: String,
    pub created: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct Account {
    pub csrf: String,
    pub is_admin: bool,
    pub tokens: Vec<TokenLine>,
    pub notice: Option<String>,
    pub error: Option<String>,
}
