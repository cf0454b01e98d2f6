//! `POST /api/v1/survivors` (intake: a survivor and their first case) and
//! `GET /api/v1/survivors/{id}` (an authorised, category-limited view). A record the caller
//! may not see answers 404 exactly like one that does not exist.

use super::case_json::ProfileJson;
use super::json::JsonBody;
use crate::errors::ApiError;
use crate::extract::ApiCaller;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use haven_core::cases::NewCase;
use haven_core::problem::{Problem, Reason};
use haven_core::{CoreError, Haven};
use haven_domain::access::Action;
use haven_domain::case::{ExploitationType, TraffickingType};
use haven_domain::survivor::{
    Gender, PersonalText, Region, SurvivorDetails, SurvivorField, SurvivorProfile,
};
use haven_domain::{CaseId, DataCategory, SurvivorId};
use haven_store::Store;
use serde::Deserialize;
use serde_json::{Map, Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseFields {
    exploitation: Option<String>,
    #[serde(default)]
    trafficking_types: Vec<u8>,
    #[serde(default)]
    safety_risk: bool,
    #[serde(default)]
    immigration_sensitive: bool,
}

impl CaseFields {
    pub(crate) fn new(
        exploitation: Option<String>,
        trafficking_types: Vec<u8>,
        safety_risk: bool,
        immigration_sensitive: bool,
    ) -> Self {
        Self {
            exploitation,
            trafficking_types,
            safety_risk,
            immigration_sensitive,
        }
    }

    pub(crate) fn into_new_case(self) -> Result<NewCase, CoreError> {
        let exploitation = self
            .exploitation
            .map(|e| e.parse::<ExploitationType>())
            .transpose()
            .map_err(|_| {
                CoreError::invalid(
                    "exploitation",
                    Problem::one_of(ExploitationType::ALL.iter().map(|e| e.as_str())),
                )
            })?;
        let trafficking_types = self
            .trafficking_types
            .into_iter()
            .map(TraffickingType::try_from)
            .collect::<Result<_, _>>()
            .map_err(|_| CoreError::invalid("trafficking_types", Reason::TraffickingType))?;
        Ok(NewCase {
            exploitation,
            trafficking_types,
            safety_risk: self.safety_risk,
            immigration_sensitive: self.immigration_sensitive,
        })
    }
}

/// A request body with every field of the survivor record (and `$extra` fields), unknown
/// fields refused, and its conversion into a checked profile.
macro_rules! survivor_body {
    ($(#[$doc:meta])* $name:ident { $($extra:ident: $extra_type:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            pseudonym: String,
            legal_name: Option<String>,
            #[serde(default)]
            aliases: Vec<String>,
            date_of_birth: Option<time::Date>,
            estimated_age: Option<u8>,
            gender: Option<Gender>,
            nationality: Option<String>,
            nationality_region: Option<Region>,
            #[serde(default)]
            languages: Vec<String>,
            #[serde(default)]
            interpreter_needed: bool,
            phone: Option<String>,
            email: Option<String>,
            safe_contact: Option<String>,
            $($extra: $extra_type),*
        }

        impl $name {
            fn profile(&self) -> Result<SurvivorProfile, CoreError> {
                Ok(SurvivorProfile {
                    pseudonym: PersonalText::parse(SurvivorField::Pseudonym, &self.pseudonym)?,
                    legal_name: text(SurvivorField::LegalName, &self.legal_name)?,
                    aliases: texts(SurvivorField::Aliases, &self.aliases)?,
                    date_of_birth: self.date_of_birth,
                    phone: text(SurvivorField::Phone, &self.phone)?,
                    email: text(SurvivorField::Email, &self.email)?,
                    safe_contact: text(SurvivorField::SafeContact, &self.safe_contact)?,
                    details: SurvivorDetails {
                        gender: self.gender.unwrap_or_default(),
                        nationality: text(SurvivorField::Nationality, &self.nationality)?,
                        nationality_region: self.nationality_region.unwrap_or_default(),
                        languages: texts(SurvivorField::Languages, &self.languages)?,
                        interpreter_needed: self.interpreter_needed,
                        estimated_age: self.estimated_age,
                        // Dated by the core: a caller says how old, not since when.
                        estimated_on: None,
                    },
                })
            }
        }
    };
}

survivor_body!(
    /// `POST /api/v1/survivors`: the record and, optionally, the first case's fields.
    NewSurvivor { case: Option<CaseFields> }
);

survivor_body!(
    /// `PUT /api/v1/cases/{id}/survivor`: the whole record as it should now read.
    EditedSurvivor {}
);

fn text(field: SurvivorField, v: &Option<String>) -> Result<Option<PersonalText>, CoreError> {
    v.as_deref()
        .map(|s| PersonalText::parse(field, s))
        .transpose()
        .map_err(CoreError::from)
}

fn texts(field: SurvivorField, v: &[String]) -> Result<Vec<PersonalText>, CoreError> {
    v.iter()
        .map(|s| PersonalText::parse(field, s))
        .collect::<Result<_, _>>()
        .map_err(CoreError::from)
}

impl NewSurvivor {
    fn split(self) -> Result<(SurvivorProfile, NewCase), CoreError> {
        let profile = self.profile()?;
        let case = self
            .case
            .map(CaseFields::into_new_case)
            .transpose()?
            .unwrap_or_default();
        Ok((profile, case))
    }
}

pub(crate) async fn create<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    JsonBody(body): JsonBody<NewSurvivor>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (profile, case) = body.split()?;
    let (id, case) = haven.intake(&auth, &profile, &case).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "case_id": case })),
    ))
}

/// The survivor fields a reader may see, allow-listed per category: a field of a category
/// not granted is absent, not null.
pub(crate) fn profile_json(
    p: &SurvivorProfile,
    can_read: impl Fn(DataCategory) -> bool,
) -> Map<String, Value> {
    // A struct of strings, numbers and lists always serialises to an object.
    match serde_json::to_value(ProfileJson::new(p, can_read)) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    }
}

pub(crate) async fn show<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: SurvivorId = id.parse().map_err(|_| CoreError::NotFound)?;
    let access = haven.authorize_survivor(&auth, id, Action::View).await?;
    let record = haven.read_survivor(&access).await?;
    let mut out = profile_json(&record.profile, |c| access.can_read(c));
    out.insert("id".into(), json!(record.id));
    out.insert("categories".into(), json!(access.categories()));
    Ok(Json(Value::Object(out)))
}

/// `PUT /api/v1/cases/{id}/survivor`: edits the survivor record of a case. Fields of the
/// categories the caller may write are replaced; the answer names those categories.
pub(crate) async fn edit<S: Store>(
    State(haven): State<Haven<S>>,
    ApiCaller(auth): ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EditedSurvivor>,
) -> Result<Json<Value>, ApiError> {
    let id: CaseId = id.parse().map_err(|_| CoreError::NotFound)?;
    let written = haven.edit_survivor(&auth, id, &body.profile()?).await?;
    Ok(Json(json!({ "written": written })))
}
