//! Finding people and taking them in: search (the query travels in the form body, never the
//! URL) and intake, which searches first and shows likely existing records before creating one.

use super::Typed;
use super::cases::{csrf, nav};
use super::form::PageForm;
use crate::api::survivors::CaseFields;
use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::Tr;
use crate::views::{self, Choice, HitLine, Intake, IntakeValues, Search, TypeBox};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use haven_core::auth::Authenticated;
use haven_core::cases::{NewCase, SearchHit};
use haven_core::problem::{Problem, Reason};
use haven_core::{CoreError, Haven};
use haven_domain::case::{ExploitationType, TraffickingType};
use haven_domain::survivor::{Gender, PersonalText, Region, SurvivorField, SurvivorProfile};
use haven_store::Store;
use serde::Deserialize;
use std::collections::BTreeSet;

/// Search hits as the page lists them, each saying in the reader's language which field
/// matched (the API gives the field's code).
fn hit_lines(t: Tr, hits: Vec<SearchHit>) -> Vec<HitLine> {
    hits.into_iter()
        .map(|h| HitLine {
            pseudonym: h.pseudonym,
            cases: h.cases.iter().map(ToString::to_string).collect(),
            matched: t.label("matched-field", h.matched),
        })
        .collect()
}

pub(crate) async fn search_form<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
) -> Response {
    views::render(
        StatusCode::OK,
        &Search {
            t,
            csrf: csrf(&auth),
            nav: nav(&haven, &auth),
            searched: false,
            hits: Vec::new(),
            incomplete: false,
        },
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchForm {
    csrf: String,
    q: String,
}

pub(crate) async fn search<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(form): PageForm<SearchForm>,
) -> Result<Response, PageError> {
    check_csrf(&auth, &form.csrf)?;
    let found = haven.search(&auth, &form.q).await?;
    Ok(views::render(
        StatusCode::OK,
        &Search {
            t,
            csrf: csrf(&auth),
            nav: nav(&haven, &auth),
            searched: true,
            hits: hit_lines(t, found.hits),
            incomplete: found.incomplete,
        },
    ))
}

/// A gender as the reader's language names it.
pub(super) fn gender_label(t: Tr, g: Gender) -> String {
    t.label("gender", g.as_str())
}

/// A region as the reader's language names it.
pub(super) fn region_label(t: Tr, r: Region) -> String {
    t.label("region", r.as_str())
}

/// The exploitation types, labelled in the reader's language.
pub(super) fn exploitation_choices(t: Tr) -> Vec<Choice> {
    ExploitationType::ALL
        .iter()
        .map(|e| Choice {
            value: e.as_str(),
            label: t.label("exploitation", e.as_str()),
        })
        .collect()
}

/// Polaris's 25 types as checkboxes named in the reader's language, ticked where `checked`
/// says for the type's number.
pub(super) fn trafficking_boxes(t: Tr, checked: impl Fn(u8) -> bool) -> Vec<TypeBox> {
    TraffickingType::all()
        .map(|k| TypeBox {
            number: k.number(),
            name: t.label("polaris-type", &k.number().to_string()),
            checked: checked(k.number()),
        })
        .collect()
}

/// The gender and region choices of the record's form, labelled in the reader's language.
pub(super) fn choices(t: Tr) -> (Vec<Choice>, Vec<Choice>) {
    let genders = Gender::ALL
        .iter()
        .map(|g| Choice {
            value: g.as_str(),
            label: gender_label(t, *g),
        })
        .collect();
    let regions = Region::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str(),
            label: region_label(t, *r),
        })
        .collect();
    (genders, regions)
}

fn intake_page<S: Store>(
    haven: &Haven<S>,
    t: Tr,
    auth: &Authenticated,
    form: IntakeValues,
    possible: Vec<HitLine>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (genders, regions) = choices(t);
    let trafficking = trafficking_boxes(t, |n| {
        form.trafficking_types
            .iter()
            .any(|v| v.trim() == n.to_string())
    });
    views::render(
        status,
        &Intake {
            t,
            csrf: csrf(auth),
            nav: nav(haven, auth),
            form,
            exploitations: exploitation_choices(t),
            genders,
            regions,
            trafficking,
            identity: true,
            contact: true,
            possible,
            error,
        },
    )
}

