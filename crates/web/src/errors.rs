//! The one place where errors become HTTP responses: [`ApiError`] as JSON for `/api/v1`,
//! [`PageError`] as HTML for pages. Client mistakes get a stable code (and the field, when
//! there is one); server faults get an opaque body with a correlation id, the detail going
//! to the log, and a database that is not answering gets 503 with `Retry-After`. Nothing
//! here logs personal data: core errors hold none, and what a refused form carried
//! ([`PageError::Unsaved`]) goes only into the page for the person who typed it (its `Debug`
//! prints no values).

use crate::i18n::{ErrorPage, Lang, Tr};
use crate::views;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use haven_core::CoreError;
use haven_store::StoreError;
use serde_json::json;

/// How long a client is asked to wait before trying again when the database is not
/// answering (another process holds its write lock, or the connection is lost).
const RETRY_AFTER_SECONDS: &str = "5";

#[derive(Debug)]
pub enum ApiError {
    Core(CoreError),
    /// The request body could not be read as the endpoint's JSON.
    BadJson {
        code: &'static str,
        message: String,
    },
    /// The request body is larger than the route accepts.
    TooLarge,
    Unavailable(String),
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

fn body(status: StatusCode, code: &str, field: Option<&str>, message: &str) -> Response {
    with_reason(status, code, field, None, message)
}

/// `reason` is the stable code of why input was refused (`haven_core::Reason`), for a
/// client to show its own message in its reader's language.
fn with_reason(
    status: StatusCode,
    code: &str,
    field: Option<&str>,
    reason: Option<&str>,
    message: &str,
) -> Response {
    let mut error = json!({ "code": code, "message": message });
    if let Some(f) = field {
        error["field"] = json!(f);
    }
    if let Some(r) = reason {
        error["reason"] = json!(r);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

/// Logs the detail under a new correlation id and returns that id.
fn correlate(detail: &dyn std::fmt::Display) -> uuid::Uuid {
    let correlation = uuid::Uuid::new_v4();
    tracing::error!(%correlation, %detail, "request failed");
    correlation
}

/// Logs a server fault that has no page to show (a background request's), under a new
/// correlation id.
pub(crate) fn log_fault(e: &CoreError) {
    correlate(e);
}

/// The status a client-facing core error answers with (422 refused input, 409 a record
/// changed meanwhile, …); `None` for server faults.
pub(crate) fn client_status(e: &CoreError) -> Option<StatusCode> {
    classify(e).map(|(status, ..)| status)
}

/// Status, stable code and field of a client-facing core error; `None` for server faults.
fn classify(e: &CoreError) -> Option<(StatusCode, &'static str, Option<&'static str>)> {
    Some(match e {
        CoreError::NotFound => (StatusCode::NOT_FOUND, "not_found", None),
        CoreError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", None),
        CoreError::LoginFailed => (StatusCode::UNAUTHORIZED, "login_failed", None),
        CoreError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", None),
        CoreError::Invalid(f) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field_of(f)),
        ),
        CoreError::InvalidInput { field, .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid", Some(*field))
        }
        CoreError::PasswordRejected(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_rejected",
            Some("password"),
        ),
        CoreError::Conflict(_) => (StatusCode::CONFLICT, "conflict", None),
        CoreError::TooManyAttempts { .. } => {
            (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", None)
        }
        _ => return None,
    })
}

fn field_of(e: &haven_domain::survivor::FieldError) -> &'static str {
    use haven_domain::survivor::FieldError::*;
    match e {
        Required { field } | TooLong { field, .. } | ControlCharacters { field } => field,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Core(CoreError::Store(StoreError::Unavailable(detail))) => {
                ApiError::Unavailable(detail).into_response()
            }
            ApiError::Core(CoreError::Busy) => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, RETRY_AFTER_SECONDS)],
                Json(json!({ "error": { "code": "busy", "message": "too many sign-ins are being checked at once; nothing was done" } })),
            )
                .into_response(),
            ApiError::Core(e) => match classify(&e) {
                Some((status, code, field)) => with_reason(
                    status,
                    code,
                    field,
                    e.problem().map(|p| p.reason().code()),
                    &e.to_string(),
                ),
                None => {
                    let id = correlate(&e);
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        Json(json!({ "error": { "code": "internal", "message": "something went wrong", "correlation_id": id } })),
                    )
                        .into_response()
                }
            },
            ApiError::BadJson { code, message } => {
                body(StatusCode::UNPROCESSABLE_ENTITY, code, None, &message)
            }
            ApiError::TooLarge => body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                None,
                "the request body is too large",
            ),
            ApiError::Unavailable(detail) => {
                let id = correlate(&detail);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, RETRY_AFTER_SECONDS)],
                    Json(json!({ "error": { "code": "unavailable", "message": "the database is not answering; nothing was saved", "correlation_id": id } })),
                )
                    .into_response()
            }
        }
    }
}

