//! Secure messages between the people working a case across organisations: the owning
//! organisation's case team, and the receiving staff of a referral from the case that is
//! accepted or in progress. Bodies are sealed under the survivor's key like notes; sending
//! and reading are audited.

use crate::access::{REFERRAL_BASIS, basis_reason};
use crate::auth::Authenticated;
use crate::cases::History;
use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_crypto::field::FieldContext;
use haven_domain::access::Basis;
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::referral::{ReferralState, ServiceKind};
use haven_domain::{CaseId, DataCategory, MessageId, OrgId, SurvivorId, UserId};
use haven_store::{HistoryWindow, MessageRow, Store};
use time::OffsetDateTime;

pub const MAX_MESSAGE_CHARS: usize = 5_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub id: MessageId,
    pub author: UserId,
    pub author_org: OrgId,
    pub created_at: OffsetDateTime,
    pub body: String,
}

pub(crate) fn context(org: OrgId, id: MessageId) -> FieldContext<'static> {
    FieldContext {
        org,
        table: "case_messages",
        column: "body",
        record: *id.as_bytes(),
    }
}

/// A stored message, opened with the survivor's key.
pub(crate) fn open_message(
    row: MessageRow,
    owner: OrgId,
    key: &haven_crypto::envelope::DataKey,
) -> Result<MessageView, CoreError> {
    let plain = key.open(&context(owner, row.id), &row.body)?;
    Ok(MessageView {
        id: row.id,
        author: row.author,
        author_org: row.author_org,
        created_at: row.created_at,
        body: String::from_utf8_lossy(&plain).into_owned(),
    })
}

impl<S: Store> Haven<S> {
    /// The survivor and owning organisation of a case whose messages the caller may use,
    /// with the basis of that use (the case team, or a party to an open referral); not
    /// found (audited) for anyone else.
    async fn message_access(
        &self,
        auth: &Authenticated,
        case: CaseId,
    ) -> Result<(SurvivorId, OrgId, &'static str), CoreError> {
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        let Some((row, team)) = self.store().case(case).await? else {
            return Err(self
                .deny_target(auth, AuditTarget::Case(*case.as_uuid()), None)
                .await);
        };
        if row.org == auth.staff.org && team.contains(&auth.staff.id) {
            return Ok((row.survivor, row.org, basis_reason(Basis::CaseTeam)));
        }
        for referral in self.store().referrals_of_case(case).await? {
            let open = matches!(
                referral.state.parse(),
                Ok(ReferralState::Accepted | ReferralState::InProgress)
            );
            if !open || referral.to_org != auth.staff.org {
                continue;
            }
            let kind = match self.store().directory_service(referral.service).await? {
                Some(s) => s.kind.parse().unwrap_or(ServiceKind::Other),
                None => ServiceKind::Other,
            };
            if kind
                .responders()
                .iter()
                .any(|r| auth.staff.roles.contains(r))
            {
                return Ok((row.survivor, row.org, REFERRAL_BASIS));
            }
        }
        Err(self
            .deny_target(auth, AuditTarget::Case(*case.as_uuid()), Some(row.org))
            .await)
    }

    pub async fn send_message(
        &self,
        auth: &Authenticated,
        case: CaseId,
        body: &str,
    ) -> Result<MessageId, CoreError> {
        let (survivor, owner, _) = self.message_access(auth, case).await?;
        let text = body.trim();
        if text.is_empty() || haven_domain::text::typed_chars(text) > MAX_MESSAGE_CHARS {
            return Err(CoreError::invalid(
                "body",
                Problem::new(Reason::MessageLength).with("max", MAX_MESSAGE_CHARS),
            ));
        }
        let entropy = self.inner().entropy.as_ref();
        let id = MessageId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let key = self.survivor_key(survivor).await?;
        let row = MessageRow {
            id,
            case,
            author: auth.staff.id,
            author_org: auth.staff.org,
            created_at: self.now(),
            body: key.seal(&context(owner, id), text.as_bytes(), entropy)?,
        };
        let mut event = self.event(auth.staff.actor(), AuditAction::MessageSend, "message");
        event.org = Some(owner);
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        event.categories = vec![DataCategory::Case];
        self.store()
            .insert_message(&row, owner, &self.encode(&event)?)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(id)
    }

    /// A case's messages, oldest first, as far as `history` reaches, and how many there are
    /// in all: those beyond it are counted, not opened (an audited list).
    pub async fn message_history(
        &self,
        auth: &Authenticated,
        case: CaseId,
        history: History,
    ) -> Result<(Vec<MessageView>, usize), CoreError> {
        let (survivor, owner, basis) = self.message_access(auth, case).await?;
        let key = self.survivor_key(survivor).await?;
        let (rows, total) = match history.window() {
            HistoryWindow::All => history.keep(self.store().messages_of_case(case).await?),
            HistoryWindow::NewestOfEachKind(n) => {
                let (rows, total) = self.store().newest_messages_of_case(case, n).await?;
                (rows, usize::try_from(total).unwrap_or(usize::MAX))
            }
        };
        let out = rows
            .into_iter()
            .map(|row| open_message(row, owner, &key))
            .collect::<Result<Vec<_>, _>>()?;
        let mut event = self.event(auth.staff.actor(), AuditAction::MessageList, basis);
        event.org = Some(owner);
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        event.categories = vec![DataCategory::Case];
        self.append(&event).await?;
        Ok((out, total))
    }
}