pub(crate) async fn intake_form<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
) -> Result<Response, PageError> {
    if !haven.may_intake(&auth) {
        return Err(CoreError::Forbidden.into());
    }
    Ok(intake_page(
        &haven,
        t,
        &auth,
        IntakeValues {
            exploitation: ExploitationType::default().as_str().into(),
            gender: Gender::Unknown.as_str().into(),
            nationality_region: Region::Unknown.as_str().into(),
            ..Default::default()
        },
        Vec::new(),
        None,
        StatusCode::OK,
    ))
}

/// The intake form as sent: its CSRF token and its values. Read as pairs because the
/// trafficking-type checkboxes repeat one name; fields the form does not have are ignored.
pub(super) fn intake_values(pairs: Vec<(String, String)>) -> (String, IntakeValues) {
    let mut csrf = String::new();
    let mut v = IntakeValues::default();
    for (name, value) in pairs {
        let on = value == "on";
        match name.as_str() {
            "csrf" => csrf = value,
            "pseudonym" => v.pseudonym = value,
            "legal_name" => v.legal_name = value,
            "aliases" => v.aliases = value,
            "date_of_birth" => v.date_of_birth = value,
            "estimated_age" => v.estimated_age = value,
            "gender" => v.gender = value,
            "nationality" => v.nationality = value,
            "nationality_region" => v.nationality_region = value,
            "languages" => v.languages = value,
            "interpreter_needed" => v.interpreter_needed = on,
            "phone" => v.phone = value,
            "email" => v.email = value,
            "safe_contact" => v.safe_contact = value,
            "exploitation" => v.exploitation = value,
            "trafficking_type" => v.trafficking_types.push(value),
            "safety_risk" => v.safety_risk = on,
            "immigration_sensitive" => v.immigration_sensitive = on,
            "confirm_new" => v.confirm_new = on,
            _ => {}
        }
    }
    (csrf, v)
}

fn optional(field: SurvivorField, v: &str) -> Result<Option<PersonalText>, CoreError> {
    if v.trim().is_empty() {
        Ok(None)
    } else {
        Ok(Some(PersonalText::parse(field, v)?))
    }
}

/// The non-blank parts of `v` split at `separator`, each checked as `field`.
fn several(field: SurvivorField, v: &str, separator: char) -> Result<Vec<PersonalText>, CoreError> {
    v.split(separator)
        .filter(|part| !part.trim().is_empty())
        .map(|part| PersonalText::parse(field, part.trim()).map_err(CoreError::from))
        .collect()
}

