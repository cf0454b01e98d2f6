//! The pages' form extractor. axum's `Form` decodes with `form_urlencoded`, which replaces
//! bytes that are not UTF-8 with U+FFFD: a name typed in a legacy encoding would be stored
//! mangled, silently. [`PageForm`] refuses such a form instead — an error page naming the
//! field, nothing written — as the API refuses JSON that is not UTF-8. A form that does not
//! fit its handler's fields gets the same error page rather than axum's plain-text reply.

use crate::views;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

pub(crate) struct PageForm<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &St) -> Result<Self, Self::Rejection> {
        let urlencoded = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !urlencoded {
            return Err(refused(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the form was not sent as a web form".into(),
            ));
        }
        // The body limit layer's refusal (413) passes through as it is.
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if let Some(field) = first_field_not_utf8(&body) {
            return Err(refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{field}: the text is not valid UTF-8"),
            ));
        }
        serde_urlencoded::from_bytes(&body).map(Self).map_err(|_| {
            // serde's message may quote what was typed; the page does not repeat it.
            refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the form is incomplete or not one of Haven's".into(),
            )
        })
    }
}

fn refused(status: StatusCode, detail: String) -> Response {
    views::error_page(
        status,
        "error-check-input",
        "error-check-input-body",
        Some(detail),
    )
}

/// The name of the first field whose name or value does not decode to UTF-8 (a name that
/// is not UTF-8 itself is reported as `form`).
fn first_field_not_utf8(body: &[u8]) -> Option<String> {
    let decoded = |part: &[u8]| -> Vec<u8> {
        let spaced: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&spaced).collect()
    };
    body.split(|&b| b == b'&').find_map(|pair| {
        let mut halves = pair.splitn(2, |&b| b == b'=');
        let name = decoded(halves.next().unwrap_or_default());
        let value = decoded(halves.next().unwrap_or_default());
        match (String::from_utf8(name), std::str::from_utf8(&value)) {
            (Ok(_), Ok(_)) => None,
            (Ok(name), Err(_)) => Some(name),
            (Err(_), _) => Some("form".to_owned()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::first_field_not_utf8;

    #[test]
    fn a_field_that_is_not_utf8_is_named() {
        assert_eq!(
            first_field_not_utf8(b"a=1&name=Mar%EDa&b=2"),
            Some("name".into())
        );
        assert_eq!(first_field_not_utf8(b"%FF=1"), Some("form".into()));
        assert_eq!(
            first_field_not_utf8(b"name=Mar%C3%ADa+L%C3%B3pez&x=&y"),
            None
        );
        assert_eq!(first_field_not_utf8(b""), None);
        // A literal byte that is not UTF-8, not percent-encoded.
        assert_eq!(first_field_not_utf8(b"note=ab\xffcd"), Some("note".into()));
    }
}
