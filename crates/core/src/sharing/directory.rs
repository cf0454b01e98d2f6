//! The service directory: HSDS 3.0 import and export (checked against the published
//! schemas), the services a referral can go to, and confidential locations whose address is
//! sealed at import under a key of its own and never published.

use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_crypto::field::FieldContext;
use haven_directory::{HsdsError, Schemas};
use haven_domain::audit::{Actor, AuditAction, AuditTarget};
use haven_domain::referral::ServiceKind;
use haven_domain::{OrgId, ServiceId};
use haven_store::{DirectoryImport, DirectoryOrgRow, SealedLocationRow, ServiceRow, Store};
use serde_json::Value;
use std::sync::OnceLock;

/// A service as a referral form lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSummary {
    pub id: ServiceId,
    pub org: OrgId,
    pub org_name: String,
    pub name: String,
    pub status: String,
    pub kind: ServiceKind,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub organizations: usize,
    pub services: usize,
    pub confidential_locations: usize,
}

fn schemas() -> Result<&'static Schemas, CoreError> {
    static SCHEMAS: OnceLock<Option<Schemas>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| Schemas::load().ok())
        .as_ref()
        .ok_or_else(|| {
            CoreError::Conflict(
                Problem::new(Reason::DirectoryInvalid)
                    .with("detail", "the bundled HSDS schemas could not be loaded"),
            )
        })
}

fn invalid(e: HsdsError) -> CoreError {
    CoreError::invalid(
        "hsds",
        Problem::new(Reason::DirectoryInvalid).with("detail", e),
    )
}

fn location_context(org: OrgId, id: uuid::Uuid) -> FieldContext<'static> {
    FieldContext {
        org,
        table: "directory_locations",
        column: "sealed",
        record: *id.as_bytes(),
    }
}

impl<S: Store> Haven<S> {
    /// Imports an HSDS file (an operator's command or an administrator's upload). Every
    /// organisation in it replaces the stored one whole; nothing is written if any part of
    /// the file is invalid.
    pub async fn import_directory(
        &self,
        actor: Actor,
        bytes: &[u8],
    ) -> Result<ImportSummary, CoreError> {
        let entries = schemas()?.parse_import(bytes).map_err(invalid)?;
        let inner = self.inner();
        let entropy = inner.entropy.as_ref();
        let mut import = DirectoryImport::default();
        for e in entries {
            let org = OrgId::from_uuid(e.id);
            for (id, sealed) in e.sealed_locations {
                let key = inner.pool.take(&inner.store, &inner.keys, entropy).await?;
                import.sealed_locations.push(SealedLocationRow {
                    id,
                    org,
                    key_id: key.id,
                    sealed: key.seal(
                        &location_context(org, id),
                        sealed.to_string().as_bytes(),
                        entropy,
                    )?,
                });
            }
            for s in e.services {
                import.services.push(ServiceRow {
                    id: ServiceId::from_uuid(s.id),
                    org,
                    name: s.name,
                    status: s.status,
                    kind: s.kind.as_str().into(),
                    document: s.document.to_string(),
                });
            }
            import.orgs.push(DirectoryOrgRow {
                id: org,
                name: e.name,
                document: e.document.to_string(),
            });
        }
        let summary = ImportSummary {
            organizations: import.orgs.len(),
            services: import.services.len(),
            confidential_locations: import.sealed_locations.len(),
        };
        let mut event = self.event(actor, AuditAction::DirectoryImport, "hsds_import");
        event.target = Some(AuditTarget::Directory);
        self.store()
            .import_directory(&import, &self.encode(&event)?)
            .await?;
        Ok(summary)
    }

    /// The directory as an HSDS file: an array of organisations with their services, as
    /// published (confidential addresses never leave), each checked against the schema.
    pub async fn export_directory(&self, actor: Actor) -> Result<Vec<u8>, CoreError> {
        let mut out = Vec::new();
        for row in self.store().directory_orgs().await? {
            let doc: Value = serde_json::from_str(&row.document).map_err(|_| {
                CoreError::Store(haven_store::StoreError::Corrupt(
                    "a stored directory entry is not JSON",
                ))
            })?;
            schemas()?.check_organization(&doc).map_err(invalid)?;
            out.push(doc);
        }
        let mut event = self.event(actor, AuditAction::DirectoryExport, "hsds_export");
        event.target = Some(AuditTarget::Directory);
        self.append(&event).await?;
        serde_json::to_vec_pretty(&Value::Array(out)).map_err(|_| {
            CoreError::Store(haven_store::StoreError::Corrupt(
                "the directory could not be written",
            ))
        })
    }

    /// Every service in the directory, with its organisation's name.
    pub async fn directory_services(&self) -> Result<Vec<ServiceSummary>, CoreError> {
        let orgs: std::collections::BTreeMap<OrgId, String> = self
            .store()
            .directory_orgs()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        Ok(self
            .store()
            .directory_services()
            .await?
            .into_iter()
            .map(|s| ServiceSummary {
                id: s.id,
                org: s.org,
                org_name: orgs.get(&s.org).cloned().unwrap_or_default(),
                name: s.name,
                status: s.status,
                kind: s.kind.parse().unwrap_or(ServiceKind::Other),
            })
            .collect())
    }

    /// One service's HSDS document, as published.
    pub async fn service_document(&self, id: ServiceId) -> Result<Value, CoreError> {
        let row = self
            .store()
            .directory_service(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        serde_json::from_str(&row.document).map_err(|_| {
            CoreError::Store(haven_store::StoreError::Corrupt(
                "a stored directory entry is not JSON",
            ))
        })
    }

    /// A confidential location's sealed details, for an operator who must see them.
    pub async fn sealed_location(&self, org: OrgId, id: uuid::Uuid) -> Result<Value, CoreError> {
        let row = self
            .store()
            .sealed_locations(org)
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or(CoreError::NotFound)?;
        let wrapped = self
            .store()
            .data_key(row.key_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let key = haven_crypto::envelope::unwrap(&self.inner().keys, &wrapped)?;
        let plain = key.open(&location_context(org, id), &row.sealed)?;
        serde_json::from_slice(&plain).map_err(|_| {
            CoreError::Store(haven_store::StoreError::Corrupt(
                "a sealed location could not be read",
            ))
        })
    }
}
