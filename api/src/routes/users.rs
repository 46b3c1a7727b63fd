//! `/api/users`: signing up, in and out (here, or everywhere), and who is signed in.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::json;

use crate::accounts::{Accounts, Credentials};
use crate::auth::SessionUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{CurrentUser, SessionJar, SignedIn};
use crate::extract::{Json, JsonObject};
use crate::limits::ClientAddress;
use crate::openapi::{PasswordResetConfirmInput, PasswordResetInput, SignInInput, SignUpInput};
use crate::security;

#[utoipa::path(post, path = "/api/users/signup", tag = "users", request_body = SignUpInput,
    responses((status = 201, description = "Signed up; sets the session cookie", body = SessionUser), (status = 400, description = "Invalid input, or the email is in use", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address; see `Retry-After`", body = ErrorBody)))]
pub async fn signup(
    State(accounts): State<Accounts>,
    client: ClientAddress,
    session: SessionJar,
    Json(body): Json<JsonObject>,
) -> Result<impl IntoResponse, ApiError> {
    let user = accounts.sign_up(client, credentials(&body)).await?;
    Ok((StatusCode::CREATED, session.started(&user)?, Json(user)))
}

fn credentials(body: &JsonObject) -> Credentials<'_> {
    Credentials {
        email: body.get("email"),
        password: body.get("password"),
    }
}

#[utoipa::path(post, path = "/api/users/signin", tag = "users", request_body = SignInInput,
    responses((status = 200, description = "Signed in; sets the session cookie", body = SessionUser), (status = 400, description = "Invalid input, or invalid credentials", body = ErrorBody),
        (status = 429, description = "Too many sign-ins from this address or for this account; see `Retry-After`", body = ErrorBody)))]
pub async fn signin(
    State(accounts): State<Accounts>,
    client: ClientAddress,
    session: SessionJar,
    Json(body): Json<JsonObject>,
) -> Result<impl IntoResponse, ApiError> {
    let user = accounts.sign_in(client, credentials(&body)).await?;
    Ok((session.started(&user)?, Json(user)))
}

#[utoipa::path(post, path = "/api/users/signout", tag = "users",
    responses((status = 200, description = "Signed out: the session is ended (its cookie, and any copy of it, stops working) and the cookie cleared"),
        (status = 403, description = "Sent from another site (its `Origin` names another host)", body = ErrorBody)))]
pub async fn signout(
    State(accounts): State<Accounts>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    session: SessionJar,
) -> Result<impl IntoResponse, ApiError> {
    if !security::same_origin(&headers) {
        return Err(ApiError::Forbidden);
    }
    if let Some(user) = user {
        accounts.sign_out(&user).await?;
    }
    Ok((session.ended(), Json(json!({}))))
}

#[utoipa::path(post, path = "/api/users/signout/everywhere", tag = "users",
    responses((status = 200, description = "(ext) Every session of the account is ended, in every browser"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Sent from another site", body = ErrorBody)))]
pub async fn signout_everywhere(
    State(accounts): State<Accounts>,
    SignedIn(user): SignedIn,
    headers: HeaderMap,
    session: SessionJar,
) -> Result<impl IntoResponse, ApiError> {
    if !security::same_origin(&headers) {
        return Err(ApiError::Forbidden);
    }
    accounts.sign_out_everywhere(&user).await?;
    Ok((session.ended(), Json(json!({}))))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CurrentUserBody {
    current_user: Option<SessionUser>,
}

#[utoipa::path(get, path = "/api/users/currentuser", tag = "users",
    responses((status = 200, body = CurrentUserBody)))]
pub async fn current_user(CurrentUser(user): CurrentUser) -> Json<CurrentUserBody> {
    Json(CurrentUserBody { current_user: user })
}

#[utoipa::path(post, path = "/api/users/verify", tag = "users",
    responses((status = 202, description = "(ext) A link that verifies the signed-in user's address is on its way by e-mail; it works once, for 24 hours. Joining a waiting list needs a verified address", body = Accepted),
        (status = 400, description = "The address is verified already", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Sent from another site", body = ErrorBody),
        (status = 429, description = "A link was sent a moment ago (one a minute), or too many requests from this address; see `Retry-After`", body = ErrorBody)))]
pub async fn verify(
    State(accounts): State<Accounts>,
    SignedIn(user): SignedIn,
    client: ClientAddress,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if !security::same_origin(&headers) {
        return Err(ApiError::Forbidden);
    }
    accounts.request_verification(client, &user).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted::default())))
}

/// (ext) Asked for; an e-mail may follow.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Accepted {}

#[utoipa::path(post, path = "/api/users/password-reset", tag = "users", request_body = PasswordResetInput,
    responses((status = 202, description = "(ext) If the address has an account, a link to choose a new password is on its way by e-mail (it works once, for an hour). The answer is the same whether or not it has one", body = Accepted),
        (status = 400, description = "The email is missing or not an e-mail address", body = ErrorBody),
        (status = 429, description = "Too many requests from this address; see `Retry-After`", body = ErrorBody)))]
pub async fn password_reset(
    State(accounts): State<Accounts>,
    client: ClientAddress,
    Json(body): Json<JsonObject>,
) -> Result<impl IntoResponse, ApiError> {
    accounts
        .request_password_reset(client, body.get("email"))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted::default())))
}

#[utoipa::path(post, path = "/api/users/password-reset/confirm", tag = "users", request_body = PasswordResetConfirmInput,
    responses((status = 200, description = "(ext) The password is changed and every session of the account has ended: sign in with the new one", body = Accepted),
        (status = 400, description = "The password breaks the sign-up rules (`password`), or the link's token is not valid, used already or expired (`token`)", body = ErrorBody)))]
pub async fn password_reset_confirm(
    State(accounts): State<Accounts>,
    Json(body): Json<JsonObject>,
) -> Result<Json<Accepted>, ApiError> {
    accounts
        .reset_password(body.get("token"), body.get("password"))
        .await?;
    Ok(Json(Accepted::default()))
}
