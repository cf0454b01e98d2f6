//! Search without decrypting the table: the query is turned into blind-index lookups
//! (exact and phonetic names, date of birth, phone); only the few candidates that share an
//! index value are opened, to confirm the match; and only records the searcher may find
//! come back — the pseudonym and the cases they may see, nothing else.

use crate::auth::Authenticated;
use crate::problem::{Problem, Reason};
use crate::survivor_index::{IndexedField, normalise_name, normalise_phone, phonetic_name};
use crate::survivors::open_whole_row;
use crate::{CoreError, Haven};
use haven_crypto::envelope::DataKey;
use haven_domain::access::{Action, Decision, ResourceContext, decide};
use haven_domain::audit::AuditAction;
use haven_domain::{CaseId, DataCategory, SurvivorId};
use haven_store::Store;
use haven_store::SurvivorRow;
use std::collections::BTreeSet;

/// Candidates opened per search at most (each shares a 16-bit index value with the query).
const MAX_CANDIDATES: usize = 200;

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// More records share the query's index values than a search opens: some matches may
    /// be missing, and the searcher should narrow the search (a date of birth, a phone).
    pub incomplete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub survivor: SurvivorId,
    pub pseudonym: String,
    /// The cases of this survivor the searcher may open.
    pub cases: Vec<CaseId>,
    /// Which field matched: `pseudonym`, `legal_name`, `legal_name_sounds_like`, …
    pub matched: &'static str,
}

/// The fields a search by name looks up, with the code a hit names each by
/// ([`SearchHit::matched`]); a date of birth and a phone number each look up one field.
const BY_NAME: [(IndexedField, &str); 4] = [
    (IndexedField::Pseudonym, "pseudonym"),
    (IndexedField::LegalName, "legal_name"),
    (IndexedField::PseudonymPhonetic, "pseudonym_sounds_like"),
    (IndexedField::LegalNamePhonetic, "legal_name_sounds_like"),
];
const BY_DATE_OF_BIRTH: [(IndexedField, &str); 1] = [(IndexedField::DateOfBirth, "date_of_birth")];
const BY_PHONE: [(IndexedField, &str); 1] = [(IndexedField::Phone, "phone")];

/// The codes a search hit may name as the field that matched.
pub fn matched_fields() -> impl Iterator<Item = &'static str> {
    [&BY_NAME[..], &BY_DATE_OF_BIRTH, &BY_PHONE]
        .into_iter()
        .flatten()
        .map(|(_, code)| *code)
}

fn lookups(query: &str) -> &'static [(IndexedField, &'static str)] {
    let q = query.trim();
    if time::Date::parse(q, &time::format_description::well_known::Iso8601::DATE).is_ok() {
        return &BY_DATE_OF_BIRTH;
    }
    let digits = normalise_phone(q).len();
    if digits >= 6 && digits * 2 >= q.chars().filter(|c| !c.is_whitespace()).count() {
        return &BY_PHONE;
    }
    &BY_NAME
}

impl<S: Store> Haven<S> {
    pub async fn search(
        &self,
        auth: &Authenticated,
        query: &str,
    ) -> Result<SearchResults, CoreError> {
        if !auth.mfa_verified() {
            return Err(CoreError::Unauthenticated);
        }
        let q = query.trim();
        if q.chars().count() < 2 || q.chars().count() > 200 {
            return Err(CoreError::invalid(
                "q",
                Problem::new(Reason::SearchLength)
                    .with("min", 2)
                    .with("max", 200),
            ));
        }
        let mut found = Vec::new();
        for &(field, label) in lookups(q) {
            // One more than a search opens, so a full lookup shows there are more.
            let ids = self
                .survivor_candidates(field, q, MAX_CANDIDATES as u32 + 1)
                .await?;
            found.push((label, ids));
        }
        let (candidates, incomplete) = shortlist(found);
        let principal = auth.staff.principal();
        let now = self.now();
        let mut hits = Vec::new();
        for (id, label) in candidates {
            // Which of this survivor's cases the searcher may find.
            let mut cases = Vec::new();
            for (case, team) in self.store().cases_of_survivor(id).await? {
                let ctx = ResourceContext {
                    owning_org: case.org,
                    team: team.iter().map(|u| *u.as_uuid()).collect::<BTreeSet<_>>(),
                    consents: self.grants_for(id, case.org, principal.org).await?,
                };
                // Another organisation finds a record only through a field its release
                // lets it read (a name match must not reveal the legal name).
                let field_visible = case.org == principal.org
                    || match decide(&principal, Action::View, &ctx, now) {
                        Decision::Allow { access, .. } => {
                            matched_category(label).is_none_or(|c| access.contains_key(&c))
                        }
                        Decision::Deny(_) => false,
                    };
                if field_visible
                    && matches!(
                        decide(&principal, Action::SearchHit, &ctx, now),
                        Decision::Allow { .. }
                    )
                {
                    cases.push(case.id);
                }
            }
            if cases.is_empty() {
                continue;
            }
            let (row, key) = self.survivor_with_key(id).await?;
            let (pseudonym, confirmed) = confirm(&row, &key, q, label)?;
            if confirmed {
                hits.push(SearchHit {
                    survivor: id,
                    pseudonym,
                    cases,
                    matched: label,
                });
            }
        }
        let mut event = self.event(auth.staff.actor(), AuditAction::Search, "search");
        event.org = Some(auth.staff.org);
        event.categories = vec![DataCategory::Case];
        self.append(&event).await?;
        Ok(SearchResults { hits, incomplete })
    }
}

