//! Transfer of a case's ownership: a separate action from a referral, proposed by the case
//! manager on the team and taking effect only when a case manager or supervisor of the
//! receiving organisation accepts. Acceptance moves the survivor's record and every case the
//! sending organisation holds for them, in one transaction: each ciphertext bound to the old
//! owner is opened and sealed again for the new one, the accepter becomes the team, and the
//! old owner's releases end (a release is the discloser's to give). The sending organisation
//! keeps nothing it could open: from then on it is another organisation.

use super::{consents, messages};
use crate::auth::Authenticated;
use crate::cases::{goal_context, note_context, task_context};
use crate::problem::Reason;
use crate::survivors::{open_pseudonym_row, reseal_row};
use crate::{CoreError, Haven};
use haven_crypto::Entropy;
use haven_crypto::envelope::DataKey;
use haven_crypto::field::FieldContext;
use haven_domain::access::{Action, Role};
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::{CaseId, OrgId, TransferId};
use haven_store::{MovedRecord, Store, StoreError, TransferRow};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferView {
    pub id: TransferId,
    pub case: CaseId,
    pub pseudonym: String,
    pub from_org: OrgId,
    pub to_org: OrgId,
    pub state: String,
    pub created_at: OffsetDateTime,
    /// Whether the viewer is on the receiving side.
    pub receiving: bool,
}

/// How many times an acceptance reads the record again when the sender wrote to it while it
/// was being resealed. A sender's writes are a person's, seconds apart; three fresh reads
/// losing to them means someone is still working on the case, and the accepter may retry.
const TRANSFER_REREADS: usize = 3;

fn reseal(
    key: &DataKey,
    from: &FieldContext<'_>,
    to: &FieldContext<'_>,
    ciphertext: &[u8],
    entropy: &dyn Entropy,
) -> Result<Vec<u8>, CoreError> {
    let plain = key.open(from, ciphertext)?;
    Ok(key.seal(to, &plain, entropy)?)
}

fn may_receive(auth: &Authenticated, row: &TransferRow) -> bool {
    auth.staff.org == row.to_org
        && (auth.staff.roles.contains(&Role::CaseManager)
            || auth.staff.roles.contains(&Role::Supervisor))
}

impl<S: Store> Haven<S> {
    /// Proposes that `to` take over the case. Nothing changes until it accepts.
    pub async fn propose_transfer(
        &self,
        auth: &Authenticated,
        case: CaseId,
        to: OrgId,
    ) -> Result<TransferId, CoreError> {
        let access = self.authorize_case(auth, case, Action::Refer).await?;
        if to == access.org() || self.store().org(to).await?.is_none() {
            return Err(CoreError::invalid("to_org", Reason::TransferTarget));
        }
        let pending = self
            .store()
            .transfers_of_org(access.org(), 500)
            .await?
            .into_iter()
            .any(|t| t.case == case && t.state == "proposed");
        if pending {
            return Err(CoreError::Conflict(Reason::TransferWaiting.into()));
        }
        let entropy = self.inner().entropy.as_ref();
        let id = TransferId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let row = TransferRow {
            id,
            case,
            from_org: access.org(),
            to_org: to,
            state: "proposed".into(),
            created_by: auth.staff.id,
            created_at: self.now(),
            decided_by: None,
            decided_at: None,
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::TransferPropose, "transfer");
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        let timeline = self.case_event(case, "transfer", Some(auth.staff.id), "proposed");
        self.store()
            .insert_transfer(&row, &timeline, &self.encode(&event)?)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(id)
    }

    /// Transfers proposed to the caller's organisation (for its case managers and
    /// supervisors) and by it (for whoever may refer from the case).
    pub async fn transfers(&self, auth: &Authenticated) -> Result<Vec<TransferView>, CoreError> {
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        let mut out = Vec::new();
        for row in self.store().transfers_of_org(auth.staff.org, 200).await? {
            let receiving = may_receive(auth, &row);
            let sending = row.from_org == auth.staff.org
                && self.permits(auth, row.case, Action::Refer).await?;
            if !receiving && !sending {
                continue;
            }
            let pseudonym = match self.store().case(row.case).await? {
                Some((case, _)) => {
                    let (srow, key) = self.survivor_with_key(case.survivor).await?;
                    open_pseudonym_row(&srow, &key)?
                }
                None => String::new(),
            };
            out.push(TransferView {
                id: row.id,
                case: row.case,
                pseudonym,
                from_org: row.from_org,
                to_org: row.to_org,
                state: row.state,
                created_at: row.created_at,
                receiving,
            });
        }
        Ok(out)
    }

