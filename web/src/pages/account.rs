//! Signing up, in and out; the account, its verified address and a forgotten password.

use dioxus::prelude::*;

use super::forms::{Field, csrf_input, error_summary, field, form_errors};
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
                AuthKind::SignIn => rsx! {
                    p { class: "aside", a { href: "/password-reset", "Forgot your password?" } }
                    p { class: "aside", "New here? " a { href: "/auth/signup{back}", "Sign up" } }
                },
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

/// The account: its address, and whether it is verified (a waiting list needs it).
pub(super) fn account(email: &str, verified: bool, errors: &[String], csrf: &str) -> Element {
    rsx! {
        section { class: "panel narrow",
            h1 { "Your account" }
            {form_errors(errors.iter().map(String::as_str))}
            p { class: "address", "E-mail address: " strong { "{email}" } }
            if verified {
                p { class: "outcome success", id: "verified", "Your e-mail address is verified." }
            } else {
                p { id: "unverified", "Your e-mail address is not verified yet. Joining a waiting list needs a verified address: we e-mail you a link, and following it verifies the address." }
                {verify_button(csrf, "/account", "Send me the link")}
            }
            p { a { href: "/auth/signout", "Sign out, here or everywhere" } }
        }
    }
}

/// A button that e-mails the signed-in user a "verify your address" link, then comes back to
/// `next`.
pub(super) fn verify_button(csrf: &str, next: &str, label: &str) -> Element {
    rsx! {
        form { method: "post", action: "/verify",
            {csrf_input(csrf)}
            input { r#type: "hidden", name: "next", value: "{next}" }
            button { r#type: "submit", class: "primary", "{label}" }
        }
    }
}

pub(super) fn forgot_password(form: &Form, csrf: &str) -> Element {
    rsx! {
        section { class: "panel narrow",
            h1 { "Forgot your password?" }
            {error_summary(form, &["email"])}
            p { "Enter your account's e-mail address: we e-mail it a link to choose a new password. The link works once, for an hour." }
            form { method: "post", action: "/password-reset", novalidate: true,
                {csrf_input(csrf)}
                {field(form, Field { name: "email", label: "Email", kind: "email", autocomplete: "email", hint: None }, rsx! {})}
                button { r#type: "submit", class: "primary", "Send me the link" }
            }
            p { class: "aside", "Remembered it? " a { href: "/auth/signin", "Sign in" } }
        }
    }
}

pub(super) fn new_password(token: &str, form: &Form, csrf: &str) -> Element {
    let ask_again = form.error("token").is_some();
    rsx! {
        section { class: "panel narrow",
            h1 { "Choose a new password" }
            {error_summary(form, &["password"])}
            if ask_again {
                p { a { href: "/password-reset", "Ask for a new link" } }
            }
            form { method: "post", action: "/password-reset/confirm", novalidate: true,
                {csrf_input(csrf)}
                input { r#type: "hidden", name: "token", value: "{token}" }
                {field(form, Field { name: "password", label: "New password", kind: "password", autocomplete: "new-password", hint: Some("At least 8 characters.") }, rsx! {})}
                button { r#type: "submit", class: "primary", "Change my password" }
            }
            p { class: "hint", "Every browser signed in to your account is signed out when the password changes." }
        }
    }
}

pub(super) fn link_followed(title: &str, message: &str, next: &(String, String)) -> Element {
    let (label, href) = next;
    rsx! {
        section { class: "panel narrow", id: "link-followed",
            h1 { "{title}" }
            p { "{message}" }
            p { a { class: "button", href: "{href}", "{label}" } }
        }
    }
}
