//! The minor flag over time. A case is flagged minor at intake, or when the record is
//! edited, from the date of birth or the estimated age. People turn 18 with no edit, so the
//! server reviews the flagged cases (at start and then periodically): a survivor who has
//! come of age has the flag cleared on each of their cases, with a timeline event and an
//! audit entry. The review decrypts only the records of flagged cases, and only inside the
//! server; it is idempotent, so several server processes may run it at once.

use crate::survivors::open_whole_row;
use crate::{CoreError, Haven};
use haven_domain::audit::{Actor, AuditAction, AuditTarget};
use haven_domain::{DataCategory, OrgId, SurvivorId};
use haven_store::Store;
use std::collections::BTreeMap;
use time::Date;

/// What a review found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinorReview {
    /// Cases flagged minor when the review began.
    pub flagged: usize,
    /// Cases whose flag it cleared.
    pub cleared: usize,
    /// Survivors whose record could not be opened (erased since, or unreadable): their
    /// flags are left as they are.
    pub unreadable: usize,
}

impl<S: Store> Haven<S> {
    /// Clears the minor flag of every case whose survivor is 18 or older today (by date of
    /// birth, or by an estimated age grown since it was made).
    pub async fn review_minor_flags(&self) -> Result<MinorReview, CoreError> {
        let flagged = self.store().minor_cases().await?;
        let mut review = MinorReview {
            flagged: flagged.len(),
            ..MinorReview::default()
        };
        let mut by_survivor: BTreeMap<SurvivorId, Vec<_>> = BTreeMap::new();
        for (case, survivor) in flagged {
            by_survivor.entry(survivor).or_default().push(case);
        }
        let today = self.now().date();
        for (survivor, cases) in by_survivor {
            let org = match self.still_minor(survivor, today).await {
                Ok((true, _)) => continue,
                Ok((false, org)) => org,
                // The database is not answering: the next review tries again.
                Err(e @ CoreError::Store(_)) => return Err(e),
                // Erased since, or a record that does not open: one survivor's problem
                // does not stop the review of the others.
                Err(_) => {
                    review.unreadable += 1;
                    continue;
                }
            };
            for case in cases {
                let body = self.audit_body(
                    Actor::System {
                        command: "minor_review".into(),
                    },
                    Some(org),
                    AuditAction::CaseStatus,
                    Some(AuditTarget::Case(*case.as_uuid())),
                    &[DataCategory::Case],
                    "came_of_age",
                )?;
                let event = self.case_event(case, "minor", None, "came_of_age");
                if self.store().clear_minor(case, &event, &body).await? {
                    review.cleared += 1;
                }
            }
        }
        Ok(review)
    }

    /// Whether a survivor is a minor on `today`, from their record, and their organisation.
    async fn still_minor(
        &self,
        survivor: SurvivorId,
        today: Date,
    ) -> Result<(bool, OrgId), CoreError> {
        let (row, key) = self.survivor_with_key(survivor).await?;
        let minor = open_whole_row(&row, &key)?.is_minor_on(today, row.created_at.date());
        Ok((minor, row.org))
    }
}
