//! The links the shop e-mails to prove someone reads an address, written once for both uses:
//! "verify your address" (24 h; a waiting list needs it) and "reset your password" (1 h). A link
//! carries 32 random bytes; only their SHA-256 is stored (`store::email_links`), so neither the
//! database nor a log line (the access log records paths, never query strings) holds a working
//! link. Each works once.

use boxoffice_activities::mail::{self, Mailed};
use boxoffice_activities::store::StoreError;
use boxoffice_activities::store::email_links::{self, Purpose};
use boxoffice_activities::store::users;
use boxoffice_domain::UserId;
use chrono::Utc;
use rand::RngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::accounts::{AccountError, Accounts};
use crate::auth::SessionUser;
use crate::domain::{self, Email, FieldError, Password};
use crate::limits::{ClientAddress, Limited};

/// How soon after one link another may be sent to the same account: a second e-mail a moment
/// after the first is a double click or someone flooding an inbox.
pub const RESEND_AFTER: chrono::Duration = chrono::Duration::seconds(60);

/// A new link's token (what the e-mail carries) and its hash (what is stored).
fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// What is stored of a token. A token too long to be one of ours is hashed all the same: it
/// matches nothing.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// The `token` of a request, or why there is none.
fn token_of(raw: Option<&Value>) -> Result<&str, FieldError> {
    match raw {
        Some(Value::String(token)) if !token.trim().is_empty() => Ok(token),
        _ => Err(FieldError::new("token", "Token is required")),
    }
}

impl Accounts {
    /// Whether the user has verified their address.
    pub async fn is_verified(&self, user_id: UserId) -> Result<bool, AccountError> {
        Ok(users::is_verified(&self.reader, user_id).await?)
    }

    /// E-mails the signed-in user a link that verifies their address; at most one a minute.
    pub async fn request_verification(
        &self,
        client: ClientAddress,
        user: &SessionUser,
    ) -> Result<(), AccountError> {
        self.limits.auth_attempt(client)?;
        // A session outlives nothing it names: no account, no session (the contract's 401).
        let found = users::find_user(&self.reader, user.id).await?;
        let Some(found) = found else {
            return Err(StoreError::NotOwner.into());
        };
        if found.email_verified_at.is_some() {
            return Err(AccountError::AlreadyVerified);
        }
        if let Some(wait) = self.resend_wait(user.id, Purpose::Verify).await? {
            return Err(Limited {
                what: "A link was sent to you a moment ago; check your inbox",
                retry_after: wait,
            }
            .into());
        }
        self.send_link(found.id, &found.email, Purpose::Verify)
            .await
    }

    /// Follows a "verify" link.
    pub async fn verify_email(&self, token: &str) -> Result<(), AccountError> {
        email_links::verify(&self.db, &token_hash(token), Utc::now())
            .await?
            .map(drop)
            .map_err(AccountError::Link)
    }

    /// E-mails a "reset your password" link to `email` if it has an account. The answer is the
    /// same whether or not it does, and whether or not a link went out a moment ago.
    pub async fn request_password_reset(
        &self,
        client: ClientAddress,
        email: Option<&Value>,
    ) -> Result<(), AccountError> {
        self.limits.auth_attempt(client)?;
        let email = Email::parse(email).map_err(domain::Invalid::from)?;
        let Some(user) = users::find_user_by_email(&self.reader, email.as_str()).await? else {
            return Ok(());
        };
        if self
            .resend_wait(user.id, Purpose::PasswordReset)
            .await?
            .is_some()
        {
            return Ok(());
        }
        self.send_link(user.id, &user.email, Purpose::PasswordReset)
            .await
    }

    /// Whether a "reset" link would work now (the form is shown only for one that would).
    pub async fn check_password_reset(&self, token: &str) -> Result<(), AccountError> {
        email_links::check(
            &self.reader,
            Purpose::PasswordReset,
            &token_hash(token),
            Utc::now(),
        )
        .await?
        .map(drop)
        .map_err(AccountError::Link)
    }

    /// Follows a "reset" link with a new password: every session of the account ends.
    pub async fn reset_password(
        &self,
        token: Option<&Value>,
        password: Option<&Value>,
    ) -> Result<(), AccountError> {
        let (token, password) = domain::both(token_of(token), Password::parse(password))?;
        let hash = token_hash(token);
        // A dead link is told before the password is hashed: hashing is the dear part.
        email_links::check(&self.reader, Purpose::PasswordReset, &hash, Utc::now())
            .await?
            .map_err(AccountError::Link)?;
        let password_hash = self.passwords.hash(password.expose().to_owned()).await?;
        email_links::reset_password(&self.db, &hash, &password_hash, Utc::now())
            .await?
            .map(drop)
            .map_err(AccountError::Link)
    }

    /// How long until another link for `purpose` may be sent to the user, if not yet.
    async fn resend_wait(
        &self,
        user_id: UserId,
        purpose: Purpose,
    ) -> Result<Option<std::time::Duration>, AccountError> {
        let last = email_links::last_issued(&self.reader, user_id, purpose).await?;
        Ok(last
            .map(|at| at + RESEND_AFTER - Utc::now())
            .and_then(|wait| wait.to_std().ok())
            .filter(|wait| !wait.is_zero()))
    }

    async fn send_link(
        &self,
        user_id: UserId,
        email: &str,
        purpose: Purpose,
    ) -> Result<(), AccountError> {
        let (token, hash) = new_token();
        let (url, write): (_, fn(&str, Mailed<'_>) -> _) = match purpose {
            Purpose::Verify => (self.links.verify(&token), mail::verify_address),
            Purpose::PasswordReset => (self.links.password_reset(&token), mail::password_reset),
        };
        email_links::send(&self.db, user_id, purpose, &hash, Utc::now(), |link| {
            write(
                email,
                Mailed {
                    link_id: link.id,
                    url: &url,
                    expires_at: link.expires_at,
                },
            )
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_stored_only_as_its_hash() {
        let (token, hash) = new_token();
        assert_eq!(token.len(), 64);
        assert_ne!(token, hash);
        assert_eq!(token_hash(&token), hash);
        assert_ne!(new_token().0, token);
    }
}
