//! A JSON body extractor whose failures are the API's own errors: malformed JSON, wrong
//! types, unknown fields (no mass assignment) and invalid UTF-8 all answer 422 with a stable
//! code, never a 500.

use crate::errors::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, St: Send + Sync> FromRequest<St> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &St) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => {
                    let text = e.body_text();
                    let code = if text.contains("unknown field") {
                        "unknown_field"
                    } else {
                        "invalid_json_data"
                    };
                    ApiError::BadJson {
                        code,
                        message: text,
                    }
                }
                JsonRejection::JsonSyntaxError(_) => ApiError::BadJson {
                    code: "malformed_json",
                    message: "the body is not valid JSON".into(),
                },
                JsonRejection::MissingJsonContentType(_) => ApiError::BadJson {
                    code: "content_type",
                    message: "send Content-Type: application/json".into(),
                },
                // The body limit layer's error arrives wrapped; its text identifies it.
                other if other.body_text().contains("length limit exceeded") => ApiError::TooLarge,
                other => ApiError::BadJson {
                    code: "unreadable_body",
                    message: other.body_text(),
                },
            }),
        }
    }
}
