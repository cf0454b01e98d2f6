//! Conformance stories: releases of information, referrals, messages and the directory.

use super::staff::user;
use super::{Outcome, ensure, id_bytes, key, org, survivor};
use crate::{
    CaseEvent, CaseRow, ConsentRow, DirectoryImport, DirectoryOrgRow, MessageRow, ReferralRow,
    Revocation, ServiceRow, Store,
};
use haven_domain::{CaseId, ConsentId, MessageId, OrgId, ReferralId, ServiceId};
use time::macros::datetime;

fn directory_entry(o: OrgId, n: u32) -> (DirectoryOrgRow, ServiceRow) {
    (
        DirectoryOrgRow {
            id: o,
            name: format!("Org {n}"),
            document: format!("{{\"name\":\"Org {n}\"}}"),
        },
        ServiceRow {
            id: ServiceId::from_random_bytes(id_bytes(n, 0x5e)),
            org: o,
            name: "Clinic".into(),
            status: "active".into(),
            kind: "medical".into(),
            document: "{}".into(),
        },
    )
}

/// A release is recorded, read back and revoked once; a referral moves only from the state
/// it is in, so a second accept changes nothing; messages and directory imports read back.
pub async fn consents_and_referrals_round_trip<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let (a, b) = (org(1), org(2));
    store.insert_org(&a, b"a").await?;
    store.insert_org(&b, b"b").await?;
    let u = user(1, &a);
    store.insert_user(&u, b"u").await?;
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &a, &k);
    store.insert_survivor(&s, b"s").await?;
    let at = datetime!(2026-11-08 10:00 UTC);
    let case = CaseRow::opened(CaseId::from_random_bytes(id_bytes(1, 0xf0)), s.id, a.id, at);
    let event = |kind: &str| CaseEvent {
        case: case.id,
        at,
        kind: kind.into(),
        actor: Some(u.id),
        detail: String::new(),
    };
    store
        .insert_case(&case, case.org, &[u.id], &event("opened"), b"case")
        .await?;
    let consent = ConsentRow {
        id: ConsentId::from_random_bytes(id_bytes(1, 0xc5)),
        survivor: s.id,
        org: a.id,
        recipient_org: b.id,
        categories: "identity,medical".into(),
        method: "signed_form".into(),
        signer: "survivor".into(),
        sealed: vec![1, 2, 3],
        has_scan: true,
        granted_at: at,
        expires_at: datetime!(2027-01-08 10:00 UTC),
        recorded_by: u.id,
        revoked_at: None,
        revoked_by: None,
        revocation_channel: None,
    };
    store
        .insert_consent(
            &consent,
            Some(&[0x25, 0x50, 0x44, 0x46]),
            &event("consent"),
            b"consent",
        )
        .await?;
    ensure(
        store.consents_of_survivor(s.id).await? == vec![consent.clone()],
        "the release reads back",
    )?;
    ensure(
        store.consent_scan(s.id, consent.id).await? == Some(vec![0x25, 0x50, 0x44, 0x46]),
        "its scan reads back on its own",
    )?;
    ensure(
        store
            .consent_scan(a_survivor_elsewhere(), consent.id)
            .await?
            .is_none(),
        "only through its own survivor",
    )?;
    let revocation = Revocation {
        consent: consent.id,
        at,
        by: u.id,
        channel: "oral".into(),
    };
    ensure(
        store
            .revoke_consent(s.id, &revocation, &event("revoke"), b"revoke")
            .await?,
        "a release is revoked",
    )?;
    ensure(
        !store
            .revoke_consent(s.id, &revocation, &event("revoke"), b"revoke")
            .await?,
        "and only once",
    )?;
    ensure(
        store.consents_of_survivor(s.id).await?[0].revoked_at == Some(at),
        "the revocation reads back",
    )?;

    let (dir_org, service) = directory_entry(b.id, 2);
    store
        .import_directory(
            &DirectoryImport {
                orgs: vec![dir_org.clone()],
                services: vec![service.clone()],
                sealed_locations: Vec::new(),
            },
            b"import",
        )
        .await?;
    // A second import of the same organisation replaces it whole.
    store
        .import_directory(
            &DirectoryImport {
                orgs: vec![dir_org.clone()],
                services: vec![service.clone()],
                sealed_locations: Vec::new(),
            },
            b"import",
        )
        .await?;
    ensure(
        store.directory_services().await? == vec![service.clone()]
            && store.directory_orgs().await? == vec![dir_org],
        "the directory reads back once",
    )?;

    let referral = ReferralRow {
        id: ReferralId::from_random_bytes(id_bytes(1, 0x7e)),
        case: Some(case.id),
        survivor: Some(s.id),
        from_org: a.id,
        to_org: b.id,
        service: service.id,
        consent: Some(consent.id),
        state: "sent".into(),
        reason: None,
        created_by: u.id,
        created_at: at,
        respond_by: datetime!(2026-11-09 10:00 UTC),
        updated_at: at,
        sealed: None,
        key_id: None,
    };
    store
        .insert_referral(&referral, Some(&event("referral")), b"referral")
        .await?;
    let accepted = ReferralRow {
        state: "accepted".into(),
        ..referral.clone()
    };
    ensure(
        store
            .move_referral(&accepted, "sent", None, b"accept")
            .await?,
        "the referral is accepted",
    )?;
    ensure(
        !store
            .move_referral(&accepted, "sent", None, b"accept")
            .await?,
        "a second accept changes nothing",
    )?;
    ensure(
        store.referral(referral.id).await? == Some(accepted.clone())
            && store.referrals_of_case(case.id).await? == vec![accepted.clone()]
            && store.referrals_to_org(b.id, 10).await? == vec![accepted],
        "the referral reads back by id, case and recipient",
    )?;

    let message = MessageRow {
        id: MessageId::from_random_bytes(id_bytes(1, 0x3e)),
        case: case.id,
        author: u.id,
        author_org: a.id,
        created_at: at,
        body: vec![9; 40],
    };
    store.insert_message(&message, case.org, b"message").await?;
    ensure(
        store.messages_of_case(case.id).await? == vec![message],
        "the message reads back",
    )?;
    ensure(
        store
            .remove_team_member(case.id, case.org, u.id, &event("team"), b"remove")
            .await?,
        "a member leaves the team",
    )?;
    ensure(
        !store
            .remove_team_member(case.id, case.org, u.id, &event("team"), b"remove")
            .await?
            && store
                .case(case.id)
                .await?
                .is_some_and(|(_, t)| t.is_empty()),
        "and only once",
    )
}

fn a_survivor_elsewhere() -> haven_domain::SurvivorId {
    haven_domain::SurvivorId::from_random_bytes(id_bytes(77, 0xc0))
}
