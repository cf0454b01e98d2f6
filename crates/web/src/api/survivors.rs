//! `POST /api/v1/survivors` (intake) and `GET /api/v1/survivors/{id}` (an authorised,
//! category-limited view). A record the caller may not see answers 404 exactly like one
//! that does not exist.

use super::json::JsonBody;
use crate::errors::ApiError;
use crate::extract::ApiCaller;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use haven_core::{CoreError, Haven};
use haven_domain::access::Action;
use haven_domain::survivor::{PersonalText, SurvivorField, SurvivorProfile};
use haven_domain::{DataCategory, SurvivorId};
use haven_store::Store;
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSurvivor {
    pseudonym: String,
    legal_name: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    date_of_birth: Option<time::Date>,
    phone: Option<String>,
    email: Option<String>,
    safe_contact: Option<String>,
}

fn text(field: SurvivorField, v: Option<String>) -> Result<Option<PersonalText>, CoreError> {
    v.map(|s| PersonalText::parse(field, &s))
        .transpose()
        .map_err(CoreError::from)
}

impl NewSurvivor {
    fn profile(self) -> Result<SurvivorProfile, CoreError> {
        Ok(SurvivorProfile {
            pseudonym: PersonalText::parse(SurvivorField::Pseudonym, &self.pseudonym)?,
            legal_name: text(SurvivorField::LegalName, self.legal_name)?,
            aliases: self
                .aliases
                .iter()
                .map(|a| PersonalText::parse(SurvivorField::Aliases, a))
                .collect::<Result<_, _>>()?,
            date_of_birth: self.date_of_birth,
            phone: text(SurvivorField::Phone, self.phone)?,
            email: text(SurvivorField::Email, self.email)?,
            safe_contact: text(SurvivorField::SafeContact, self.safe_contact)?,
        })
    }
}

pub(crate) async fn create<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    JsonBody(body): JsonBody<NewSurvivor>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let profile = body.profile()?;
    let (id, case) = haven.intake(&auth, &profile).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "case_id": case })),
    ))
}

pub(crate) async fn show<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: SurvivorId = id.parse().map_err(|_| CoreError::NotFound)?;
    let access = haven.authorize_survivor(&auth, id, Action::View).await?;
    let record = haven.read_survivor(&access).await?;
    let p = &record.profile;
    // Allow-listed per category: a field of a category not granted is absent, not null.
    let mut out = Map::new();
    out.insert("id".into(), json!(record.id));
    out.insert("pseudonym".into(), json!(p.pseudonym.as_str()));
    out.insert("categories".into(), json!(access.categories()));
    if access.can_read(DataCategory::Identity) {
        out.insert(
            "legal_name".into(),
            json!(p.legal_name.as_ref().map(|t| t.as_str())),
        );
        out.insert(
            "aliases".into(),
            json!(p.aliases.iter().map(|t| t.as_str()).collect::<Vec<_>>()),
        );
        out.insert(
            "date_of_birth".into(),
            json!(p.date_of_birth.map(|d| d.to_string())),
        );
    }
    if access.can_read(DataCategory::Contact) {
        out.insert("phone".into(), json!(p.phone.as_ref().map(|t| t.as_str())));
        out.insert("email".into(), json!(p.email.as_ref().map(|t| t.as_str())));
        out.insert(
            "safe_contact".into(),
            json!(p.safe_contact.as_ref().map(|t| t.as_str())),
        );
    }
    Ok(Json(Value::Object(out)))
}
