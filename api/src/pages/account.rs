//! Sign up, sign in and sign out: the same accounts and session cookie as the JSON API.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use boxoffice_activities::store::email_links::Unusable;
use boxoffice_web::view::{AuthKind, Form, Page};
use serde::Deserialize;
use std::sync::Arc;

use crate::accounts::{AccountError, Accounts, Credentials};
use crate::auth::SessionUser;
use crate::domain::FieldError;
use crate::extract::SessionJar;
use crate::limits::ClientAddress;
use crate::pages::context::PageContext;
use crate::pages::error::{PageError, Refusal};
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
pub(crate) fn local_path(next: Option<&str>) -> Option<String> {
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

/// The signed-in user's account: their address, verified or not, and a button to verify it.
pub async fn account_page(
    context: PageContext,
    State(accounts): State<Accounts>,
) -> Result<Html<String>, PageError> {
    let user = context.require_user("/account")?;
    let verified = accounts.is_verified(user.id).await?;
    let errors = context
        .flash
        .form_or(Form::default)
        .errors
        .into_iter()
        .map(|error| error.message)
        .collect();
    let page = Page::Account {
        email: user.email.clone(),
        verified,
        errors,
    };
    Ok(render(&context, &page))
}

/// "Verify your e-mail": sends the link, then back to the page the button was on.
pub async fn request_verification(
    context: PageContext,
    State(accounts): State<Accounts>,
    client: ClientAddress,
    session: SessionJar,
    CsrfForm(fields): CsrfForm,
) -> Response {
    let next = local_path(fields.get("next")).unwrap_or_else(|| "/account".to_owned());
    let user = match context.require_user(&next) {
        Ok(user) => user,
        Err(err) => return err.into_response(),
    };
    let sent = accounts
        .request_verification(client, user)
        .await
        .map(|()| {
            format!(
                "We have e-mailed a link to {}: follow it to verify your address. It works for 24 hours.",
                user.email
            )
        })
        .map_err(Refusal::from);
    fields.back_to(&next, sent, &session.keys)
}

/// The token of an e-mailed link (`?token=…`).
#[derive(Deserialize)]
pub struct LinkQuery {
    token: Option<String>,
}

/// A link that did nothing: why, and where to ask for another (a 400 page).
fn dead_link(context: &PageContext, why: Unusable, rule: &str, again: (&str, &str)) -> Response {
    let page = Page::LinkFollowed {
        title: "This link does not work".to_owned(),
        message: format!("{why}. {rule}"),
        next: (again.0.to_owned(), again.1.to_owned()),
    };
    (StatusCode::BAD_REQUEST, render(context, &page)).into_response()
}

/// The "verify your address" link: verifies it, once.
pub async fn verify(
    context: PageContext,
    State(accounts): State<Accounts>,
    Query(query): Query<LinkQuery>,
) -> Response {
    let token = query.token.unwrap_or_default();
    match accounts.verify_email(&token).await {
        Ok(()) => {
            let page = Page::LinkFollowed {
                title: "Your e-mail address is verified".to_owned(),
                message: "Thank you: you can join waiting lists now.".to_owned(),
                next: ("Back to the tickets".to_owned(), "/".to_owned()),
            };
            render(&context, &page).into_response()
        }
        Err(AccountError::Link(why)) => dead_link(
            &context,
            why,
            "A link to verify your address works once, for 24 hours: ask for a new one on your account page.",
            ("Your account", "/account"),
        ),
        Err(err) => PageError::from(err).into_response(),
    }
}

pub async fn forgot_password_page(context: PageContext) -> Html<String> {
    let form = context.flash.form_or(Form::default);
    render(&context, &Page::ForgotPassword { form })
}

/// Sends a reset link if the address has an account; the answer is the same if it has none.
pub async fn forgot_password(
    State(accounts): State<Accounts>,
    client: ClientAddress,
    session: SessionJar,
    CsrfForm(fields): CsrfForm,
) -> Response {
    let asked = accounts
        .request_password_reset(client, fields.text("email").as_ref())
        .await;
    match asked {
        Ok(()) => redirect_with(
            "/auth/signin",
            Flash::notice(
                "If an account has that address, we have e-mailed it a link to choose a new password. The link works once, for an hour.",
            ),
            &session.keys,
        ),
        Err(err) => fields.refused("/password-reset", err, &session.keys),
    }
}

const RESET_RULE: &str = "A link to reset a password works once, for an hour: ask for a new one.";
const ASK_AGAIN: (&str, &str) = ("Ask for a new link", "/password-reset");

/// The reset link's page: a new password, if the link still works.
pub async fn new_password_page(
    context: PageContext,
    State(accounts): State<Accounts>,
    Query(query): Query<LinkQuery>,
) -> Response {
    let token = query.token.unwrap_or_default();
    match accounts.check_password_reset(&token).await {
        Ok(()) => {
            let form = context.flash.form_or(Form::default);
            render(&context, &Page::NewPassword { token, form }).into_response()
        }
        Err(AccountError::Link(why)) => dead_link(&context, why, RESET_RULE, ASK_AGAIN),
        Err(err) => PageError::from(err).into_response(),
    }
}

/// Changes the password; every session of the account ends, this browser's too: sign in again.
pub async fn new_password(
    State(accounts): State<Accounts>,
    session: SessionJar,
    CsrfForm(fields): CsrfForm,
) -> Response {
    let reset = accounts
        .reset_password(
            fields.text("token").as_ref(),
            fields.text("password").as_ref(),
        )
        .await;
    match reset {
        Ok(()) => {
            let keys = Arc::clone(&session.keys);
            let notice = Flash::notice(
                "Your password is changed, and every browser that was signed in to your account is signed out. Sign in with your new password.",
            );
            (
                session.ended(),
                redirect_with("/auth/signin", notice, &keys),
            )
                .into_response()
        }
        Err(err) => {
            let token = fields.get("token").unwrap_or_default();
            let back = format!(
                "/password-reset/confirm?token={}",
                url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
            );
            fields.refused(&back, err, &session.keys)
        }
    }
}
