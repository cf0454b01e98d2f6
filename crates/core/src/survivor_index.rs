//! The survivor record's blind indexes, as data: which fields are indexed, how values are
//! normalised before hashing, and how many bits each index keeps.
//!
//! Sizing (security.md §7 A 8): with a planned population of R = 1,000,000 survivor records
//! across one installation — a choice of ours, not a sourced figure — 16 bits give
//! C = R / 2^16 ≈ 15 records per index value, inside 2 ≤ C < √R = 1,000. No index is kept
//! on a low-cardinality field (gender, nationality region, flags).

use haven_crypto::SecretKey;
use haven_crypto::blind_index::{BlindIndexKey, BlindIndexSpec};
use haven_domain::survivor::SurvivorProfile;
use haven_store::IndexEntry;

/// The population the index sizes are planned for.
pub const PLANNED_POPULATION: f64 = 1_000_000.0;

const fn spec(column: &'static str, name: &'static str) -> BlindIndexSpec {
    BlindIndexSpec {
        table: "survivors",
        column,
        name,
        bits: 16,
    }
}

pub const PSEUDONYM_EXACT: BlindIndexSpec = spec("pseudonym", "pseudonym_exact");
pub const LEGAL_NAME_EXACT: BlindIndexSpec = spec("legal_name", "legal_name_exact");
pub const DATE_OF_BIRTH: BlindIndexSpec = spec("date_of_birth", "date_of_birth");
pub const PHONE_EXACT: BlindIndexSpec = spec("phone", "phone_exact");

pub const ALL: [BlindIndexSpec; 4] = [
    PSEUDONYM_EXACT,
    LEGAL_NAME_EXACT,
    DATE_OF_BIRTH,
    PHONE_EXACT,
];

/// Names are compared case-insensitively with runs of whitespace collapsed.
pub fn normalise_name(raw: &str) -> String {
    raw.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Phone numbers are compared by their digits alone.
pub fn normalise_phone(raw: &str) -> String {
    raw.chars().filter(char::is_ascii_digit).collect()
}

/// The derived keys of every survivor index.
#[derive(Debug, Clone)]
pub struct SurvivorIndexKeys {
    pseudonym: BlindIndexKey,
    legal_name: BlindIndexKey,
    date_of_birth: BlindIndexKey,
    phone: BlindIndexKey,
}

impl SurvivorIndexKeys {
    pub fn derive(root: &SecretKey) -> Self {
        Self {
            pseudonym: BlindIndexKey::derive(root, &PSEUDONYM_EXACT),
            legal_name: BlindIndexKey::derive(root, &LEGAL_NAME_EXACT),
            date_of_birth: BlindIndexKey::derive(root, &DATE_OF_BIRTH),
            phone: BlindIndexKey::derive(root, &PHONE_EXACT),
        }
    }

    /// Index entries for a profile (absent fields have none).
    pub fn entries(&self, p: &SurvivorProfile) -> Vec<IndexEntry> {
        let mut out = vec![entry(
            &PSEUDONYM_EXACT,
            &self.pseudonym,
            &normalise_name(p.pseudonym.as_str()),
        )];
        if let Some(n) = &p.legal_name {
            out.push(entry(
                &LEGAL_NAME_EXACT,
                &self.legal_name,
                &normalise_name(n.as_str()),
            ));
        }
        if let Some(d) = p.date_of_birth {
            out.push(entry(&DATE_OF_BIRTH, &self.date_of_birth, &d.to_string()));
        }
        if let Some(ph) = &p.phone {
            let digits = normalise_phone(ph.as_str());
            if !digits.is_empty() {
                out.push(entry(&PHONE_EXACT, &self.phone, &digits));
            }
        }
        out
    }

    /// The index name and value to look up for a query in one indexed field.
    pub fn lookup(&self, field: IndexedField, raw: &str) -> (&'static str, u32) {
        let (spec, key, normalised) = match field {
            IndexedField::Pseudonym => (&PSEUDONYM_EXACT, &self.pseudonym, normalise_name(raw)),
            IndexedField::LegalName => (&LEGAL_NAME_EXACT, &self.legal_name, normalise_name(raw)),
            IndexedField::DateOfBirth => {
                (&DATE_OF_BIRTH, &self.date_of_birth, raw.trim().to_owned())
            }
            IndexedField::Phone => (&PHONE_EXACT, &self.phone, normalise_phone(raw)),
        };
        (spec.name, key.compute(normalised.as_bytes()))
    }
}

/// The fields a search may look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexedField {
    Pseudonym,
    LegalName,
    DateOfBirth,
    Phone,
}

fn entry(spec: &BlindIndexSpec, key: &BlindIndexKey, normalised: &str) -> IndexEntry {
    IndexEntry {
        name: spec.name.to_owned(),
        value: key.compute(normalised.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_survivor_index_is_safely_sized_for_the_planned_population() {
        for spec in ALL {
            assert!(
                spec.is_safely_sized(PLANNED_POPULATION),
                "{} keeps {} bits: C = {:.1}",
                spec.name,
                spec.bits,
                spec.collisions_at(PLANNED_POPULATION)
            );
        }
    }

    #[test]
    fn names_and_phones_normalise_as_people_type_them() {
        assert_eq!(normalise_name("  MARÍA   lópez "), "maría lópez");
        assert_eq!(normalise_phone("+1 (555) 010-2030"), "15550102030");
    }
}
