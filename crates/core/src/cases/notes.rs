//! Notes by sensitivity. A note's category maps to a data category; writing it needs write
//! access to that category and reading it needs read access (a summary grant is not
//! enough). Bodies are sealed under the survivor's data key, bound to the note.

use super::require_case;
use super::view::History;
use crate::access::CaseAccess;
use crate::auth::Authenticated;
use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_crypto::envelope::DataKey;
use haven_crypto::field::FieldContext;
use haven_domain::access::{Action, may_read_notes};
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_domain::case::NoteCategory;
use haven_domain::{CaseId, NoteId, OrgId, UserId};
use haven_store::{NoteRow, NoteWrite, Store};
use time::OffsetDateTime;

/// Longest note accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 20_000;

/// A note as its reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteView {
    pub id: NoteId,
    pub category: NoteCategory,
    pub author: UserId,
    pub created_at: OffsetDateTime,
    pub body: String,
}

/// A note's text as it is kept (trimmed), or why it cannot be, refused on `field`.
pub(crate) fn note_text<'a>(body: &'a str, field: &'static str) -> Result<&'a str, CoreError> {
    let text = body.trim();
    if text.is_empty() {
        return Err(CoreError::invalid(field, Reason::NoteEmpty));
    }
    if haven_domain::text::typed_chars(text) > MAX_NOTE_CHARS {
        return Err(CoreError::invalid(
            field,
            Problem::new(Reason::NoteTooLong).with("max", MAX_NOTE_CHARS),
        ));
    }
    Ok(text)
}

pub(crate) fn context(org: OrgId, id: NoteId) -> FieldContext<'static> {
    FieldContext {
        org,
        table: "notes",
        column: "body",
        record: *id.as_bytes(),
    }
}

impl<S: Store> Haven<S> {
    pub async fn add_note(
        &self,
        auth: &Authenticated,
        case: CaseId,
        category: NoteCategory,
        body: &str,
    ) -> Result<NoteId, CoreError> {
        let access = self
            .authorize_case(auth, case, Action::Edit(category.data_category()))
            .await?;
        self.write_note(&access, auth, category, body).await
    }

    pub(crate) async fn write_note(
        &self,
        access: &CaseAccess,
        auth: &Authenticated,
        category: NoteCategory,
        body: &str,
    ) -> Result<NoteId, CoreError> {
        let text = note_text(body, "body")?;
        let written = self.seal_note(access, auth, category, text).await?;
        self.store()
            .insert_note(&written.note, access.org(), &written.event, &written.audit)
            .await
            .map_err(CoreError::changed_meanwhile(Reason::CaseChanged))?;
        Ok(written.note.id)
    }

    /// A note of `text` (already checked by [`note_text`]) sealed for the case's owner,
    /// with its timeline event and audit entry, ready to be written.
    pub(crate) async fn seal_note(
        &self,
        access: &CaseAccess,
        auth: &Authenticated,
        category: NoteCategory,
        text: &str,
    ) -> Result<NoteWrite, CoreError> {
        let case = require_case(access)?;
        let entropy = self.inner().entropy.as_ref();
        let id = NoteId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let key = self.survivor_key(access.survivor()).await?;
        let row = NoteRow {
            id,
            case,
            category: category.as_str().into(),
            author: auth.staff.id,
            created_at: self.now(),
            body: key.seal(&context(access.org(), id), text.as_bytes(), entropy)?,
        };
        let mut event = self.event(
            auth.staff.actor(),
            AuditAction::NoteCreate,
            category.as_str(),
        );
        event.org = Some(access.org());
        event.target = Some(AuditTarget::Case(*case.as_uuid()));
        event.categories = vec![category.data_category()];
        Ok(NoteWrite {
            note: row,
            event: self.case_event(case, "note", Some(auth.staff.id), category.as_str()),
            audit: self.encode(&event)?,
        })
    }

    /// The notes the capability may read, decrypted; others are never opened.
    pub(crate) async fn readable_notes(
        &self,
        access: &CaseAccess,
        key: &DataKey,
    ) -> Result<Vec<NoteView>, CoreError> {
        let case = require_case(access)?;
        let rows = self.store().notes_of_case(case).await?;
        Ok(open_notes(access, key, rows, History::All)?.0)
    }
}

/// The notes among `rows` the reader may read, as far as `history` reaches, opened; and how
/// many the reader may read in all. The cut comes after the reader's categories are chosen,
/// so neither the page nor the count says how many notes of other categories there are, and
/// a note left out of the page is never opened.
pub(crate) fn open_notes(
    access: &CaseAccess,
    key: &DataKey,
    rows: Vec<NoteRow>,
    history: History,
) -> Result<(Vec<NoteView>, usize), CoreError> {
    let mut readable = Vec::new();
    for row in rows {
        let category = row
            .category
            .parse::<NoteCategory>()
            .map_err(|_| haven_store::StoreError::Corrupt("a stored note category is unknown"))?;
        if may_read_notes(access.access_map(), category.data_category()) {
            readable.push((row, category));
        }
    }
    let (shown, total) = history.keep(readable);
    let notes = shown
        .into_iter()
        .map(|(row, category)| {
            let plain = key.open(&context(access.org(), row.id), &row.body)?;
            Ok(NoteView {
                id: row.id,
                category,
                author: row.author,
                created_at: row.created_at,
                body: String::from_utf8_lossy(&plain).into_owned(),
            })
        })
        .collect::<Result<_, CoreError>>()?;
    Ok((notes, total))
}
