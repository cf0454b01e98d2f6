//! Closed-loop referrals. A case manager on the team refers the survivor to a directory
//! service of another organisation, optionally under a release naming that organisation;
//! the receiving organisation's staff who serve that kind of service accept or decline it,
//! start it and complete it with an outcome; the sender sees the loop close. The receiver
//! sees the pseudonym and the service asked for, and — only through the case page, only
//! while the release is active — the categories it names.
//!
//! A law-enforcement liaison may refer a person *into* an NGO: an intake referral holds what
//! it says sealed under its own key and creates nothing until the NGO accepts it.

use crate::access::REFERRAL_BASIS;
use crate::auth::Authenticated;
use crate::cases::NewCase;
use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_crypto::envelope::{self, DataKey};
use haven_crypto::field::FieldContext;
use haven_domain::access::{Action, Role};
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::referral::{Move, ReferralState, ServiceKind, Side, is_overdue};
use haven_domain::survivor::SurvivorProfile;
use haven_domain::{CaseId, ConsentId, DataCategory, KeyId, OrgId, ReferralId, ServiceId};
use haven_store::{ReferralRow, ServiceRow, Store};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A referral as one side sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralView {
    pub id: ReferralId,
    /// The sending case: shown to the sender; to the receiver only as the link to the
    /// record, which the policy still checks.
    pub case: Option<CaseId>,
    pub pseudonym: String,
    pub from_org: OrgId,
    pub to_org: OrgId,
    pub service: ServiceId,
    pub service_name: String,
    pub service_kind: ServiceKind,
    pub consent: Option<ConsentId>,
    pub state: ReferralState,
    pub reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub respond_by: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub overdue: bool,
    /// Whether the viewer is on the receiving side (and which moves are theirs).
    pub receiving: bool,
    /// What an intake referral says about the person (receiver only).
    pub intake_note: Option<String>,
}

/// What a law-enforcement liaison sends into an NGO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeReferral {
    pub service: ServiceId,
    pub pseudonym: String,
    /// How to reach the person safely, and what the NGO should know. Sealed.
    pub note: String,
}

#[derive(Serialize, Deserialize)]
struct SealedIntake {
    pseudonym: String,
    note: String,
}

fn intake_context(org: OrgId, id: ReferralId) -> FieldContext<'static> {
    FieldContext {
        org,
        table: "referrals",
        column: "sealed",
        record: *id.as_bytes(),
    }
}

impl<S: Store> Haven<S> {
    /// A directory service that can receive referrals: active, of a Haven organisation.
    async fn referable_service(
        &self,
        id: ServiceId,
    ) -> Result<(ServiceRow, ServiceKind), CoreError> {
        let invalid = |reason: Reason| CoreError::invalid("service", reason);
        let service = self
            .store()
            .directory_service(id)
            .await?
            .ok_or_else(|| invalid(Reason::ServiceUnknown))?;
        if service.status != "active" {
            return Err(invalid(Reason::ServiceInactive));
        }
        if self.store().org(service.org).await?.is_none() {
            return Err(invalid(Reason::ServiceNotOnHaven));
        }
        let kind = service.kind.parse().unwrap_or(ServiceKind::Other);
        Ok((service, kind))
    }

