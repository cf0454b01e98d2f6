//! The network most sharing tests start from: an NGO's case (organisation A) holding canary
//! values in every category, a clinic (organisation B) and a police liaison unit.

use crate::support::*;
use axum::http::StatusCode;
use haven_core::system;
use haven_domain::OrgId;
use haven_domain::access::Role;
use haven_store_sqlite::SqliteStore;
use serde_json::json;
use time::Duration;

pub const CANARY_PHONE: &str = "+1 555 777 0199";
pub const CANARY_SAFE: &str = "Canary safe-contact: only the blue phone";
pub const CANARY_NOTE: &str = "Canary safety note: trafficker drives a red van";
pub const CANARY_MEDICAL: &str = "Canary medical note: asthma";

/// An NGO case (org A) with a survivor, a clinic (org B) and a police liaison unit.
pub struct Network<S: Store = SqliteStore> {
    pub app: App<S>,
    pub police: OrgId,
    pub cm: String,
    pub ngo_clinician: String,
    pub clinician: String,
    pub clinic_cm: String,
    pub liaison: String,
    pub case: String,
    pub survivor: String,
}

pub async fn network() -> Network {
    network_on(App::new().await).await
}

pub async fn network_on<S: Store>(app: App<S>) -> Network<S> {
    let police = app
        .haven
        .create_org(system("test"), "Metro Police", "law_enforcement")
        .await
        .unwrap();
    let cm = app
        .staff_token(app.org_a, "cm@ngo.org", &[Role::CaseManager])
        .await;
    let ngo_clinician_user = app
        .enrolled(app.org_a, "clin@ngo.org", &[Role::Clinician])
        .await;
    let ngo_clinician = app.token(&ngo_clinician_user).await;
    let clinician = app
        .staff_token(app.org_b, "doc@clinic.org", &[Role::Clinician])
        .await;
    let clinic_cm = app
        .staff_token(app.org_b, "cm@clinic.org", &[Role::CaseManager])
        .await;
    let liaison = app
        .staff_token(police, "officer@police.org", &[Role::LeLiaison])
        .await;
    let r = app
        .api_post(
            "/api/v1/survivors",
            &cm,
            &json!({
                "pseudonym": "Lucia", "legal_name": "Lucía Hernández", "date_of_birth": "1998-02-03",
                "phone": CANARY_PHONE, "safe_contact": CANARY_SAFE,
                "case": { "exploitation": "labour", "immigration_sensitive": true }
            })
            .to_string(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let survivor = body(&r)["id"].as_str().unwrap().to_owned();
    let case = body(&r)["case_id"].as_str().unwrap().to_owned();
    let add = app
        .api_post(
            &format!("/api/v1/cases/{case}/team"),
            &cm,
            &json!({ "user_id": app.user_id("clin@ngo.org").await }).to_string(),
        )
        .await;
    assert_eq!(add.status, StatusCode::NO_CONTENT, "{}", add.body);
    for (token, category, text) in [
        (&cm, "safety", CANARY_NOTE),
        (&ngo_clinician, "medical", CANARY_MEDICAL),
        (&ngo_clinician, "psychotherapy", "Canary therapy note"),
    ] {
        let r = app
            .api_post(
                &format!("/api/v1/cases/{case}/notes"),
                token,
                &json!({ "category": category, "body": text }).to_string(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    Network {
        app,
        police,
        cm,
        ngo_clinician,
        clinician,
        clinic_cm,
        liaison,
        case,
        survivor,
    }
}

impl<S: Store> Network<S> {
    pub async fn release(&self, to: OrgId, categories: &[&str], days: i64) -> Reply {
        let expires = self.app.haven.now() + Duration::days(days);
        self.app
            .api_post(
                &format!("/api/v1/cases/{}/consents", self.case),
                &self.cm,
                &json!({
                    "recipient_org": to, "categories": categories, "purpose": "follow-up care",
                    "method": "signed_form", "evidence": "form 17",
                    "expires_at": expires.format(&time::format_description::well_known::Rfc3339).unwrap(),
                })
                .to_string(),
            )
            .await
    }

    pub async fn case_as(&self, token: &str) -> Reply {
        self.app
            .api_get(&format!("/api/v1/cases/{}", self.case), token)
            .await
    }
}