/// Errors of the HTML pages.
#[derive(Debug)]
pub enum PageError {
    Core(CoreError),
    /// A change refused where its form cannot be shown again (the case is gone from the
    /// writer's view, or the server failed): the error's page, handing back what was typed.
    Unsaved(CoreError, crate::pages::Typed),
    /// A signed-in session without a second factor reaches only the enrolment page.
    EnrolFirst,
    Csrf,
}

impl From<CoreError> for PageError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::EnrolFirst => Redirect::to("/enrol").into_response(),
            PageError::Csrf => views::error_page(
                StatusCode::FORBIDDEN,
                "error-form-expired",
                "error-form-expired-body",
                None,
            ),
            PageError::Core(e) => core_page(e, Default::default()),
            PageError::Unsaved(e, typed) => core_page(e, typed),
        }
    }
}

/// The page for a core error, handing back `unsaved`, except to a session that has ended:
/// it may have ended because its holder walked away, so what they typed is not shown to
/// whoever sits down next.
fn core_page(e: CoreError, unsaved: crate::pages::Typed) -> Response {
    let page = match e {
        CoreError::Unauthenticated => {
            let mut r = Redirect::to("/login").into_response();
            r.headers_mut().insert(
                header::SET_COOKIE,
                crate::cookies::clear(crate::cookies::SESSION)
                    .parse()
                    .unwrap_or_else(|_| header::HeaderValue::from_static("")),
            );
            return r;
        }
        CoreError::NotFound => ErrorPage::new(
            StatusCode::NOT_FOUND,
            "error-not-found",
            "error-not-found-body",
        ),
        CoreError::Forbidden => ErrorPage::new(
            StatusCode::FORBIDDEN,
            "error-not-permitted",
            "error-not-permitted-body",
        ),
        CoreError::Busy => ErrorPage::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "error-busy",
            "error-busy-body",
        ),
        CoreError::Store(StoreError::Unavailable(detail)) => ErrorPage {
            detail: Some(correlate(&detail).to_string()),
            ..ErrorPage::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "error-unavailable",
                "error-unavailable-body",
            )
        },
        e => match classify(&e) {
            Some((status, _, _)) => ErrorPage::refusal(status, &e),
            None => ErrorPage {
                detail: Some(correlate(&e).to_string()),
                ..ErrorPage::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error-went-wrong",
                    "error-went-wrong-body",
                )
            },
        },
    };
    let mut r = ErrorPage { unsaved, ..page }.render(Tr(Lang::En));
    if r.status() == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response's body as text.
    async fn text_of(body: axum::body::Body) -> String {
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn a_write_that_lost_a_race_is_the_clients_to_retry_and_a_fault_is_ours() {
        let stale = CoreError::from(StoreError::Stale("a concurrent write"));
        assert_eq!(client_status(&stale), Some(StatusCode::CONFLICT));
        assert_eq!(
            stale.problem().map(|p| p.reason().code()),
            Some("changed_meanwhile"),
            "a client can tell it from other conflicts and show its own words"
        );
        let r = ApiError::Core(stale).into_response();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let fault = CoreError::from(StoreError::Backend("disk full".into()));
        assert_eq!(client_status(&fault), None);
        let r = ApiError::Core(fault).into_response();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    /// A refusal that reaches an error page (no form to show it in) says why in the page's
    /// language, as the localiser renders it again on the way out, under a title that fits:
    /// a race is no mistake of the reader's.
    #[tokio::test]
    async fn a_refusal_on_an_error_page_says_why_in_the_readers_language() {
        use crate::i18n::{ErrorPage, Lang, Tr};
        use haven_core::problem::{Problem, Reason};
        for (e, reason, title) in [
            (
                CoreError::from(StoreError::Stale("a concurrent write")),
                Reason::ChangedMeanwhile,
                "Cambiado mientras tanto",
            ),
            (
                CoreError::invalid("form", Reason::FormUnreadable),
                Reason::FormUnreadable,
                "Revise lo que introdujo",
            ),
        ] {
            let r = PageError::Core(e).into_response();
            assert!(r.status().is_client_error(), "{reason:?}: {}", r.status());
            let page = r.extensions().get::<ErrorPage>().cloned().unwrap();
            let es = page.render(Tr(Lang::Es)).into_body();
            let es = text_of(es).await;
            let why = Problem::new(reason).text("es");
            assert!(es.contains(&why), "{reason:?}: {es}");
            assert!(es.contains(title), "{reason:?}: {es}");
            assert!(!es.contains(&Problem::new(reason).text("en")), "{es}");
        }
    }

    /// A database that is not answering (locked by another process, or the connection lost)
    /// asks the client to try again, says nothing of why, and hands back what was typed.
    #[tokio::test]
    async fn a_database_not_answering_asks_to_try_again_and_hands_back_the_text() {
        use crate::pages::Typed;
        let down = || CoreError::from(StoreError::Unavailable("/var/lib/haven locked".into()));
        let r = ApiError::Core(down()).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], RETRY_AFTER_SECONDS);
        let body = text_of(r.into_body()).await;
        assert!(body.contains("\"unavailable\""), "{body}");
        assert!(body.contains("correlation_id"), "{body}");
        assert!(
            !body.contains("/var/lib"),
            "the detail goes to the log only"
        );

        let typed = Typed::form("notes").text("body", "note", "Asked about the clinic.");
        let r = PageError::Unsaved(down(), typed).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], RETRY_AFTER_SECONDS);
        let page = text_of(r.into_body()).await;
        assert!(page.contains("The database is not answering"), "{page}");
        assert!(page.contains("Asked about the clinic."), "{page}");
        assert!(!page.contains("/var/lib"), "{page}");
    }

    /// A sign-in refused because too many passwords are being checked at once asks to try
    /// again, on the API and on the pages, in the reader's language.
    #[tokio::test]
    async fn too_many_sign_ins_at_once_asks_to_try_again() {
        use crate::i18n::{ErrorPage, Lang, Tr};
        let r = ApiError::Core(CoreError::Busy).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], RETRY_AFTER_SECONDS);
        let body = text_of(r.into_body()).await;
        assert!(body.contains("\"busy\""), "{body}");
        let r = PageError::Core(CoreError::Busy).into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], RETRY_AFTER_SECONDS);
        let page = r.extensions().get::<ErrorPage>().cloned().unwrap();
        let es = text_of(page.render(Tr(Lang::Es)).into_body()).await;
        assert!(es.contains("El servidor está ocupado"), "{es}");
        let en = text_of(r.into_body()).await;
        assert!(
            en.contains("Nothing was done; try again in a moment."),
            "{en}"
        );
    }

    /// What a refused form carried is handed back in the reader's language, but never to a
    /// session that has ended.
    #[tokio::test]
    async fn typed_text_is_handed_back_in_the_readers_language_but_not_after_sign_out() {
        use crate::i18n::{ErrorPage, Lang, Tr};
        use crate::pages::Typed;
        let typed = || Typed::form("notes").text("body", "note", "Asked about the clinic.");
        let r = PageError::Unsaved(CoreError::NotFound, typed()).into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let page = r.extensions().get::<ErrorPage>().cloned().unwrap();
        let es = page.render(Tr(Lang::Es)).into_body();
        let es = text_of(es).await;
        assert!(es.contains("Lo que escribió, sin guardar"), "{es}");
        assert!(es.contains(">Nota</label>"), "{es}");
        assert!(es.contains("Asked about the clinic."), "{es}");
        let r = PageError::Unsaved(CoreError::Unauthenticated, typed()).into_response();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(!text_of(r.into_body()).await.contains("clinic"));
    }
}
