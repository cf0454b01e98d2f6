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

pub const PSEUDONYM_PHONETIC: BlindIndexSpec = spec("pseudonym", "pseudonym_phonetic");
pub const LEGAL_NAME_PHONETIC: BlindIndexSpec = spec("legal_name", "legal_name_phonetic");

pub const ALL: [BlindIndexSpec; 6] = [
    PSEUDONYM_EXACT,
    LEGAL_NAME_EXACT,
    DATE_OF_BIRTH,
    PHONE_EXACT,
    PSEUDONYM_PHONETIC,
    LEGAL_NAME_PHONETIC,
];

/// Names are compared case-insensitively with runs of whitespace collapsed.
pub fn normalise_name(raw: &str) -> String {
    raw.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Latin letters without their accents, so "López" and "Lopez" sound alike.
fn fold_accents(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ę' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'ī' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'ū' => 'u',
        'ñ' | 'ń' => 'n',
        'ç' | 'ć' | 'č' => 'c',
        'ş' | 'ś' | 'š' => 's',
        'ž' | 'ź' | 'ż' => 'z',
        'ł' => 'l',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// The Double Metaphone code of each word of a name, in order: spellings that sound alike
/// ("Maria Lopes", "María López") share it.
pub fn phonetic_name(raw: &str) -> String {
    use rphonetic::{DoubleMetaphone, Encoder};
    let encoder = DoubleMetaphone::default();
    normalise_name(raw)
        .split(' ')
        .map(|word| {
            word.chars()
                .map(fold_accents)
                .filter(|c| c.is_alphabetic())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .map(|w| encoder.encode(&w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Phone numbers are compared by their last nine digits, so the same number written with or
/// without a country code or trunk prefix ("+1 (555) 010-2030", "555 010 2030") matches.
pub fn normalise_phone(raw: &str) -> String {
    let digits: Vec<char> = raw.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(9)..].iter().collect()
}

/// The derived keys of every survivor index.
#[derive(Debug, Clone)]
pub struct SurvivorIndexKeys {
    pseudonym: BlindIndexKey,
    legal_name: BlindIndexKey,
    date_of_birth: BlindIndexKey,
    phone: BlindIndexKey,
    pseudonym_phonetic: BlindIndexKey,
    legal_name_phonetic: BlindIndexKey,
}

impl SurvivorIndexKeys {
    pub fn derive(root: &SecretKey) -> Self {
        Self {
            pseudonym: BlindIndexKey::derive(root, &PSEUDONYM_EXACT),
            legal_name: BlindIndexKey::derive(root, &LEGAL_NAME_EXACT),
            date_of_birth: BlindIndexKey::derive(root, &DATE_OF_BIRTH),
            phone: BlindIndexKey::derive(root, &PHONE_EXACT),
            pseudonym_phonetic: BlindIndexKey::derive(root, &PSEUDONYM_PHONETIC),
            legal_name_phonetic: BlindIndexKey::derive(root, &LEGAL_NAME_PHONETIC),
        }
    }

    /// Index entries for a profile (absent fields have none).
    pub fn entries(&self, p: &SurvivorProfile) -> Vec<IndexEntry> {
        let mut out = vec![entry(
            &PSEUDONYM_EXACT,
            &self.pseudonym,
            &normalise_name(p.pseudonym.as_str()),
        )];
        out.push(entry(
            &PSEUDONYM_PHONETIC,
            &self.pseudonym_phonetic,
            &phonetic_name(p.pseudonym.as_str()),
        ));
        if let Some(n) = &p.legal_name {
            out.push(entry(
                &LEGAL_NAME_PHONETIC,
                &self.legal_name_phonetic,
                &phonetic_name(n.as_str()),
            ));
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
            IndexedField::PseudonymPhonetic => (
                &PSEUDONYM_PHONETIC,
                &self.pseudonym_phonetic,
                phonetic_name(raw),
            ),
            IndexedField::LegalNamePhonetic => (
                &LEGAL_NAME_PHONETIC,
                &self.legal_name_phonetic,
                phonetic_name(raw),
            ),
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
    PseudonymPhonetic,
    LegalNamePhonetic,
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
    fn misspelt_names_sound_alike() {
        assert_eq!(phonetic_name("María López"), phonetic_name("Maria Lopes"));
        assert_eq!(phonetic_name("Grace Mensah"), phonetic_name("grase mensa"));
        assert_ne!(phonetic_name("Maria Lopez"), phonetic_name("Grace Mensah"));
        assert_eq!(phonetic_name("Hernández"), phonetic_name("Hernandes"));
    }

    #[test]
    fn names_and_phones_normalise_as_people_type_them() {
        assert_eq!(normalise_name("  MARÍA   lópez "), "maría lópez");
        assert_eq!(normalise_phone("+1 (555) 010-2030"), "550102030");
        assert_eq!(
            normalise_phone("555 010 2030"),
            normalise_phone("+1 (555) 010-2030")
        );
    }
}
