//! Signing up, in and out.

use dioxus::prelude::*;

use super::forms::{Field, csrf_input, field, form_errors};
use crate::view::{AuthKind, Chrome, Form};

pub(super) fn auth(kind: AuthKind, form: &Form, next: Option<&str>, csrf: &str) -> Element {
    let (heading, action, button, password_autocomplete) = match kind {
        AuthKind::SignUp => ("Sign up", "/auth/signup", "Create account", "new-password"),
        AuthKind::SignIn => ("Sign in", "/auth/signin", "Sign in", "current-password"),
    };
    let hint = (kind == AuthKind::SignUp).then_some("At least 8 characters.");
    rsx! {
        section { class: "panel narrow",
            h1 { "{heading}" }
            {form_errors(form.general_errors(&["email", "password"]))}
            form { method: "post", action: action, novalidate: true,
                {csrf_input(csrf)}
                if let Some(next) = next {
                    input { r#type: "hidden", name: "next", value: "{next}" }
                }
                {field(form, Field { name: "email", label: "Email", kind: "email", autocomplete: "email", hint: None }, rsx! {})}
                {field(form, Field { name: "password", label: "Password", kind: "password", autocomplete: password_autocomplete, hint }, rsx! {})}
                button { r#type: "submit", class: "primary", "{button}" }
            }
            match kind {
                AuthKind::SignUp => rsx! { p { class: "aside", "Have an account? " a { href: "/auth/signin", "Sign in" } } },
                AuthKind::SignIn => rsx! { p { class: "aside", "New here? " a { href: "/auth/signup", "Sign up" } } },
            }
        }
    }
}

pub(super) fn sign_out(chrome: &Chrome, csrf: &str) -> Element {
    rsx! {
        section { class: "panel narrow",
            h1 { "Sign out" }
            if chrome.signed_in.is_some() {
                form { method: "post", action: "/auth/signout",
                    {csrf_input(csrf)}
                    p { "Sign out of boxoffice on this browser?" }
                    button { r#type: "submit", class: "primary", "Sign out" }
                }
                form { method: "post", action: "/auth/signout",
                    {csrf_input(csrf)}
                    input { r#type: "hidden", name: "everywhere", value: "1" }
                    p { "Lost a phone, or signed in on someone else's computer?" }
                    button { r#type: "submit", "Sign out everywhere" }
                }
            } else {
                p { "You are signed out." }
                p { a { href: "/", "Back to the tickets" } }
            }
        }
    }
}
