//! What every form shares: the CSRF field, a labelled input tied to its error, the form's own
//! errors.

use dioxus::prelude::*;

use crate::view::{CSRF_FIELD, Form, Moment};

pub(super) fn csrf_input(token: &str) -> Element {
    rsx! { input { r#type: "hidden", name: CSRF_FIELD, value: "{token}" } }
}

/// A labelled input with its error, if any, tied to it for screen readers.
pub(super) struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    /// An input type, or `decimal`: a text input for money that opens a phone's number keyboard.
    pub kind: &'a str,
    pub autocomplete: &'a str,
    pub hint: Option<&'a str>,
}

pub(super) fn field(form: &Form, spec: Field<'_>, extra: Element) -> Element {
    let error = form.error(spec.name);
    let error_id = format!("{}-error", spec.name);
    let hint_id = format!("{}-hint", spec.name);
    let described_by = match (error.is_some(), spec.hint.is_some()) {
        (true, _) => error_id.clone(),
        (false, true) => hint_id.clone(),
        (false, false) => String::new(),
    };
    // Passwords are never sent back to the browser.
    let value = if spec.kind == "password" {
        ""
    } else {
        form.value(spec.name)
    };
    let (kind, inputmode) = match spec.kind {
        "decimal" => ("text", Some("decimal")),
        kind => (kind, None),
    };
    rsx! {
        div { class: if error.is_some() { "field invalid" } else { "field" },
            label { r#for: spec.name, "{spec.label}" }
            input {
                id: spec.name,
                name: spec.name,
                r#type: kind,
                inputmode,
                value: "{value}",
                autocomplete: spec.autocomplete,
                "aria-invalid": if error.is_some() { "true" } else { "false" },
                "aria-describedby": described_by,
                {extra}
            }
            if let Some(hint) = spec.hint {
                if error.is_none() {
                    p { class: "hint", id: hint_id, "{hint}" }
                }
            }
            if let Some(message) = error {
                p { class: "field-error", id: error_id, "{message}" }
            }
        }
    }
}

pub(super) fn form_errors<'a>(messages: impl Iterator<Item = &'a str>) -> Element {
    let messages: Vec<&str> = messages.collect();
    rsx! {
        if !messages.is_empty() {
            div { class: "alert", role: "alert",
                for message in messages {
                    p { "{message}" }
                }
            }
        }
    }
}

/// What was wrong with a submitted form, at its top: announced, focused when the page loads, each
/// message a link to its field, so keyboard and screen-reader users start from the list rather
/// than from the header.
pub(super) fn error_summary(form: &Form, fields: &[&str]) -> Element {
    if form.errors.is_empty() {
        return rsx! {};
    }
    rsx! {
        div { class: "alert error-summary", id: "error-summary", role: "alert", tabindex: "-1", autofocus: true,
            p { strong { "Please check the form:" } }
            ul {
                for error in &form.errors {
                    li {
                        match error.field.as_deref().filter(|name| fields.contains(name)) {
                            Some(name) => rsx! { a { href: "#{name}", "{error.message}" } },
                            None => rsx! { "{error.message}" },
                        }
                    }
                }
            }
        }
    }
}

/// A moment: UTC as written, the reader's own time zone once `assets::TIME_SCRIPT` has run.
pub(super) fn moment(moment: &Moment) -> Element {
    rsx! { time { datetime: "{moment.iso}", "data-local": "true", "{moment.utc}" } }
}
