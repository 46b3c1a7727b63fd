//! Sessions: a signed JWT (user id and email) in an HttpOnly, SameSite=Lax cookie, and argon2id
//! password hashes. Pages and the JSON API share this one session.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "session";
const SESSION_DAYS: i64 = 7;

/// Who is signed in, as the session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionUser {
    pub id: Uuid,
    pub email: String,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    email: String,
    iat: i64,
    exp: i64,
}

/// Signs and verifies session tokens with the server's `JWT_SECRET`.
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SessionKeys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
        }
    }

    fn token_for(&self, user: &SessionUser) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.id,
            email: user.email.clone(),
            iat: now,
            exp: now + SESSION_DAYS * 24 * 3600,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| ApiError::Internal(err.into()))
    }

    fn user_from_token(&self, token: &str) -> Option<SessionUser> {
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &self.decoding,
            &Validation::new(Algorithm::HS256),
        )
        .ok()?;
        Some(SessionUser {
            id: data.claims.sub,
            email: data.claims.email,
        })
    }

    /// A session cookie for `user`. `secure` is set when the request came over HTTPS.
    pub fn session_cookie(
        &self,
        user: &SessionUser,
        secure: bool,
    ) -> Result<Cookie<'static>, ApiError> {
        let mut cookie = Cookie::new(SESSION_COOKIE, self.token_for(user)?);
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_path("/");
        cookie.set_secure(secure);
        cookie.set_max_age(time_days(SESSION_DAYS));
        Ok(cookie)
    }
}

fn time_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

/// The cookie that clears the session.
pub fn removal_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::from(SESSION_COOKIE);
    cookie.set_path("/");
    cookie.make_removal();
    cookie
}

/// True when a TLS-terminating proxy says the browser used HTTPS.
pub fn is_https(parts: &axum::http::HeaderMap) -> bool {
    parts
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// The signed-in user, if any. A missing, expired or forged token is simply "nobody".
pub struct CurrentUser(pub Option<SessionUser>);

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    std::sync::Arc<SessionKeys>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let keys = std::sync::Arc::<SessionKeys>::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(Self(
            jar.get(SESSION_COOKIE)
                .and_then(|cookie| keys.user_from_token(cookie.value())),
        ))
    }
}

/// The signed-in user; a request without a valid session is rejected with 401.
pub struct SignedIn(pub SessionUser);

impl<S> FromRequestParts<S> for SignedIn
where
    S: Send + Sync,
    std::sync::Arc<SessionKeys>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|never| match never {});
        user.map(SignedIn).ok_or(ApiError::Unauthorized)
    }
}

/// Hashes a new password with argon2id on a blocking thread (it takes tens of milliseconds).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|err| ApiError::Internal(err.into()))?
    .map_err(|err| ApiError::Internal(anyhow::anyhow!("hashing password: {err}")))
}

/// Checks a password against a stored argon2 hash, on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(|err| ApiError::Internal(err.into()))
}
