//! Signing up, in and out.

use dioxus::prelude::*;

use super::forms::{Field, csrf_input, error_summary, field};
use crate::view::{AuthKind, Chrome, Form};

pub(super) fn auth(kind: AuthKind, form: &Form, next: Option<&str>, csrf: &str) -> Element {
    let (heading, action, button, password_autocomplete) = match kind {
        AuthKind::SignUp => ("Sign up", "/auth/signup", "Create account", "new-password"),
        AuthKind::SignIn => ("Sign in", "/auth/signin", "Sign in", "current-password"),
    };
    let hint = (kind == AuthKind::SignUp).then_some("At least 8 characters.");
    // The way back (to the ticket that asked the shopper to sign in) survives switching forms.
    let back = next
        .map(|next| format!("?next={}", query_value(next)))
        .unwrap_or_default();
    let email_taken = form.error("email") == Some(EMAIL_IN_USE);
    rsx! {
        section { class: "panel narrow",
            h1 { "{heading}" }
            {error_summary(form, &["email", "password"])}
            if email_taken {
                p { id: "email-taken", "That address already has an account. "
                    a { href: "/auth/signin{back}", "Sign in instead" } "."
                }
            }
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
                AuthKind::SignUp => rsx! { p { class: "aside", "Have an account? " a { href: "/auth/signin{back}", "Sign in" } } },
                AuthKind::SignIn => rsx! { p { class: "aside", "New here? " a { href: "/auth/signup{back}", "Sign up" } } },
            }
        }
    }
}

/// The message the accounts service gives for an address that already has an account.
const EMAIL_IN_USE: &str = "Email in use";

/// A local path as a query value: only what would end or split the value is escaped.
fn query_value(path: &str) -> String {
    path.replace('%', "%25")
        .replace('&', "%26")
        .replace('#', "%23")
        .replace('+', "%2B")
        .replace(' ', "%20")
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
