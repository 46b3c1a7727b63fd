//! Extractors whose rejections are `ApiError`s, so bad input is always a 4xx in the contract's shape.

use axum::extract::{FromRef, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use boxoffice_activities::store::sessions;
use std::sync::Arc;

use crate::auth::{self, SessionKeys, SessionUser};
use crate::error::ApiError;
use crate::state::Reader;

/// `axum::extract::Query`, rejecting with the contract's error body (400).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::Json`, rejecting with the contract's error body (400, 413 or 415).
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// A request body that must be a JSON object. Fields are read one by one, so a missing field or a
/// wrong type becomes a field error rather than a rejection of the whole body.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// The `:id` path segment as the id of a record (`OrderId`, `TicketId`: a UUID); anything else is
/// a 400 "Invalid id".
#[derive(Debug, Clone, Copy)]
pub struct IdPath<Id>(pub Id);

impl<S: Send + Sync, Id: std::str::FromStr> FromRequestParts<S> for IdPath<Id> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await?;
        raw.parse()
            .map(IdPath)
            .map_err(|_| ApiError::BadRequest("Invalid id".into()))
    }
}

/// The signed-in user, if any: a valid token whose session is live. A missing, expired, forged or
/// signed-out token is simply "nobody".
pub struct CurrentUser(pub Option<SessionUser>);

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    Arc<SessionKeys>: FromRef<S>,
    Reader: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let keys = Arc::<SessionKeys>::from_ref(state);
        let Some(user) = keys.claimed_user(&parts.headers) else {
            return Ok(Self(None));
        };
        let Reader(db) = Reader::from_ref(state);
        match sessions::is_live(&db, user.session_id, user.id).await {
            Ok(true) => Ok(Self(Some(user))),
            Ok(false) => Ok(Self(None)),
            Err(err) => {
                tracing::warn!(error = %err, "could not look up a session; treating it as signed out");
                Ok(Self(None))
            }
        }
    }
}

/// The signed-in user; a request without a valid session is rejected with 401.
pub struct SignedIn(pub SessionUser);

impl<S> FromRequestParts<S> for SignedIn
where
    S: Send + Sync,
    Arc<SessionKeys>: FromRef<S>,
    Reader: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        user.map(SignedIn).ok_or_else(ApiError::unauthorized)
    }
}

/// The browser's cookies, to start or end its session in (signing up, in or out, on the API and
/// the pages alike): a new session cookie is `Secure` when the request came over HTTPS.
pub struct SessionJar {
    pub keys: Arc<SessionKeys>,
    https: bool,
    jar: CookieJar,
}

impl SessionJar {
    /// The cookies with a session cookie for `user`.
    pub fn started(self, user: &SessionUser) -> Result<CookieJar, jsonwebtoken::errors::Error> {
        let cookie = self.keys.session_cookie(user, self.https)?;
        Ok(self.jar.add(cookie))
    }

    /// The cookies with the session cookie cleared.
    pub fn ended(self) -> CookieJar {
        self.jar.add(self.keys.removal(auth::SESSION_COOKIE))
    }
}

impl<S> FromRequestParts<S> for SessionJar
where
    S: Send + Sync,
    Arc<SessionKeys>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            keys: Arc::<SessionKeys>::from_ref(state),
            https: auth::is_https(&parts.headers),
            jar: CookieJar::from_headers(&parts.headers),
        })
    }
}
