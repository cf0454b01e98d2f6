//! The service directory in the shape of Open Referral HSDS 3.0
//! (`reference/domain_standards.md` §2): documents checked against the published JSON
//! schemas (bundled in `schemas/hsds-3.0`), split into what Haven stores, and confidential
//! locations kept off the published documents.
//!
//! An import file is a JSON array of HSDS `organization` objects (or one object), each with
//! its `services` and `locations` nested as in the HSDS API's full organisation response.
//!
//! HSDS 3.0 has no confidentiality flag (§2.5). Haven reads two attributes of its own, in
//! HSDS's own way of classifying things — an `attribute` whose `taxonomy_term.code` is:
//! - `haven-confidential-location` on a location: its address, coordinates and directions
//!   are sealed at import and never published; its name, description and phones (the front
//!   door) stay;
//! - `haven-service-kind:<kind>` on a service (`shelter`, `medical`, `psychological`,
//!   `legal`, `case_management`, `other`): who at the receiving organisation answers a
//!   referral to it.

use haven_domain::referral::ServiceKind;
use serde_json::{Map, Value};
use uuid::Uuid;

pub const CONFIDENTIAL_LOCATION: &str = "haven-confidential-location";
pub const SERVICE_KIND_PREFIX: &str = "haven-service-kind:";

/// The fields of a confidential location that are sealed and never published.
pub const SEALED_LOCATION_FIELDS: [&str; 6] = [
    "addresses",
    "latitude",
    "longitude",
    "transportation",
    "external_identifier",
    "external_identifier_type",
];

const ORGANIZATION_SCHEMA: &str = include_str!("../schemas/hsds-3.0/organization.json");
const SERVICE_SCHEMA: &str = include_str!("../schemas/hsds-3.0/service.json");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HsdsError {
    #[error("the file is not JSON: {0}")]
    NotJson(String),
    /// The first problem found, at its JSON Pointer path.
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("the bundled HSDS schema could not be compiled")]
    Schema,
}

impl HsdsError {
    fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The compiled HSDS 3.0 schemas.
pub struct Schemas {
    organization: jsonschema::Validator,
    service: jsonschema::Validator,
}

fn compile(text: &str) -> Result<jsonschema::Validator, HsdsError> {
    let schema: Value = serde_json::from_str(text).map_err(|_| HsdsError::Schema)?;
    jsonschema::validator_for(&schema).map_err(|_| HsdsError::Schema)
}

/// The first schema error, by where it is and which rule it breaks — never the value, which
/// may be a confidential address.
fn first_error(v: &jsonschema::Validator, doc: &Value, prefix: &str) -> Result<(), HsdsError> {
    match v.iter_errors(doc).next() {
        None => Ok(()),
        Some(e) => Err(HsdsError::at(
            format!("{prefix}{}", e.instance_path()),
            format!("breaks the HSDS 3.0 schema rule {}", e.schema_path()),
        )),
    }
}

impl Schemas {
    pub fn load() -> Result<Self, HsdsError> {
        Ok(Self {
            organization: compile(ORGANIZATION_SCHEMA)?,
            service: compile(SERVICE_SCHEMA)?,
        })
    }

    pub fn check_organization(&self, doc: &Value) -> Result<(), HsdsError> {
        first_error(&self.organization, doc, "")
    }

    pub fn check_service(&self, doc: &Value) -> Result<(), HsdsError> {
        first_error(&self.service, doc, "")
    }

