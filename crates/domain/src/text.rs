//! How long a text is, as its writer typed it.

/// The characters of `text` as the person typed them: a line break counts as one, though
/// a browser sends each as CR LF. A browser's `maxlength` counts line breaks the same way,
/// so a note that fits the page's box also fits the server's limit.
pub fn typed_chars(text: &str) -> usize {
    text.chars().count() - text.matches("\r\n").count()
}

#[cfg(test)]
mod tests {
    use super::typed_chars;

    #[test]
    fn a_line_break_is_one_character_however_it_was_sent() {
        assert_eq!(typed_chars("one\ntwo"), 7);
        assert_eq!(typed_chars("one\r\ntwo"), 7);
        assert_eq!(typed_chars("one\rtwo"), 7, "a lone CR is a character");
        assert_eq!(typed_chars("añadir\r\n\r\n"), 8);
        assert_eq!(typed_chars(""), 0);
    }
}