/// The candidates a search opens, from each lookup's ids in the order the lookups ran, and
/// whether some were left out. Exact lookups run before names that only sound alike, so
/// when there are more candidates than a search opens, the exact ones are kept.
fn shortlist(
    found: Vec<(&'static str, Vec<SurvivorId>)>,
) -> (Vec<(SurvivorId, &'static str)>, bool) {
    let mut candidates = Vec::new();
    let mut seen = BTreeSet::new();
    for (label, ids) in found {
        for id in ids {
            if !seen.insert(id) {
                continue;
            }
            if candidates.len() == MAX_CANDIDATES {
                return (candidates, true);
            }
            candidates.push((id, label));
        }
    }
    (candidates, false)
}

/// The category a match reveals, beyond the pseudonym (visible wherever the case is).
fn matched_category(label: &str) -> Option<DataCategory> {
    match label {
        "legal_name" | "legal_name_sounds_like" | "date_of_birth" => Some(DataCategory::Identity),
        "phone" => Some(DataCategory::Contact),
        _ => None,
    }
}

/// Opens the matched field server-side to weed out index collisions.
fn confirm(
    row: &SurvivorRow,
    key: &DataKey,
    q: &str,
    label: &str,
) -> Result<(String, bool), CoreError> {
    let p = open_whole_row(row, key)?;
    let legal = p
        .legal_name
        .as_ref()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default();
    let confirmed = match label {
        "pseudonym" => normalise_name(p.pseudonym.as_str()) == normalise_name(q),
        "legal_name" => !legal.is_empty() && normalise_name(&legal) == normalise_name(q),
        "pseudonym_sounds_like" => phonetic_name(p.pseudonym.as_str()) == phonetic_name(q),
        "legal_name_sounds_like" => !legal.is_empty() && phonetic_name(&legal) == phonetic_name(q),
        "date_of_birth" => p.date_of_birth.is_some_and(|d| d.to_string() == q.trim()),
        "phone" => p
            .phone
            .as_ref()
            .is_some_and(|ph| normalise_phone(ph.as_str()) == normalise_phone(q)),
        _ => false,
    };
    Ok((p.pseudonym.as_str().to_owned(), confirmed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(range: std::ops::Range<u128>) -> Vec<SurvivorId> {
        range
            .map(|n| SurvivorId::from_uuid(uuid::Uuid::from_u128(n)))
            .collect()
    }

    #[test]
    fn exact_matches_are_kept_when_sound_alikes_overflow_the_shortlist() {
        // The exact match has the highest id; sound-alikes alone would fill the list.
        let exact = ids(1000..1001);
        let (list, incomplete) = shortlist(vec![
            ("legal_name", exact.clone()),
            ("legal_name_sounds_like", ids(0..MAX_CANDIDATES as u128 + 1)),
        ]);
        assert!(incomplete);
        assert_eq!(list.len(), MAX_CANDIDATES);
        assert_eq!(list[0], (exact[0], "legal_name"));
    }

    #[test]
    fn a_record_found_twice_counts_once_under_its_first_label() {
        let (list, incomplete) = shortlist(vec![
            ("pseudonym", ids(0..3)),
            ("pseudonym_sounds_like", ids(0..5)),
        ]);
        assert!(!incomplete);
        assert_eq!(list.len(), 5);
        assert_eq!(list[2].1, "pseudonym");
        assert_eq!(list[3].1, "pseudonym_sounds_like");
    }

    #[test]
    fn a_full_list_with_nothing_left_over_is_complete() {
        let (list, incomplete) = shortlist(vec![("phone", ids(0..MAX_CANDIDATES as u128))]);
        assert_eq!(list.len(), MAX_CANDIDATES);
        assert!(!incomplete);
    }
}