    /// Refers the survivor of `case` to a service of another organisation.
    pub async fn refer(
        &self,
        auth: &Authenticated,
        case: CaseId,
        service: ServiceId,
        consent: Option<ConsentId>,
    ) -> Result<ReferralId, CoreError> {
        let access = self.authorize_case(auth, case, Action::Refer).await?;
        let (service, kind) = self.referable_service(service).await?;
        if service.org == access.org() {
            return Err(CoreError::invalid(
                "service",
                Reason::ServiceOwnOrganisation,
            ));
        }
        if let Some(c) = consent {
            let now = self.now();
            let fits = self
                .store()
                .consents_of_survivor(access.survivor())
                .await?
                .iter()
                .any(|row| {
                    row.id == c
                        && row.org == access.org()
                        && row.recipient_org == service.org
                        && super::grant(row).is_active(now)
                });
            if !fits {
                return Err(CoreError::invalid(
                    "consent",
                    Reason::NoReleaseForOrganisation,
                ));
            }
        }
        let now = self.now();
        let entropy = self.inner().entropy.as_ref();
        let id = ReferralId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let row = ReferralRow {
            id,
            case: Some(case),
            survivor: Some(access.survivor()),
            from_org: access.org(),
            to_org: service.org,
            service: service.id,
            consent,
            state: ReferralState::Sent.as_str().into(),
            reason: None,
            created_by: auth.staff.id,
            created_at: now,
            respond_by: now + kind.response_time(),
            updated_at: now,
            sealed: None,
            key_id: None,
        };
        let mut event = self.event(
            auth.staff.actor(),
            AuditAction::ReferralCreate,
            kind.as_str(),
        );
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Referral(*id.as_uuid()));
        event.consent = consent.map(|c| *c.as_uuid());
        let timeline = self.case_event(case, "referral", Some(auth.staff.id), "sent");
        self.store()
            .insert_referral(&row, Some(&timeline), &self.encode(&event)?)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(id)
    }

    /// An intake referral from a law-enforcement liaison into an NGO's service. Nothing is
    /// created at the NGO until it accepts; what the liaison wrote is sealed.
    pub async fn refer_intake(
        &self,
        auth: &Authenticated,
        input: IntakeReferral,
    ) -> Result<ReferralId, CoreError> {
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        if !auth.staff.roles.contains(&Role::LeLiaison) {
            return Err(CoreError::Forbidden);
        }
        SurvivorProfile::pseudonymous(&input.pseudonym)?;
        if haven_domain::text::typed_chars(&input.note) > 2_000 {
            return Err(CoreError::invalid(
                "note",
                Problem::new(Reason::TextTooLong).with("max", 2000),
            ));
        }
        let (service, kind) = self.referable_service(input.service).await?;
        let inner = self.inner();
        let entropy = inner.entropy.as_ref();
        let id = ReferralId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let key = inner.pool.take(&inner.store, &inner.keys, entropy).await?;
        let plain = serde_json::to_vec(&SealedIntake {
            pseudonym: input.pseudonym.trim().into(),
            note: input.note.trim().into(),
        })
        .map_err(|_| {
            CoreError::Store(haven_store::StoreError::Corrupt(
                "the referral could not be sealed",
            ))
        })?;
        let now = self.now();
        let row = ReferralRow {
            id,
            case: None,
            survivor: None,
            from_org: auth.staff.org,
            to_org: service.org,
            service: service.id,
            consent: None,
            state: ReferralState::Sent.as_str().into(),
            reason: None,
            created_by: auth.staff.id,
            created_at: now,
            respond_by: now + kind.response_time(),
            updated_at: now,
            sealed: Some(key.seal(&intake_context(service.org, id), &plain, entropy)?),
            key_id: Some(key.id),
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::ReferralCreate, "intake");
        event.org = Some(auth.staff.org);
        event.target = Some(AuditTarget::Referral(*id.as_uuid()));
        self.store()
            .insert_referral(&row, None, &self.encode(&event)?)
            .await?;
        Ok(id)
    }

    /// Which side of a referral the caller is on; `None` if neither (answer not found).
    async fn side(
        &self,
        auth: &Authenticated,
        row: &ReferralRow,
        kind: ServiceKind,
    ) -> Result<Option<Side>, CoreError> {
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        let staff = &auth.staff;
        if staff.org == row.to_org
            && (staff.roles.contains(&Role::Supervisor)
                || kind.responders().iter().any(|r| staff.roles.contains(r)))
        {
            return Ok(Some(Side::Receiver));
        }
        if staff.org == row.from_org {
            let sender = match row.case {
                Some(case) => self.permits(auth, case, Action::Refer).await?,
                None => staff.id == row.created_by,
            };
            if sender {
                return Ok(Some(Side::Sender));
            }
        }
        Ok(None)
    }

    async fn view_referral(
        &self,
        row: ReferralRow,
        side: Side,
        service: Option<ServiceRow>,
    ) -> Result<ReferralView, CoreError> {
        let kind = service
            .as_ref()
            .and_then(|s| s.kind.parse().ok())
            .unwrap_or(ServiceKind::Other);
        let (pseudonym, intake_note) = match (row.survivor, &row.sealed, row.key_id) {
            (Some(survivor), _, _) => {
                let (srow, key) = self.survivor_with_key(survivor).await?;
                (crate::survivors::open_pseudonym_row(&srow, &key)?, None)
            }
            (None, Some(sealed), Some(key_id)) => {
                let key = self.data_key(key_id).await?;
                let plain = key.open(&intake_context(row.to_org, row.id), sealed)?;
                let intake: SealedIntake = serde_json::from_slice(&plain).map_err(|_| {
                    CoreError::Store(haven_store::StoreError::Corrupt(
                        "a stored referral could not be read",
                    ))
                })?;
                (intake.pseudonym, Some(intake.note))
            }
            _ => (String::new(), None),
        };
        let state = stored_state(&row)?;
        let receiving = side == Side::Receiver;
        Ok(ReferralView {
            id: row.id,
            case: row.case,
            pseudonym,
            from_org: row.from_org,
            to_org: row.to_org,
            service: row.service,
            service_name: service.map(|s| s.name).unwrap_or_default(),
            service_kind: kind,
            consent: row.consent,
            state,
            reason: row.reason,
            created_at: row.created_at,
            respond_by: row.respond_by,
            updated_at: row.updated_at,
            overdue: is_overdue(state, row.respond_by, self.now()),
            receiving,
            intake_note: if receiving { intake_note } else { None },
        })
    }

    async fn data_key(&self, id: KeyId) -> Result<DataKey, CoreError> {
        let wrapped = self
            .store()
            .data_key(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(envelope::unwrap(&self.inner().keys, &wrapped)?)
    }

    /// One referral, for either side; anyone else gets not found (audited).
    pub async fn referral(
        &self,
        auth: &Authenticated,
        id: ReferralId,
    ) -> Result<ReferralView, CoreError> {
        let (row, side, service) = self.referral_for(auth, id).await?;
        let view = self.view_referral(row, side, service).await?;
        let mut event = self.event(
            auth.staff.actor(),
            AuditAction::ReferralView,
            REFERRAL_BASIS,
        );
        event.org = Some(auth.staff.org);
        event.target = Some(AuditTarget::Referral(*id.as_uuid()));
        event.categories = vec![DataCategory::Case];
        self.append(&event).await?;
        Ok(view)
    }

    async fn referral_for(
        &self,
        auth: &Authenticated,
        id: ReferralId,
    ) -> Result<(ReferralRow, Side, Option<ServiceRow>), CoreError> {
        let denied = || async {
            let mut event =
                self.event(auth.staff.actor(), AuditAction::AccessDenied, "policy_deny");
            event.decision = haven_domain::audit::Decision::Deny;
            event.target = Some(AuditTarget::Referral(*id.as_uuid()));
            match self.append(&event).await {
                Ok(_) => CoreError::NotFound,
                Err(e) => e,
            }
        };
        let Some(row) = self.store().referral(id).await? else {
            return Err(denied().await);
        };
        let service = self.store().directory_service(row.service).await?;
        let kind = service
            .as_ref()
            .and_then(|s| s.kind.parse().ok())
            .unwrap_or(ServiceKind::Other);
        match self.side(auth, &row, kind).await? {
            Some(side) => Ok((row, side, service)),
            None => Err(denied().await),
        }
    }

    /// Moves a referral one step. The store changes it only from the state it was read in,
    /// so a second accept (or a race) changes nothing and answers a conflict.
    pub async fn move_referral(
        &self,
        auth: &Authenticated,
        id: ReferralId,
        step: Move,
    ) -> Result<ReferralView, CoreError> {
        let (row, side, service) = self.referral_for(auth, id).await?;
        let from = stored_state(&row)?;
        let to = from.apply(step, side).map_err(|e| match e {
            haven_domain::referral::MoveError::NotYours => CoreError::Forbidden,
            haven_domain::referral::MoveError::OutOfOrder { from, to } => CoreError::invalid(
                "state",
                Problem::new(Reason::ReferralOutOfOrder)
                    .with("from", from)
                    .with("to", to),
            ),
        })?;
        let now = self.now();
        let mut next = ReferralRow {
            state: to.as_str().into(),
            updated_at: now,
            reason: match step {
                Move::Decline(r) => Some(r.as_str().into()),
                Move::Complete(o) => Some(o.as_str().into()),
                _ => row.reason.clone(),
            },
            ..row.clone()
        };
        // Accepting an intake referral is the NGO's intake: survivor and case are created now.
        if step == Move::Accept && row.case.is_none() {
            let view = self
                .view_referral(row.clone(), side, service.clone())
                .await?;
            let profile = SurvivorProfile::pseudonymous(&view.pseudonym)?;
            let (survivor, case) = self.intake(auth, &profile, &NewCase::default()).await?;
            next.case = Some(case);
            next.survivor = Some(survivor);
        }
        let mut event = self.event(auth.staff.actor(), AuditAction::ReferralMove, step.code());
        event.org = Some(auth.staff.org);
        event.target = Some(AuditTarget::Referral(*id.as_uuid()));
        let timeline = next
            .case
            .filter(|_| row.case.is_some())
            .map(|case| self.case_event(case, "referral", Some(auth.staff.id), to.as_str()));
        let moved = self
            .store()
            .move_referral(
                &next,
                from.as_str(),
                timeline.as_ref(),
                &self.encode(&event)?,
            )
            .await?;
        if !moved {
            return Err(CoreError::Conflict(Reason::ReferralMovedOn.into()));
        }
        self.view_referral(next, side, service).await
    }

    /// Referrals addressed to the caller's organisation that the caller may answer.
    pub async fn incoming_referrals(
        &self,
        auth: &Authenticated,
    ) -> Result<Vec<ReferralView>, CoreError> {
        let mut out = Vec::new();
        for row in self.store().referrals_to_org(auth.staff.org, 200).await? {
            let service = self.store().directory_service(row.service).await?;
            let kind = service
                .as_ref()
                .and_then(|s| s.kind.parse().ok())
                .unwrap_or(ServiceKind::Other);
            if self.side(auth, &row, kind).await? == Some(Side::Receiver) {
                out.push(self.view_referral(row, Side::Receiver, service).await?);
            }
        }
        let mut event = self.event(auth.staff.actor(), AuditAction::ReferralView, "incoming");
        event.org = Some(auth.staff.org);
        event.categories = vec![DataCategory::Case];
        self.append(&event).await?;
        Ok(out)
    }

    /// The referrals a case has sent, for its team.
    pub async fn case_referrals(
        &self,
        auth: &Authenticated,
        case: CaseId,
    ) -> Result<Vec<ReferralView>, CoreError> {
        let access = self.authorize_case(auth, case, Action::View).await?;
        if access.org() != auth.staff.org {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for row in self.store().referrals_of_case(case).await? {
            let service = self.store().directory_service(row.service).await?;
            out.push(self.view_referral(row, Side::Sender, service).await?);
        }
        Ok(out)
    }
}

/// A stored referral's state; one the server cannot read is a fault, never a withdrawal.
fn stored_state(row: &ReferralRow) -> Result<ReferralState, CoreError> {
    row.state.parse().map_err(|_| {
        CoreError::Store(haven_store::StoreError::Corrupt(
            "a stored referral state is unknown",
        ))
    })
}
