//! Sessions: a signed JWT (user id, email and the session's id) in an HttpOnly, SameSite=Lax
//! cookie. The session's row (`store::sessions`) must still exist for the cookie to count, so
//! signing out ends it for good, even for a copy of the cookie. Pages and the JSON API share this
//! one session. Outside `dev`, cookies are `Secure` and named `__Host-…`, which browsers accept
//! only over HTTPS, from this host, for the whole site.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use boxoffice_domain::UserId;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

pub const SESSION_COOKIE: &str = "session";
/// How long a session lasts.
pub const SESSION_DAYS: i64 = 7;

/// Who is signed in, as the session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionUser {
    #[schema(value_type = Uuid)]
    pub id: UserId,
    pub email: String,
    /// The session (`store::sessions`); never shown to clients.
    #[serde(skip)]
    pub session_id: Uuid,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    email: String,
    sid: Uuid,
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
    secure_cookies: bool,
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
            secure_cookies: false,
        }
    }

    /// Cookies `Secure` and `__Host-` named, as they must be wherever the shop is served over
    /// HTTPS (everywhere but `dev` and the tests).
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    /// The name a cookie goes by: `__Host-<base>` with secure cookies.
    pub fn cookie_name(&self, base: &'static str) -> String {
        if self.secure_cookies {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    /// The signed-in user a request's cookies name, as far as the token says: the caller still
    /// asks the sessions table whether the session is live.
    pub fn claimed_user(&self, headers: &axum::http::HeaderMap) -> Option<SessionUser> {
        let jar = CookieJar::from_headers(headers);
        let cookie = jar.get(&self.cookie_name(SESSION_COOKIE))?;
        self.user_from_token(cookie.value())
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

    /// The token forms carry for the browser holding CSRF cookie `nonce`, in `session` (none
    /// while signed out): a token is good for one browser and one session only.
    pub fn csrf_token(&self, nonce: &str, session: Option<Uuid>) -> String {
        hex::encode(self.csrf_mac(nonce, session).finalize().into_bytes())
    }

    /// Whether `token` was made for `nonce` and `session` (compared in constant time).
    pub fn verify_csrf(&self, nonce: &str, session: Option<Uuid>, token: &str) -> bool {
        hex::decode(token)
            .is_ok_and(|bytes| self.csrf_mac(nonce, session).verify_slice(&bytes).is_ok())
    }

    fn csrf_mac(&self, nonce: &str, session: Option<Uuid>) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.csrf_key).expect("any key length");
        mac.update(nonce.as_bytes());
        mac.update(b"|");
        mac.update(session.unwrap_or_default().as_bytes());
        mac
    }

    fn token_for(&self, user: &SessionUser) -> Result<String, jsonwebtoken::errors::Error> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.id,
            email: user.email.clone(),
            sid: user.session_id,
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
            session_id: data.claims.sid,
        })
    }

    /// A session cookie for `user`. `https` says the request came over HTTPS, which makes it
    /// `Secure` even where secure cookies are not the rule (`dev` behind a proxy).
    pub fn session_cookie(
        &self,
        user: &SessionUser,
        https: bool,
    ) -> Result<Cookie<'static>, jsonwebtoken::errors::Error> {
        let mut cookie = self.cookie(SESSION_COOKIE, self.token_for(user)?, https);
        cookie.set_max_age(time_days(SESSION_DAYS));
        Ok(cookie)
    }

    /// An HttpOnly, SameSite=Lax cookie for the whole site, `Secure` as the settings say.
    pub fn cookie(&self, base: &'static str, value: String, https: bool) -> Cookie<'static> {
        let mut cookie = Cookie::new(self.cookie_name(base), value);
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_path("/");
        cookie.set_secure(self.secure_cookies || https);
        cookie
    }

    /// The cookie that clears the cookie `base`.
    pub fn removal(&self, base: &'static str) -> Cookie<'static> {
        let mut cookie = self.cookie(base, String::new(), false);
        cookie.make_removal();
        cookie
    }
}

fn time_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

/// True when a TLS-terminating proxy says the browser used HTTPS.
pub fn is_https(parts: &axum::http::HeaderMap) -> bool {
    parts
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// Whether the request carries a session cookie at all (valid or not): what it is answered must
/// not be cached.
pub fn has_session_cookie(headers: &axum::http::HeaderMap) -> bool {
    let jar = CookieJar::from_headers(headers);
    jar.get(SESSION_COOKIE).is_some() || jar.get(&format!("__Host-{SESSION_COOKIE}")).is_some()
}
