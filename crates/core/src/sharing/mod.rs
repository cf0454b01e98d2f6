//! Sharing between organisations: releases of information (consent), the service
//! directory, closed-loop referrals, messages across a case team, and the survivor's access
//! report. Another organisation sees a record only through an active release naming it, and
//! only the categories the release names (`POLICY.md`); the release is read on every request
//! that crosses organisations, so expiry and revocation bite on the very next one.

mod access_report;
mod consents;
mod directory;
mod liaison;
mod messages;
mod referrals;
mod subject_export;
mod transfers;

pub use access_report::{AccessReport, AccessReportLine, OPENINGS, UNRECORDED};
pub use consents::{ConsentInput, ConsentView};
pub use directory::{ImportSummary, ServiceSummary};
pub use messages::MessageView;
pub use referrals::{IntakeReferral, ReferralView};
pub use subject_export::{ExportedCase, SubjectExport};
pub use transfers::TransferView;

use crate::{CoreError, Haven};
use haven_domain::access::ConsentGrant;
use haven_domain::{DataCategory, OrgId, SurvivorId};
use haven_store::{ConsentRow, Store};

/// The policy's view of a stored release. Unknown category codes grant nothing.
pub(crate) fn grant(row: &ConsentRow) -> ConsentGrant {
    ConsentGrant {
        id: *row.id.as_uuid(),
        recipient_org: row.recipient_org,
        categories: categories(&row.categories),
        granted_at: row.granted_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
    }
}

pub(crate) fn categories(codes: &str) -> std::collections::BTreeSet<DataCategory> {
    codes
        .split(',')
        .filter_map(|c| c.parse::<DataCategory>().ok())
        .collect()
}

impl<S: Store> Haven<S> {
    /// The releases that could let `reader` see a record owned by `owner`: none are read
    /// when the reader is the owner (the team table decides), otherwise the survivor's
    /// releases to `reader` that `owner` gave — read fresh on every request, never cached.
    /// A release is the owner's to give: one recorded by an organisation that no longer
    /// holds the record (a transfer moved it) grants nothing.
    pub(crate) async fn grants_for(
        &self,
        survivor: SurvivorId,
        owner: OrgId,
        reader: OrgId,
    ) -> Result<Vec<ConsentGrant>, CoreError> {
        if owner == reader {
            return Ok(Vec::new());
        }
        Ok(self
            .store()
            .consents_of_survivor(survivor)
            .await?
            .iter()
            .filter(|c| c.org == owner && c.recipient_org == reader)
            .map(grant)
            .collect())
    }
}
