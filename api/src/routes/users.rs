use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use serde_json::json;
use std::sync::Arc;

use crate::accounts::Accounts;
use crate::auth::{self, CurrentUser, SessionKeys, SessionUser};
use crate::domain::{self, Email, Password};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, JsonObject};
use crate::openapi::Credentials;

#[utoipa::path(post, path = "/api/users/signup", tag = "users", request_body = Credentials,
    responses((status = 201, description = "Signed up; sets the session cookie", body = SessionUser), (status = 400, description = "Invalid input", body = ErrorBody)))]
pub async fn signup(
    State(accounts): State<Accounts>,
    State(keys): State<Arc<SessionKeys>>,
    headers: HeaderMap,
    jar: CookieJar,
    Json(body): Json<JsonObject>,
) -> Result<impl IntoResponse, ApiError> {
    let (email, password) = domain::both(
        Email::parse(body.get("email")),
        Password::parse(body.get("password")),
    )?;
    let user = accounts.sign_up(email, password).await?;
    let jar = jar.add(keys.session_cookie(&user, auth::is_https(&headers))?);
    Ok((StatusCode::CREATED, jar, Json(user)))
}

#[utoipa::path(post, path = "/api/users/signin", tag = "users", request_body = Credentials,
    responses((status = 200, description = "Signed in; sets the session cookie", body = SessionUser), (status = 400, description = "Invalid input", body = ErrorBody)))]
pub async fn signin(
    State(accounts): State<Accounts>,
    State(keys): State<Arc<SessionKeys>>,
    headers: HeaderMap,
    jar: CookieJar,
    Json(body): Json<JsonObject>,
) -> Result<impl IntoResponse, ApiError> {
    let (email, password) = domain::both(
        Email::parse(body.get("email")),
        Password::parse_any(body.get("password")),
    )?;
    let user = accounts.sign_in(email, password).await?;
    let jar = jar.add(keys.session_cookie(&user, auth::is_https(&headers))?);
    Ok((jar, Json(user)))
}

#[utoipa::path(post, path = "/api/users/signout", tag = "users",
    responses((status = 200, description = "The session cookie is cleared")))]
pub async fn signout(jar: CookieJar) -> impl IntoResponse {
    (jar.add(auth::removal_cookie()), Json(json!({})))
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