    /// Accepts or declines a transfer (receiver), or withdraws it (sender). Deciding twice
    /// changes nothing and answers a conflict. An acceptance moves the record only as it
    /// read it: when the sender wrote to it meanwhile (a note, an edit), it reads and
    /// reseals again, up to [`TRANSFER_REREADS`] times, then answers `record_changed`.
    pub async fn decide_transfer(
        &self,
        auth: &Authenticated,
        id: TransferId,
        decision: &str,
    ) -> Result<(), CoreError> {
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        let not_found = || async {
            self.deny_target(auth, AuditTarget::Transfer(*id.as_uuid()), None)
                .await
        };
        let Some(row) = self.store().transfer(id).await? else {
            return Err(not_found().await);
        };
        let receiving = may_receive(auth, &row);
        let sending =
            row.from_org == auth.staff.org && self.permits(auth, row.case, Action::Refer).await?;
        let allowed = match decision {
            "accepted" | "declined" => receiving,
            "withdrawn" => sending,
            _ => {
                return Err(CoreError::invalid("decision", Reason::TransferDecision));
            }
        };
        if !allowed {
            return Err(if receiving || sending {
                CoreError::Forbidden
            } else {
                not_found().await
            });
        }
        if row.state != "proposed" {
            return Err(CoreError::Conflict(Reason::TransferDecided.into()));
        }
        let now = self.now();
        let decided = TransferRow {
            state: decision.into(),
            decided_by: Some(auth.staff.id),
            decided_at: Some(now),
            ..row.clone()
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::TransferDecide, decision);
        event.org = Some(auth.staff.org);
        event.target = Some(AuditTarget::Case(*row.case.as_uuid()));
        let timeline = self.case_event(row.case, "transfer", Some(auth.staff.id), decision);
        let audit = self.encode(&event)?;
        let mut rereads = 0;
        let done = loop {
            let moved = if decision == "accepted" {
                Some(self.moved_record(auth, &row).await?)
            } else {
                None
            };
            match self
                .store()
                .decide_transfer(&decided, moved.as_ref(), &timeline, &audit)
                .await
            {
                Err(StoreError::Stale(_)) if rereads < TRANSFER_REREADS => rereads += 1,
                written => {
                    break written.map_err(CoreError::changed_meanwhile(Reason::RecordChanged))?;
                }
            }
        };
        if done {
            Ok(())
        } else {
            Err(CoreError::Conflict(Reason::TransferDecided.into()))
        }
    }

    /// Every ciphertext of the record the sending organisation holds, sealed for the receiver.
    async fn moved_record(
        &self,
        auth: &Authenticated,
        row: &TransferRow,
    ) -> Result<MovedRecord, CoreError> {
        let (case, _) = self
            .store()
            .case(row.case)
            .await?
            .ok_or(CoreError::NotFound)?;
        let (from, to) = (row.from_org, row.to_org);
        let (survivor, key) = self.survivor_with_key(case.survivor).await?;
        let entropy = self.inner().entropy.as_ref();
        let mut moved = MovedRecord {
            survivor: case.survivor,
            from_org: from,
            to_org: to,
            pseudonym_read: survivor.fields.pseudonym.clone(),
            fields: reseal_row(&survivor, &key, to, entropy)?,
            cases: Vec::new(),
            team: vec![auth.staff.id],
            notes: Vec::new(),
            tasks: Vec::new(),
            goals: Vec::new(),
            messages: Vec::new(),
            adversaries: Vec::new(),
            at: self.now(),
            by: auth.staff.id,
        };
        for (c, _) in self.store().cases_of_survivor(case.survivor).await? {
            if c.org != from {
                continue;
            }
            moved.cases.push(c.id);
            for n in self.store().notes_of_case(c.id).await? {
                let body = reseal(
                    &key,
                    &note_context(from, n.id),
                    &note_context(to, n.id),
                    &n.body,
                    entropy,
                )?;
                moved.notes.push((n.id, body));
            }
            for t in self.store().tasks_of_case(c.id).await? {
                let title = reseal(
                    &key,
                    &task_context(from, t.id),
                    &task_context(to, t.id),
                    &t.title,
                    entropy,
                )?;
                moved.tasks.push((t.id, title));
            }
            for g in self.store().goals_of_case(c.id).await? {
                let title = reseal(
                    &key,
                    &goal_context(from, g.id),
                    &goal_context(to, g.id),
                    &g.title,
                    entropy,
                )?;
                moved.goals.push((g.id, title));
            }
            for m in self.store().messages_of_case(c.id).await? {
                let body = reseal(
                    &key,
                    &messages::context(from, m.id),
                    &messages::context(to, m.id),
                    &m.body,
                    entropy,
                )?;
                moved.messages.push((m.id, body));
            }
            for a in self.store().adversaries_of_case(c.id).await? {
                let record = *a.id.as_bytes();
                let name = reseal(
                    &key,
                    &consents::context(from, "adversaries", record),
                    &consents::context(to, "adversaries", record),
                    &a.name,
                    entropy,
                )?;
                moved.adversaries.push((a.id, name));
            }
        }
        Ok(moved)
    }
}