    /// Parses an import file: an array of organisations, or one. Each is checked against
    /// the schema; the first error names its path (`/0/services/2/status`).
    pub fn parse_import(&self, bytes: &[u8]) -> Result<Vec<Entry>, HsdsError> {
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| HsdsError::NotJson(e.to_string()))?;
        let (orgs, prefixed) = match doc {
            Value::Array(items) => (items, true),
            one @ Value::Object(_) => (vec![one], false),
            _ => {
                return Err(HsdsError::at("", "expected an array of HSDS organizations"));
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        orgs.into_iter()
            .enumerate()
            .map(|(i, org)| {
                let prefix = if prefixed {
                    format!("/{i}")
                } else {
                    String::new()
                };
                first_error(&self.organization, &org, &prefix)?;
                first_nul(&org, &prefix)?;
                let entry = entry(org, &prefix)?;
                if !seen.insert(entry.id) {
                    return Err(HsdsError::at(
                        format!("{prefix}/id"),
                        "duplicate organization id",
                    ));
                }
                Ok(entry)
            })
            .collect()
    }
}

/// One organisation as Haven stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: Uuid,
    pub name: String,
    /// The organisation as published: confidential locations without their address.
    pub document: Value,
    pub services: Vec<ServiceEntry>,
    /// For each confidential location, the fields taken off the published document.
    pub sealed_locations: Vec<(Uuid, Value)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceEntry {
    pub id: Uuid,
    pub name: String,
    pub status: String,
    pub kind: ServiceKind,
    /// The service as published (with its `organization_id`).
    pub document: Value,
}

/// The first text in `v` that holds a NUL character, by its path: PostgreSQL refuses one in
/// any text, so the import names it before anything is written.
fn first_nul(v: &Value, path: &str) -> Result<(), HsdsError> {
    match v {
        Value::String(s) if s.contains('\0') => {
            Err(HsdsError::at(path, "text holds a NUL character"))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| first_nul(item, &format!("{path}/{i}"))),
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            if key.contains('\0') {
                return Err(HsdsError::at(path, "a key holds a NUL character"));
            }
            first_nul(
                item,
                &format!("{path}/{}", key.replace('~', "~0").replace('/', "~1")),
            )
        }),
        _ => Ok(()),
    }
}

fn id_at(v: &Value, path: &str) -> Result<Uuid, HsdsError> {
    v.get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| HsdsError::at(format!("{path}/id"), "not a UUID"))
}

