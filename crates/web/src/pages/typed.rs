//! What a staff form sent, kept for the answer when what it asked is refused: the page shows
//! the form again as typed, and where it cannot (the case is no longer the writer's to see,
//! or the server failed), the error page hands back the free text, so that a long note, a
//! release's wording or an intake is never lost to a race, a refusal, a move of the case or
//! a fault.

/// The fields one form sent, by name. `Debug` prints no values: they are what someone wrote
/// about a survivor.
#[derive(Clone, Default)]
pub struct Typed {
    /// Which form sent them: its action below the case (`notes`, `status`, `survivor`, …),
    /// or below `/referrals` (`intake`), or `intake` for the intake page; empty for none.
    form: &'static str,
    fields: Vec<(&'static str, String)>,
    /// The free text among them, with the message key of its label, to hand back where
    /// the form cannot be shown again.
    texts: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Typed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Typed({}, <redacted>)", self.form)
    }
}

impl Typed {
    /// Nothing sent: every form shows its own defaults.
    pub(crate) const fn nothing() -> Self {
        Self {
            form: "",
            fields: Vec::new(),
            texts: Vec::new(),
        }
    }

    /// What the form named `form` sent.
    pub(crate) fn form(form: &'static str) -> Self {
        Self {
            form,
            ..Self::default()
        }
    }

    /// A field chosen or typed (a select, a checkbox, a date, an address). A name sent
    /// several times (checkboxes) is kept once per value.
    pub(crate) fn field(mut self, name: &'static str, value: &str) -> Self {
        self.fields.push((name, value.to_owned()));
        self
    }

    /// A field of free text, labelled by the message key `label` where it is handed back.
    pub(crate) fn text(mut self, name: &'static str, label: &'static str, value: &str) -> Self {
        if !value.trim().is_empty() {
            self.texts.push((label, value.to_owned()));
        }
        self.field(name, value)
    }

    /// Whether this is what `form` sent.
    pub fn shows(&self, form: &str) -> bool {
        !self.form.is_empty() && self.form == form
    }

    /// What `form` sent as `name`, or nothing (the form's own default then applies).
    pub fn value(&self, form: &str, name: &str) -> &str {
        if !self.shows(form) {
            return "";
        }
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether `form` sent `value` as `name` (an option chosen, a box ticked).
    pub fn chose(&self, form: &str, name: &str, value: &str) -> bool {
        self.shows(form)
            && self
                .fields
                .iter()
                .any(|(n, v)| *n == name && v.as_str() == value)
    }

    /// The free text sent, as (label key, text): what an error page hands back.
    pub(crate) fn texts(&self) -> &[(&'static str, String)] {
        &self.texts
    }
}

#[cfg(test)]
mod tests {
    use super::Typed;

    #[test]
    fn a_form_is_shown_again_only_where_it_was_sent() {
        let typed = Typed::form("notes").field("category", "medical").text(
            "body",
            "note",
            "Slept badly; asked about the clinic.",
        );
        assert_eq!(
            typed.value("notes", "body"),
            "Slept badly; asked about the clinic."
        );
        assert!(typed.chose("notes", "category", "medical"));
        assert!(!typed.chose("notes", "category", "general"));
        assert_eq!(
            typed.value("goals", "title"),
            "",
            "another form stays empty"
        );
        assert!(!Typed::default().shows(""), "nothing sent shows nowhere");
        assert!(!format!("{typed:?}").contains("clinic"), "{typed:?}");
        assert_eq!(
            typed.texts(),
            [("note", "Slept badly; asked about the clinic.".to_owned())]
        );
    }

    #[test]
    fn blank_text_is_nothing_to_hand_back() {
        let typed =
            Typed::form("status")
                .field("status", "open")
                .text("reason", "reason-label", "  ");
        assert!(typed.texts().is_empty());
    }
}
