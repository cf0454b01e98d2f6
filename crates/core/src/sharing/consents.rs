//! Recording, listing and revoking releases of information, and recording the suspected
//! abusers a consenting guardian is checked against. What a release says (purpose,
//! evidence, guardian) is sealed under the survivor's key; which organisation, which
//! categories and which dates are in the clear, because the policy reads them on every
//! request.

use super::categories;
use crate::auth::Authenticated;
use crate::cases::require_case;
use crate::problem::{Problem, Reason};
use crate::survivor_index::{normalise_name, phonetic_name};
use crate::survivors::open_whole_row;
use crate::{CoreError, Haven};
use haven_crypto::envelope::DataKey;
use haven_crypto::field::FieldContext;
use haven_domain::access::Action;
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::consent::{
    ConsentDraft, ConsentMethod, RevocationChannel, Signer, Subject, validate,
};
use haven_domain::{AdversaryId, CaseId, ConsentId, DataCategory, OrgId, UserId};
use haven_store::{AdversaryRow, ConsentRow, Revocation, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

const MAX_TEXT: usize = 500;

/// The largest scan of a signed form accepted (it travels inside a 1 MiB request).
pub const MAX_SCAN_BYTES: usize = 700 * 1024;

/// The media type of a scan, from its first bytes: PDF, PNG or JPEG only.
pub fn scan_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn scan_context(org: OrgId, id: ConsentId) -> FieldContext<'static> {
    FieldContext {
        org,
        table: "consents",
        column: "scan",
        record: *id.as_bytes(),
    }
}

/// A release as staff record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentInput {
    pub recipient_org: OrgId,
    pub categories: BTreeSet<DataCategory>,
    pub purpose: String,
    pub method: ConsentMethod,
    pub evidence: String,
    pub signer: Signer,
    pub guardian: Option<String>,
    /// When it was signed; now if not given.
    pub granted_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    /// The scan of the signed form, if one is attached.
    pub scan: Option<Vec<u8>>,
}

/// A release as the case team sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentView {
    pub id: ConsentId,
    pub recipient_org: OrgId,
    pub categories: Vec<DataCategory>,
    pub purpose: String,
    pub method: String,
    pub evidence: String,
    pub signer: String,
    pub guardian: Option<String>,
    pub granted_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<UserId>,
    pub revocation_channel: Option<String>,
    pub active: bool,
    pub has_scan: bool,
}

/// The sealed part of a release.
#[derive(Serialize, Deserialize)]
struct Sealed {
    purpose: String,
    evidence: String,
    guardian: Option<String>,
}