/// One of `T`'s names, or its default when left blank.
fn chosen<T>(
    field: &'static str,
    v: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, CoreError>
where
    T: Copy + Default + std::str::FromStr,
{
    match v.trim() {
        "" => Ok(T::default()),
        raw => raw
            .parse()
            .map_err(|_| CoreError::invalid(field, Problem::one_of(all.iter().map(|c| name(*c))))),
    }
}

/// The survivor record the form's values describe, checked.
pub(super) fn profile_from(v: &IntakeValues) -> Result<SurvivorProfile, CoreError> {
    let mut p = SurvivorProfile::pseudonymous(&v.pseudonym)?;
    p.legal_name = optional(SurvivorField::LegalName, &v.legal_name)?;
    p.aliases = several(SurvivorField::Aliases, &v.aliases, '\n')?;
    p.phone = optional(SurvivorField::Phone, &v.phone)?;
    p.email = optional(SurvivorField::Email, &v.email)?;
    p.safe_contact = optional(SurvivorField::SafeContact, &v.safe_contact)?;
    if !v.date_of_birth.trim().is_empty() {
        p.date_of_birth = Some(
            time::Date::parse(
                v.date_of_birth.trim(),
                &time::format_description::well_known::Iso8601::DATE,
            )
            .map_err(|_| CoreError::invalid("date_of_birth", Reason::DateFormat))?,
        );
    }
    if !v.estimated_age.trim().is_empty() {
        p.details.estimated_age = Some(
            v.estimated_age
                .trim()
                .parse()
                .map_err(|_| CoreError::invalid("estimated_age", Reason::AgeInYears))?,
        );
    }
    p.details.gender = chosen("gender", &v.gender, Gender::ALL, Gender::as_str)?;
    p.details.nationality = optional(SurvivorField::Nationality, &v.nationality)?;
    p.details.nationality_region = chosen(
        "nationality_region",
        &v.nationality_region,
        Region::ALL,
        Region::as_str,
    )?;
    p.details.languages = several(SurvivorField::Languages, &v.languages, ',')?;
    p.details.interpreter_needed = v.interpreter_needed;
    Ok(p)
}

/// What the form says about the case itself.
pub(super) fn case_from(v: &IntakeValues) -> Result<NewCase, CoreError> {
    let trafficking_types = v
        .trafficking_types
        .iter()
        .map(|n| n.trim().parse::<u8>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| CoreError::invalid("trafficking_types", Reason::TraffickingType))?;
    let exploitation = match v.exploitation.trim() {
        "" => None,
        e => Some(e.to_owned()),
    };
    CaseFields::new(
        exploitation,
        trafficking_types,
        v.safety_risk,
        v.immigration_sensitive,
    )
    .into_new_case()
}

/// The form's values as they read for a stored record (to edit it).
pub(super) fn values_of(p: &SurvivorProfile) -> IntakeValues {
    let text = |t: &Option<PersonalText>| {
        t.as_ref()
            .map(|x| x.as_str().to_owned())
            .unwrap_or_default()
    };
    let joined = |ts: &[PersonalText], sep: &str| {
        ts.iter()
            .map(PersonalText::as_str)
            .collect::<Vec<_>>()
            .join(sep)
    };
    IntakeValues {
        pseudonym: p.pseudonym.as_str().to_owned(),
        legal_name: text(&p.legal_name),
        aliases: joined(&p.aliases, "\n"),
        date_of_birth: p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        estimated_age: p
            .details
            .estimated_age
            .map(|a| a.to_string())
            .unwrap_or_default(),
        gender: p.details.gender.as_str().to_owned(),
        nationality: text(&p.details.nationality),
        nationality_region: p.details.nationality_region.as_str().to_owned(),
        languages: joined(&p.details.languages, ", "),
        interpreter_needed: p.details.interpreter_needed,
        phone: text(&p.phone),
        email: text(&p.email),
        safe_contact: text(&p.safe_contact),
        ..IntakeValues::default()
    }
}

/// A survivor's record as the intake or edit form `form` sent it, for an error page to
/// hand back where the form cannot be shown again.
pub(super) fn typed_record(form: &'static str, v: &IntakeValues) -> Typed {
    Typed::form(form)
        .text("pseudonym", "pseudonym-label", &v.pseudonym)
        .text("legal_name", "legal-name-label", &v.legal_name)
        .text("aliases", "aliases-label", &v.aliases)
        .text("date_of_birth", "dob-label", &v.date_of_birth)
        .text("estimated_age", "age-label", &v.estimated_age)
        .text("nationality", "nationality-label", &v.nationality)
        .text("languages", "languages-label", &v.languages)
        .text("phone", "phone-label", &v.phone)
        .text("email", "email-label", &v.email)
        .text("safe_contact", "safe-contact-label", &v.safe_contact)
}

pub(crate) async fn intake<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (csrf_sent, values) = intake_values(pairs);
    check_csrf(&auth, &csrf_sent)?;
    // A fault from here on hands back what was typed: a survivor may be waiting.
    let typed = typed_record("intake", &values);
    let unsaved = |e: CoreError| PageError::Unsaved(e, typed.clone());
    let (profile, case) = match profile_from(&values).and_then(|p| Ok((p, case_from(&values)?))) {
        Ok(x) => x,
        Err(e) => {
            return Ok(intake_page(
                &haven,
                t,
                &auth,
                values,
                Vec::new(),
                Some(t.refusal(&e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    // Search first: offer records that look like this person before creating another.
    if !values.confirm_new {
        let mut seen = BTreeSet::new();
        let mut possible = Vec::new();
        for q in [
            values.legal_name.trim(),
            values.pseudonym.trim(),
            values.phone.trim(),
            values.date_of_birth.trim(),
        ] {
            if q.chars().count() < 2 {
                continue;
            }
            for hit in haven.search(&auth, q).await.map_err(unsaved)?.hits {
                if seen.insert(hit.survivor) {
                    possible.push(hit);
                }
            }
        }
        if !possible.is_empty() {
            return Ok(intake_page(
                &haven,
                t,
                &auth,
                values,
                hit_lines(t, possible),
                None,
                StatusCode::OK,
            ));
        }
    }
    match haven.intake(&auth, &profile, &case).await {
        Ok((_, case)) => Ok(Redirect::to(&format!("/cases/{case}")).into_response()),
        Err(e @ (CoreError::InvalidInput { .. } | CoreError::Invalid(_))) => Ok(intake_page(
            &haven,
            t,
            &auth,
            values,
            Vec::new(),
            Some(t.refusal(&e)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Err(e) => Err(unsaved(e)),
    }
}
