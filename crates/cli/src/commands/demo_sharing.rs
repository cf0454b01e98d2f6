//! The demo network's service directory (HSDS 3.0, imported through the same checked path
//! as `haven import hsds`) and a first release and referrals, so a newcomer finds a referral
//! waiting at the clinic and the shelter.

use crate::CliError;
use haven_core::Haven;
use haven_core::auth::{Acting, Authenticated, Via};
use haven_core::sharing::ConsentInput;
use haven_crypto::{Entropy, SeededEntropy};
use haven_directory::{CONFIDENTIAL_LOCATION, SERVICE_KIND_PREFIX};
use haven_domain::consent::{ConsentMethod, Signer};
use haven_domain::{DataCategory, OrgId, ServiceId, TokenId};
use haven_store::{BoardQuery, Store};
use serde_json::{Value, json};
use time::Duration;

/// Services by the index of their organisation in `demo::ORGANISATIONS`: (name, kind).
const SERVICES: &[(usize, &str, &str)] = &[
    (0, "Case management and accompaniment", "case_management"),
    (1, "Emergency shelter", "shelter"),
    (2, "Medical care", "medical"),
    (2, "Trauma counselling", "psychological"),
    (3, "Immigration relief and protective orders", "legal"),
    (4, "24-hour hotline", "other"),
];

fn uuid(rng: &SeededEntropy) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

fn term(rng: &SeededEntropy, code: &str, name: &str) -> Value {
    let id = uuid(rng);
    json!({ "id": uuid(rng), "taxonomy_term_id": id,
            "taxonomy_term": { "id": id, "code": code, "name": name, "description": name } })
}

/// The demo directory as an HSDS file. The shelter's address is marked confidential: it is
/// sealed at import and only its front-door phone is published.
pub fn directory(orgs: &[(OrgId, &str)], rng: &SeededEntropy) -> Vec<u8> {
    let docs: Vec<Value> = orgs
        .iter()
        .enumerate()
        .map(|(i, (id, name))| {
            let services: Vec<Value> = SERVICES
                .iter()
                .filter(|(o, _, _)| *o == i)
                .map(|(_, service, kind)| {
                    json!({ "id": uuid(rng), "name": service, "status": "active",
                            "description": format!("{service} for survivors of trafficking"),
                            "attributes": [term(rng, &format!("{SERVICE_KIND_PREFIX}{kind}"), kind)] })
                })
                .collect();
            let mut doc = json!({ "id": id.to_string(), "name": name,
                "description": format!("{name} (synthetic demo organisation)"), "services": services });
            if i == 1 {
                doc["locations"] = json!([{ "id": uuid(rng), "location_type": "physical", "name": "Safe house",
                    "description": "Confidential address; call the front door",
                    "addresses": [{ "id": uuid(rng), "address_1": "12 Hidden Lane", "city": "Demo City",
                        "state_province": "DC", "postal_code": "00000", "country": "US", "address_type": "physical" }],
                    "phones": [{ "id": uuid(rng), "number": "+1 555 0100 000" }],
                    "attributes": [term(rng, CONFIDENTIAL_LOCATION, "Confidential location")] }]);
            }
            doc
        })
        .collect();
    Value::Array(docs).to_string().into_bytes()
}

/// Acts as a demo account for seeding (no session, no token is created).
pub(super) async fn acting_as<S: Store>(
    haven: &Haven<S>,
    org: OrgId,
    email: &str,
) -> Result<Authenticated, CliError> {
    let staff = haven
        .users_of(&Acting::Operator("demo".into()), org)
        .await?
        .into_iter()
        .map(|(s, _)| s)
        .find(|s| s.email == email)
        .ok_or_else(|| CliError::Config(format!("no demo account {email}")))?;
    Ok(Authenticated {
        staff,
        via: Via::ApiToken(TokenId::from_random_bytes([0; 16])),
    })
}

/// The NGO's first case: a release to the clinic (identity and medical, 90 days), a
/// referral to its medical service under it, and a referral to the shelter without one.
pub async fn first_referrals<S: Store>(
    haven: &Haven<S>,
    ngo: OrgId,
    clinic: OrgId,
    shelter: OrgId,
) -> Result<(), CliError> {
    let cm = acting_as(haven, ngo, "case.manager@harbour.demo").await?;
    let newest = haven.list_cases(&cm, &BoardQuery::newest(1)).await?;
    let Some(case) = newest.cases.first().map(|c| c.id) else {
        return Ok(());
    };
    let consent = haven
        .record_consent(
            &cm,
            case,
            ConsentInput {
                recipient_org: clinic,
                categories: [DataCategory::Identity, DataCategory::Medical].into(),
                purpose: "Medical follow-up after intake".into(),
                method: ConsentMethod::SignedForm,
                evidence: "Demo form 001".into(),
                signer: Signer::Survivor,
                guardian: None,
                granted_at: None,
                expires_at: Some(haven.now() + Duration::days(90)),
                scan: None,
            },
        )
        .await?;
    let services = haven.directory_services().await?;
    let service_of = |org: OrgId, kind: &str| -> Option<ServiceId> {
        services
            .iter()
            .find(|s| s.org == org && s.kind.as_str() == kind)
            .map(|s| s.id)
    };
    if let Some(medical) = service_of(clinic, "medical") {
        haven.refer(&cm, case, medical, Some(consent)).await?;
    }
    if let Some(shelter) = service_of(shelter, "shelter") {
        haven.refer(&cm, case, shelter, None).await?;
    }
    Ok(())
}