pub(crate) fn context(org: OrgId, table: &'static str, record: [u8; 16]) -> FieldContext<'static> {
    FieldContext {
        org,
        table,
        column: "sealed",
        record,
    }
}

fn bounded(field: &'static str, text: &str) -> Result<(), CoreError> {
    if text.chars().count() > MAX_TEXT {
        return Err(CoreError::InvalidInput {
            field,
            problem: Problem::new(Reason::TextTooLong).with("max", MAX_TEXT),
        });
    }
    Ok(())
}

/// A stored release, opened with the survivor's key.
pub(crate) fn open_consent(
    row: ConsentRow,
    key: &DataKey,
    now: OffsetDateTime,
) -> Result<ConsentView, CoreError> {
    let plain = key.open(
        &context(row.org, "consents", *row.id.as_bytes()),
        &row.sealed,
    )?;
    let sealed: Sealed = serde_json::from_slice(&plain).map_err(|_| {
        CoreError::Store(haven_store::StoreError::Corrupt(
            "a stored release could not be read",
        ))
    })?;
    let active = super::grant(&row).is_active(now);
    Ok(ConsentView {
        id: row.id,
        recipient_org: row.recipient_org,
        categories: categories(&row.categories).into_iter().collect(),
        purpose: sealed.purpose,
        method: row.method,
        evidence: sealed.evidence,
        signer: row.signer,
        guardian: sealed.guardian,
        granted_at: row.granted_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        revoked_by: row.revoked_by,
        revocation_channel: row.revocation_channel,
        active,
        has_scan: row.has_scan,
    })
}

/// Whether two names are the same person's as far as a check can tell: equal, or sounding
/// alike.
fn same_name(a: &str, b: &str) -> bool {
    normalise_name(a) == normalise_name(b)
        || (!phonetic_name(a).is_empty() && phonetic_name(a) == phonetic_name(b))
}

impl<S: Store> Haven<S> {
    /// Records a release for `case`'s survivor. Case managers and legal advocates on the
    /// team may; the release is checked against the jurisdiction's rules and, when a
    /// guardian signs, against the suspected abusers recorded on the case.
    pub async fn record_consent(
        &self,
        auth: &Authenticated,
        case: CaseId,
        input: ConsentInput,
    ) -> Result<ConsentId, CoreError> {
        let access = self
            .authorize_case(auth, case, Action::RecordConsent)
            .await?;
        for (field, text) in [("purpose", &input.purpose), ("evidence", &input.evidence)] {
            bounded(field, text)?;
        }
        if let Some(g) = &input.guardian {
            bounded("guardian", g)?;
        }
        if let Some(scan) = &input.scan
            && (scan.len() > MAX_SCAN_BYTES || scan_type(scan).is_none())
        {
            return Err(CoreError::invalid(
                "scan",
                Problem::new(Reason::ScanType).with("kib", MAX_SCAN_BYTES / 1024),
            ));
        }
        if self.store().org(input.recipient_org).await?.is_none() {
            return Err(CoreError::invalid(
                "recipient_org",
                Reason::NoSuchOrganisation,
            ));
        }
        let (survivor, key) = self.survivor_with_key(access.survivor()).await?;
        let guardian = input.guardian.clone().filter(|g| !g.trim().is_empty());
        let guardian_is_suspected_abuser = match &guardian {
            Some(g) => self
                .adversary_names(case, access.org(), &key)
                .await?
                .iter()
                .any(|name| same_name(name, g)),
            None => false,
        };
        let now = self.now();
        // Minor today, not when the case was opened: a survivor who has turned 18 since
        // signs their own release.
        let minor =
            open_whole_row(&survivor, &key)?.is_minor_on(now.date(), survivor.created_at.date());
        let valid = validate(
            ConsentDraft {
                recipient_org: input.recipient_org,
                categories: input.categories,
                purpose: input.purpose.trim().to_owned(),
                method: input.method,
                evidence: input.evidence.trim().to_owned(),
                signer: input.signer,
                guardian: guardian.clone(),
                granted_at: input.granted_at.unwrap_or(now),
                expires_at: input.expires_at,
            },
            Subject {
                minor,
                guardian_is_suspected_abuser,
                owning_org: access.org(),
            },
            self.consent_rules(),
            now,
        )
        .map_err(|e| CoreError::invalid(e.field(), Problem::from(&e)))?;
        let entropy = self.inner().entropy.as_ref();
        let id = ConsentId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let draft = &valid.draft;
        let sealed = serde_json::to_vec(&Sealed {
            purpose: draft.purpose.clone(),
            evidence: draft.evidence.clone(),
            guardian,
        })
        .map_err(|_| {
            CoreError::Store(haven_store::StoreError::Corrupt(
                "the release could not be sealed",
            ))
        })?;
        let codes: Vec<&str> = draft.categories.iter().map(|c| c.as_str()).collect();
        let row = ConsentRow {
            id,
            survivor: access.survivor(),
            org: access.org(),
            recipient_org: draft.recipient_org,
            categories: codes.join(","),
            method: draft.method.as_str().into(),
            signer: draft.signer.as_str().into(),
            sealed: key.seal(
                &context(access.org(), "consents", *id.as_bytes()),
                &sealed,
                entropy,
            )?,
            has_scan: input.scan.is_some(),
            granted_at: draft.granted_at,
            expires_at: valid.expires_at,
            recorded_by: auth.staff.id,
            revoked_at: None,
            revoked_by: None,
            revocation_channel: None,
        };
        let scan = match &input.scan {
            Some(bytes) => Some(key.seal(&scan_context(access.org(), id), bytes, entropy)?),
            None => None,
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::ConsentRecord, "consent");
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Survivor(*access.survivor().as_uuid()));
        event.categories = draft.categories.iter().copied().collect();
        event.consent = Some(*id.as_uuid());
        let timeline = self.case_event(case, "consent", Some(auth.staff.id), "recorded");
        self.store()
            .insert_consent(&row, scan.as_deref(), &timeline, &self.encode(&event)?)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(id)
    }

    /// Revokes a release. Anyone on the team who hears the survivor withdraw may record it;
    /// it takes effect on the next request.
    pub async fn revoke_consent(
        &self,
        auth: &Authenticated,
        case: CaseId,
        consent: ConsentId,
        channel: RevocationChannel,
    ) -> Result<(), CoreError> {
        let access = self
            .authorize_case(auth, case, Action::RevokeConsent)
            .await?;
        let revocation = Revocation {
            consent,
            at: self.now(),
            by: auth.staff.id,
            channel: channel.as_str().into(),
        };
        let mut event = self.event(
            auth.staff.actor(),
            AuditAction::ConsentRevoke,
            channel.as_str(),
        );
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Survivor(*access.survivor().as_uuid()));
        event.consent = Some(*consent.as_uuid());
        let timeline = self.case_event(case, "consent", Some(auth.staff.id), "revoked");
        let done = self
            .store()
            .revoke_consent(
                access.survivor(),
                &revocation,
                &timeline,
                &self.encode(&event)?,
            )
            .await?;
        if done {
            Ok(())
        } else {
            Err(CoreError::Conflict(Reason::NoReleaseInForce.into()))
        }
    }

    /// The survivor's releases, for the case team.
    pub async fn consents(
        &self,
        auth: &Authenticated,
        case: CaseId,
    ) -> Result<Vec<ConsentView>, CoreError> {
        let access = self
            .authorize_case(auth, case, Action::RevokeConsent)
            .await?;
        require_case(&access)?;
        let key = self.survivor_key(access.survivor()).await?;
        let now = self.now();
        let mut out = Vec::new();
        for row in self.store().consents_of_survivor(access.survivor()).await? {
            out.push(open_consent(row, &key, now)?);
        }
        let mut event = self.event(
            access.actor().clone(),
            AuditAction::ConsentList,
            Self::access_reason(&access),
        );
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        event.categories = vec![DataCategory::Case];
        self.append(&event).await?;
        Ok(out)
    }

    /// The scan of a release's signed form, for the case team: its media type and bytes.
    pub async fn consent_scan(
        &self,
        auth: &Authenticated,
        case: CaseId,
        consent: ConsentId,
    ) -> Result<(&'static str, Vec<u8>), CoreError> {
        let access = self
            .authorize_case(auth, case, Action::RevokeConsent)
            .await?;
        let row = self
            .store()
            .consents_of_survivor(access.survivor())
            .await?
            .into_iter()
            .find(|c| c.id == consent)
            .ok_or(CoreError::NotFound)?;
        let sealed = self
            .store()
            .consent_scan(access.survivor(), row.id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let key = self.survivor_key(access.survivor()).await?;
        let bytes = key.open(&scan_context(row.org, row.id), &sealed)?;
        let kind = scan_type(&bytes).ok_or(CoreError::NotFound)?;
        let mut event = self.event(
            access.actor().clone(),
            AuditAction::ConsentScanView,
            Self::access_reason(&access),
        );
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Survivor(*access.survivor().as_uuid()));
        event.consent = Some(*consent.as_uuid());
        self.append(&event).await?;
        Ok((kind, bytes.to_vec()))
    }

    /// Records a suspected abuser or trafficker on a case (safety information): a guardian
    /// with this name can never consent for the survivor.
    pub async fn add_adversary(
        &self,
        auth: &Authenticated,
        case: CaseId,
        name: &str,
        relationship: &str,
    ) -> Result<AdversaryId, CoreError> {
        let access = self
            .authorize_case(auth, case, Action::Edit(DataCategory::Safety))
            .await?;
        let name = name.trim();
        if name.is_empty() {
            return Err(CoreError::invalid("name", Reason::AdversaryName));
        }
        bounded("name", name)?;
        let relationship = relationship.trim();
        if relationship.is_empty()
            || relationship.len() > 40
            || !relationship
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Err(CoreError::invalid("relationship", Reason::RelationshipCode));
        }
        let entropy = self.inner().entropy.as_ref();
        let id = AdversaryId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let key = self.survivor_key(access.survivor()).await?;
        let row = AdversaryRow {
            id,
            case,
            name: key.seal(
                &context(access.org(), "adversaries", *id.as_bytes()),
                name.as_bytes(),
                entropy,
            )?,
            relationship: relationship.into(),
            created_at: self.now(),
        };
        let mut event = self.event(
            auth.staff.actor(),
            AuditAction::AdversaryRecord,
            relationship,
        );
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        event.categories = vec![DataCategory::Safety];
        let timeline = self.case_event(case, "safety", Some(auth.staff.id), "adversary");
        self.store()
            .insert_adversary(&row, access.org(), &timeline, &self.encode(&event)?)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(id)
    }

    async fn adversary_names(
        &self,
        case: CaseId,
        org: OrgId,
        key: &DataKey,
    ) -> Result<Vec<String>, CoreError> {
        let mut names = Vec::new();
        for row in self.store().adversaries_of_case(case).await? {
            let plain = key.open(&context(org, "adversaries", *row.id.as_bytes()), &row.name)?;
            names.push(String::from_utf8_lossy(&plain).into_owned());
        }
        Ok(names)
    }
}
