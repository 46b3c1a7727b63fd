//! Sessions: a signed JWT (user id and email) in an HttpOnly, SameSite=Lax cookie, and argon2id
//! password hashes. Pages and the JSON API share this one session.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

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

/// Signs and verifies what the server hands browsers: session tokens, page flashes and CSRF tokens,
/// each with its own key derived from the server's `JWT_SECRET`.
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    flash_encoding: EncodingKey,
    flash_decoding: DecodingKey,
    csrf_key: [u8; 32],
}

type HmacSha256 = Hmac<Sha256>;

/// A key for one purpose, so that a token made for one can never pass for another.
fn derive_key(secret: &[u8], purpose: &str) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

impl SessionKeys {
    pub fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        let flash_key = derive_key(bytes, "boxoffice flash v1");
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            flash_encoding: EncodingKey::from_secret(&flash_key),
            flash_decoding: DecodingKey::from_secret(&flash_key),
            csrf_key: derive_key(bytes, "boxoffice csrf v1"),
        }
    }

    /// Signs short-lived page data (the claims must carry `exp`).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.flash_encoding)
    }

    /// Claims signed by [`Self::sign`] and not yet expired.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Option<T> {
        jsonwebtoken::decode::<T>(
            token,
            &self.flash_decoding,
            &Validation::new(Algorithm::HS256),
        )
        .ok()
        .map(|data| data.claims)
    }

    /// The token forms carry for the browser holding CSRF cookie `nonce`.
    pub fn csrf_token(&self, nonce: &str) -> String {
        hex::encode(self.csrf_mac(nonce).finalize().into_bytes())
    }

    /// Whether `token` was made for `nonce` (compared in constant time).
    pub fn verify_csrf(&self, nonce: &str, token: &str) -> bool {
        hex::decode(token).is_ok_and(|bytes| self.csrf_mac(nonce).verify_slice(&bytes).is_ok())
    }

    fn csrf_mac(&self, nonce: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.csrf_key).expect("any key length");
        mac.update(nonce.as_bytes());
        mac
    }

    fn token_for(&self, user: &SessionUser) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.id,
            email: user.email.clone(),
            iat: now,
            exp: now + SESSION_DAYS * 24 * 3600,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
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
    ) -> Result<Cookie<'static>, jsonwebtoken::errors::Error> {
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
