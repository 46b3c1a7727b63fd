//! What every form shares: the CSRF field, a labelled input tied to its error, the form's own
//! errors.

use dioxus::prelude::*;

use crate::view::{CSRF_FIELD, Form};

pub(super) fn csrf_input(token: &str) -> Element {
    rsx! { input { r#type: "hidden", name: CSRF_FIELD, value: "{token}" } }
}

/// A labelled input with its error, if any, tied to it for screen readers.
pub(super) struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
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
    rsx! {
        div { class: if error.is_some() { "field invalid" } else { "field" },
            label { r#for: spec.name, "{spec.label}" }
            input {
                id: spec.name,
                name: spec.name,
                r#type: spec.kind,
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