fn codes(v: &Value) -> impl Iterator<Item = &str> {
    v.get("attributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("taxonomy_term")?.get("code")?.as_str())
}

fn is_confidential(location: &Value) -> bool {
    codes(location).any(|c| c == CONFIDENTIAL_LOCATION)
}

fn service_kind(service: &Value) -> ServiceKind {
    codes(service)
        .find_map(|c| c.strip_prefix(SERVICE_KIND_PREFIX)?.parse().ok())
        .unwrap_or(ServiceKind::Other)
}

/// Takes the sealed fields off a location, returning them.
fn strip(location: &mut Map<String, Value>) -> Value {
    let mut sealed = Map::new();
    for field in SEALED_LOCATION_FIELDS {
        if let Some(v) = location.remove(field) {
            sealed.insert(field.into(), v);
        }
    }
    Value::Object(sealed)
}

fn array_mut<'a>(v: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

/// Splits a checked organisation into what Haven stores.
fn entry(mut org: Value, prefix: &str) -> Result<Entry, HsdsError> {
    let id = id_at(&org, prefix)?;
    let name = org
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut confidential = std::collections::BTreeSet::new();
    let mut sealed_locations = Vec::new();
    for (i, location) in array_mut(&mut org, "locations").enumerate() {
        let loc_id = id_at(location, &format!("{prefix}/locations/{i}"))?;
        if is_confidential(location)
            && let Some(map) = location.as_object_mut()
        {
            confidential.insert(loc_id);
            sealed_locations.push((loc_id, strip(map)));
        }
    }
    let mut services = Vec::new();
    for (i, service) in array_mut(&mut org, "services").enumerate() {
        let path = format!("{prefix}/services/{i}");
        let service_id = id_at(service, &path)?;
        for sal in array_mut(service, "service_at_locations") {
            if let Some(loc) = sal.get_mut("location")
                && loc
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .is_some_and(|l| confidential.contains(&l))
                && let Some(map) = loc.as_object_mut()
            {
                strip(map);
            }
        }
        let mut document = service.clone();
        if let Some(map) = document.as_object_mut() {
            map.entry("organization_id")
                .or_insert_with(|| Value::String(id.to_string()));
        }
        services.push(ServiceEntry {
            id: service_id,
            name: service
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            status: service
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            kind: service_kind(service),
            document,
        });
    }
    Ok(Entry {
        id,
        name,
        document: org,
        services,
        sealed_locations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../tests/organization_full.json");

    #[test]
    fn the_published_example_imports_and_round_trips() -> Result<(), HsdsError> {
        let schemas = Schemas::load()?;
        let entries = schemas.parse_import(EXAMPLE.as_bytes())?;
        let original: Value = serde_json::from_str(EXAMPLE).map_err(|_| HsdsError::Schema)?;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].document, original);
        assert_eq!(entries[0].services.len(), 1);
        for s in &entries[0].services {
            schemas.check_service(&s.document)?;
        }
        Ok(())
    }

    #[test]
    fn the_first_error_names_its_path() -> Result<(), HsdsError> {
        let schemas = Schemas::load()?;
        let mut doc: Value = serde_json::from_str(EXAMPLE).map_err(|_| HsdsError::Schema)?;
        doc["services"][0]["status"] = Value::String("open-ish".into());
        let file = Value::Array(vec![doc]).to_string();
        match schemas.parse_import(file.as_bytes()) {
            Err(HsdsError::Invalid { path, message }) => {
                assert_eq!(path, "/0/services/0/status");
                assert!(message.contains("enum"), "{message}");
                assert!(
                    !message.contains("open-ish"),
                    "the value stays out: {message}"
                );
            }
            other => panic!("expected a path error, got {other:?}"),
        }
        assert!(matches!(
            schemas.parse_import(b"{not json"),
            Err(HsdsError::NotJson(_))
        ));
        Ok(())
    }

    #[test]
    fn text_with_a_nul_character_is_refused_at_its_path() -> Result<(), HsdsError> {
        let schemas = Schemas::load()?;
        let mut doc: Value = serde_json::from_str(EXAMPLE).map_err(|_| HsdsError::Schema)?;
        doc["services"][0]["name"] = Value::String("Medical\0care".into());
        let file = Value::Array(vec![doc]).to_string();
        assert_eq!(
            schemas.parse_import(file.as_bytes()),
            Err(HsdsError::at(
                "/0/services/0/name",
                "text holds a NUL character"
            ))
        );
        Ok(())
    }

    #[test]
    fn a_confidential_location_loses_its_address_everywhere() -> Result<(), HsdsError> {
        let schemas = Schemas::load()?;
        let mut doc: Value = serde_json::from_str(EXAMPLE).map_err(|_| HsdsError::Schema)?;
        let flag = serde_json::json!([{
            "id": "0d2d3b1e-6a38-4d71-9d3b-3c0e8a1f2b10",
            "taxonomy_term_id": "7f0e9a3c-51d2-4c1e-8f6b-2a3b4c5d6e7f",
            "taxonomy_term": {
                "id": "7f0e9a3c-51d2-4c1e-8f6b-2a3b4c5d6e7f",
                "code": CONFIDENTIAL_LOCATION,
                "name": "Confidential location",
                "description": "Address withheld; contact the front door"
            }
        }]);
        doc["locations"][0]["attributes"] = flag;
        let entries = schemas.parse_import(doc.to_string().as_bytes())?;
        let e = &entries[0];
        assert_eq!(e.sealed_locations.len(), 1);
        let published = e.document.to_string();
        let address = doc["locations"][0]["addresses"][0]["address_1"]
            .as_str()
            .unwrap_or("");
        assert!(!address.is_empty());
        assert!(!published.contains(address), "address published");
        assert!(!e.services[0].document.to_string().contains(address));
        assert!(e.sealed_locations[0].1.to_string().contains(address));
        schemas.check_organization(&e.document)?;
        Ok(())
    }
}
