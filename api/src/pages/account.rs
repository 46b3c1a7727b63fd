//! Sign up, sign in and sign out: the same accounts and session cookie as the JSON API.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use boxoffice_web::view::{AuthKind, Form, Page};
use serde::Deserialize;
use std::sync::Arc;

use crate::accounts::{AccountError, Accounts, Credentials};
use crate::auth::SessionUser;
use crate::domain::FieldError;
use crate::extract::SessionJar;
use crate::limits::ClientAddress;
use crate::pages::context::PageContext;
use crate::pages::error::Refusal;
use crate::pages::flash::{Flash, redirect_with};
use crate::pages::forms::{CsrfForm, Fields};
use crate::pages::render;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only a path on this site: never `//evil.example` or a full URL. Browsers read `\` as `/` and
/// drop tabs and newlines from a URL (`/\t/evil.example` is `//evil.example`), so neither may
/// appear.
fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|path| {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.contains('\\')
            && !path.chars().any(char::is_control)
    })
    .map(str::to_owned)
}

fn auth_page(kind: AuthKind, context: &PageContext, next: Option<&str>) -> Html<String> {
    let form = context.flash.form_or(Form::default);
    let next = local_path(next.or(form.values.get("next").map(String::as_str)));
    render(context, &Page::Auth { kind, form, next })
}

pub async fn signup_page(context: PageContext, Query(query): Query<Next>) -> Html<String> {
    auth_page(AuthKind::SignUp, &context, query.next.as_deref())
}

pub async fn signin_page(context: PageContext, Query(query): Query<Next>) -> Html<String> {
    auth_page(AuthKind::SignIn, &context, query.next.as_deref())
}

pub async fn signup(
    State(accounts): State<Accounts>,
    client: ClientAddress,
    session: SessionJar,
    CsrfForm(fields): CsrfForm,
) -> Response {
    let typed = Typed::of(&fields);
    let signed_up = accounts.sign_up(client, typed.credentials()).await;
    start_session(signed_up, AuthKind::SignUp, fields, session)
}

pub async fn signin(
    State(accounts): State<Accounts>,
    client: ClientAddress,
    session: SessionJar,
    CsrfForm(fields): CsrfForm,
) -> Response {
    if fields.get("password").is_none_or(str::is_empty) {
        // The API checks whatever password it is sent; a page can say that none was typed.
        let missing = Refusal::Messages(vec![FieldError::new("password", "Enter your password")]);
        return fields.refused("/auth/signin", missing, &session.keys);
    }
    let typed = Typed::of(&fields);
    let signed_in = accounts.sign_in(client, typed.credentials()).await;
    start_session(signed_in, AuthKind::SignIn, fields, session)
}

/// The form's e-mail and password, as typed.
struct Typed {
    email: Option<serde_json::Value>,
    password: Option<serde_json::Value>,
}

impl Typed {
    fn of(fields: &Fields) -> Self {
        Self {
            email: fields.text("email"),
            password: fields.text("password"),
        }
    }

    fn credentials(&self) -> Credentials<'_> {
        Credentials {
            email: self.email.as_ref(),
            password: self.password.as_ref(),
        }
    }
}

/// Signed up or in: the session cookie and on to `next`. Refused: the form again, with why.
fn start_session(
    user: Result<SessionUser, AccountError>,
    kind: AuthKind,
    fields: Fields,
    session: SessionJar,
) -> Response {
    let (form_path, welcome) = match kind {
        AuthKind::SignUp => ("/auth/signup", "Welcome to boxoffice! You are signed in."),
        AuthKind::SignIn => ("/auth/signin", "You are signed in."),
    };
    let next = local_path(fields.get("next"));
    let keys = Arc::clone(&session.keys);
    let started = user
        .map_err(|err| match err {
            // The API keeps the contract's words; a page can use plainer ones.
            AccountError::InvalidCredentials => Refusal::message("Wrong e-mail or password"),
            err => Refusal::from(err),
        })
        .and_then(|user| session.started(&user).map_err(Refusal::from));
    match started {
        Ok(jar) => (
            jar,
            redirect_with(
                next.as_deref().unwrap_or("/"),
                Flash::notice(welcome),
                &keys,
            ),
        )
            .into_response(),
        Err(err) => fields.refused(form_path, err, &keys),
    }
}

pub async fn signout_page(context: PageContext) -> Html<String> {
    render(&context, &Page::SignOut)
}

/// Ends this browser's session, or with `everywhere` every session of the account.
pub async fn signout(
    context: PageContext,
    State(accounts): State<Accounts>,
    session: SessionJar,
    CsrfForm(fields): CsrfForm,
) -> Response {
    let everywhere = fields.get("everywhere").is_some();
    let ended = match &context.user {
        Some(user) if everywhere => accounts.sign_out_everywhere(user).await.map(drop),
        Some(user) => accounts.sign_out(user).await,
        None => Ok(()),
    };
    let notice = match ended {
        Ok(()) if everywhere => "You are signed out everywhere.",
        Ok(()) => "You are signed out.",
        Err(err) => return fields.refused("/auth/signout", err, &session.keys),
    };
    let signed_out = redirect_with("/", Flash::notice(notice), &session.keys);
    (session.ended(), signed_out).into_response()
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(local_path(Some("/orders")).as_deref(), Some("/orders"));
        assert_eq!(local_path(Some("//evil.example/")), None);
        assert_eq!(local_path(Some("https://evil.example/")), None);
        assert_eq!(local_path(Some("/\\evil.example")), None);
        assert_eq!(local_path(Some("/\t/evil.example")), None);
        assert_eq!(local_path(Some("/\r\n/evil.example")), None);
        assert_eq!(local_path(None), None);
    }
}
