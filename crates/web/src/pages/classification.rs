//! The case's classification on its page: exploitation type, trafficking types (Polaris
//! typology) and the safety-risk and immigration-sensitive flags, changed as what is learnt
//! changes them.

use super::Typed;
use super::cases::{after, case_id};
use super::form::PageForm;
use super::intake::{case_from, exploitation_choices, intake_values, trafficking_boxes};
use crate::errors::PageError;
use crate::extract::{SignedIn, check_csrf};
use crate::i18n::Tr;
use crate::views::ClassificationForm;
use axum::extract::{Path, State};
use axum::response::Response;
use haven_core::Haven;
use haven_core::cases::CaseView;
use haven_domain::DataCategory;
use haven_store::Store;

/// The form as the case stands (or as `typed`, when it was sent and refused), for an editor
/// of the case who sees every part of it (so nothing is shown unset that is set); `None` for
/// anyone else.
pub(super) fn form(
    t: Tr,
    v: &CaseView,
    may_edit: bool,
    typed: &Typed,
) -> Option<ClassificationForm> {
    let sees_all = [
        DataCategory::Narrative,
        DataCategory::Safety,
        DataCategory::Immigration,
    ]
    .iter()
    .all(|c| v.categories.contains(c));
    if !may_edit || !sees_all || v.protected_status {
        return None;
    }
    const FORM: &str = "classification";
    if typed.shows(FORM) {
        return Some(ClassificationForm {
            exploitations: exploitation_choices(t),
            exploitation: typed.value(FORM, "exploitation").to_owned(),
            types: trafficking_boxes(t, |n| typed.chose(FORM, "trafficking_type", &n.to_string())),
            safety_risk: typed.chose(FORM, "safety_risk", "on"),
            immigration_sensitive: typed.chose(FORM, "immigration_sensitive", "on"),
        });
    }
    Some(ClassificationForm {
        exploitations: exploitation_choices(t),
        exploitation: v.exploitation.clone(),
        types: trafficking_boxes(t, |n| v.trafficking_types.contains(&n)),
        safety_risk: v.safety_risk,
        immigration_sensitive: v.immigration_sensitive,
    })
}

/// `POST /cases/{id}/classification`.
pub(crate) async fn classify<S: Store>(
    State(haven): State<Haven<S>>,
    SignedIn(auth, t): SignedIn,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut typed = Typed::form("classification");
    for (name, value) in &pairs {
        for field in [
            "exploitation",
            "trafficking_type",
            "safety_risk",
            "immigration_sensitive",
        ] {
            if name == field {
                typed = typed.field(field, value);
            }
        }
    }
    let (csrf_sent, values) = intake_values(pairs);
    check_csrf(&auth, &csrf_sent)?;
    let id = case_id(&id)?;
    let result = match case_from(&values) {
        Ok(new) => haven.classify_case(&auth, id, &new).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(t, &haven, &auth, id, result, typed).await
}
