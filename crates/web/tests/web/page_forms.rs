//! The forms a page offers, read from its HTML as a browser would submit them, and the
//! mistakes a client makes in them (for `client_mistakes`).

/// A form a page offers: where it posts, and the fields as the page would send them, with
/// a plausible value in each field the person would fill in.
pub struct PageForm {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

/// The value of the attribute `name` in the tag text `tag`.
fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    Some(tag[start..].split('"').next()?.replace("&amp;", "&"))
}

/// The forms of a page that post (but the sign-out form).
pub fn forms_of(html: &str) -> Vec<PageForm> {
    let mut forms = Vec::new();
    for form in html.split("<form").skip(1) {
        let form = form.split("</form>").next().unwrap_or_default();
        let head = form.split('>').next().unwrap_or_default();
        let Some(action) = attr(head, "action") else {
            continue;
        };
        if attr(head, "method").as_deref() != Some("post") || action == "/logout" {
            continue;
        }
        let mut fields = Vec::new();
        for (at, _) in form.match_indices('<') {
            let rest = &form[at + 1..];
            let tag = rest.split('>').next().unwrap_or_default();
            let kind = tag.split_whitespace().next().unwrap_or_default();
            let Some(name) = attr(tag, "name") else {
                continue;
            };
            let value = match kind {
                "input" => match (attr(tag, "type").as_deref(), attr(tag, "value")) {
                    (Some("radio"), _) if fields.iter().any(|(n, _)| *n == name) => continue,
                    (_, Some(v)) if !v.is_empty() => v,
                    (Some("date"), _) => "2027-01-15".into(),
                    (Some("email"), _) => FRESH_EMAIL.into(),
                    (Some("number"), _) => "1".into(),
                    (Some("checkbox"), _) => "on".into(),
                    _ => "x".into(),
                },
                "select" => rest
                    .split("<option")
                    .nth(1)
                    .and_then(|o| attr(o, "value"))
                    .unwrap_or_default(),
                "textarea" => "x".into(),
                _ => continue,
            };
            fields.push((name, value));
        }
        forms.push(PageForm { action, fields });
    }
    forms
}

/// What an email field the person fills in is given: each body a new address, so that a
/// form adding an account reaches its other fields rather than stopping at "email taken".
const FRESH_EMAIL: &str = "someone-{n}@example.org";

/// `fields` as a form body, each value sent as it is (already URL-safe, or deliberately
/// not).
fn form_body(fields: &[(String, String)]) -> Vec<u8> {
    static BODIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = BODIES
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string();
    fields
        .iter()
        .map(|(k, v)| {
            let v = v.replace("{n}", &n);
            format!("{k}={}", v.replace(' ', "+").replace('&', "%26"))
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// The form as the page fills it, then with each field in turn left out, sent twice, or
/// given a value of the wrong kind.
pub fn form_mistakes(form: &PageForm) -> Vec<Vec<u8>> {
    let mut bodies = vec![form_body(&form.fields)];
    let long = "x".repeat(70_000);
    for (i, (name, _)) in form.fields.iter().enumerate() {
        if name == "csrf" {
            continue;
        }
        let mut without = form.fields.clone();
        without.remove(i);
        bodies.push(form_body(&without));
        let mut twice = form.fields.clone();
        twice.push(form.fields[i].clone());
        bodies.push(form_body(&twice));
        for value in [
            "",
            "%ff%fe",
            "a%00b",
            "2999-01-01",
            "-1",
            "0",
            "not-an-id",
            long.as_str(),
        ] {
            let mut wrong = form.fields.clone();
            wrong[i].1 = value.to_owned();
            bodies.push(form_body(&wrong));
        }
    }
    bodies
}
