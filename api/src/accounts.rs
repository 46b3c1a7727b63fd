//! Sign-up and sign-in: the rules around the users table, the same for the JSON API and the pages.

use boxoffice_activities::store::{StoreError, sessions, users};
use boxoffice_domain::UserId;
use sea_orm::DatabaseConnection;
use serde_json::Value;

use crate::auth::{SESSION_DAYS, SessionUser};
use crate::backpressure::{Saturated, shed};
use crate::domain::{self, Email, Invalid, Password};
use crate::limits::{ClientAddress, Limited, Limits};
use crate::passwords::{PasswordError, PasswordHasher};

/// Why signing up or in did not work. The message is what the user reads.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// About the `email` field.
    #[error("Email in use")]
    EmailInUse,
    /// Unknown email or wrong password: deliberately not told apart.
    #[error("Invalid credentials")]
    InvalidCredentials,
    #[error("Your e-mail address is verified already")]
    AlreadyVerified,
    /// An e-mailed link that does nothing (unknown, used, expired): about the `token` field.
    #[error(transparent)]
    Link(boxoffice_activities::store::email_links::Unusable),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Limited(#[from] Limited),
    #[error(transparent)]
    Busy(#[from] Saturated),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl From<PasswordError> for AccountError {
    fn from(err: PasswordError) -> Self {
        match err {
            PasswordError::Busy => Self::Busy(shed(Saturated::Passwords)),
            PasswordError::Failed(message) => Self::Hashing(message),
        }
    }
}

/// What signing up and in needs: the users table, the password hashing pool, and the limits on
/// how often one address or account may try.
#[derive(Clone)]
pub struct Accounts {
    pub db: DatabaseConnection,
    pub reader: DatabaseConnection,
    pub passwords: PasswordHasher,
    pub limits: Limits,
    /// Where e-mailed links ("verify", "reset") point.
    pub links: boxoffice_activities::mail::Links,
}

/// An e-mail address and a password as a form or a JSON body sent them, before any check.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub email: Option<&'a Value>,
    pub password: Option<&'a Value>,
}

/// How a session remembers where it was signed in from (an IPv6 client by its /64).
fn address_of(client: ClientAddress) -> Option<String> {
    client.0.map(|address| address.to_string())
}

/// A hash of a password nobody has, checked when the email is unknown so that an unknown email and
/// a wrong password take the same time.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5Fd/6X6jbqY2WOGZ8TgdvbWpVOTR0JhP+Hxgk9dGL7M";

impl Accounts {
    /// A new account for `credentials`, signed in; within the sign-ups one address may make.
    pub async fn sign_up(
        &self,
        client: ClientAddress,
        credentials: Credentials<'_>,
    ) -> Result<SessionUser, AccountError> {
        self.limits.auth_attempt(client)?;
        let (email, password) = domain::both(
            Email::parse(credentials.email),
            Password::parse(credentials.password),
        )?;
        // Hashed before the address is looked at, so that an address in use takes as long as a
        // new one to refuse: timing tells nobody who has an account. The unique index decides.
        let hash = self.passwords.hash(password.expose().to_owned()).await?;
        let user = users::create_user(&self.db, email.as_str(), &hash)
            .await
            .map_err(|err| match err {
                StoreError::EmailInUse => AccountError::EmailInUse,
                other => other.into(),
            })?;
        self.start_session(user.id, user.email, client).await
    }

    /// Signs in with `credentials`; within the tries one address, and one account, may make.
    pub async fn sign_in(
        &self,
        client: ClientAddress,
        credentials: Credentials<'_>,
    ) -> Result<SessionUser, AccountError> {
        self.limits.auth_attempt(client)?;
        let (email, password) = domain::both(
            Email::parse(credentials.email),
            Password::parse_any(credentials.password),
        )?;
        let user = users::find_user_by_email(&self.reader, email.as_str()).await?;
        // The account's owner, signed in from here already, is not held back by failures that
        // others made from elsewhere.
        let known_address = match (&user, address_of(client)) {
            (Some(user), Some(address)) => {
                sessions::is_signed_in_from(&self.reader, user.id, &address).await?
            }
            _ => false,
        };
        self.limits.sign_in_allowed(&email, client, known_address)?;
        let hash = user
            .as_ref()
            .map_or(DECOY_HASH, |user| user.password_hash.as_str())
            .to_owned();
        let matches = self
            .passwords
            .verify(password.expose().to_owned(), hash)
            .await?;
        match user {
            Some(user) if matches => self.start_session(user.id, user.email, client).await,
            _ => {
                self.limits.sign_in_failed(&email, client);
                Err(AccountError::InvalidCredentials)
            }
        }
    }

    async fn start_session(
        &self,
        id: UserId,
        email: String,
        client: ClientAddress,
    ) -> Result<SessionUser, AccountError> {
        let until = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
        let address = address_of(client);
        let session_id = sessions::start_session(&self.db, id, until, address.as_deref()).await?;
        Ok(SessionUser {
            id,
            email,
            session_id,
        })
    }

    /// Ends this browser's session: its cookie, and every copy of it, stops working.
    pub async fn sign_out(&self, user: &SessionUser) -> Result<(), AccountError> {
        Ok(sessions::end_session(&self.db, user.session_id).await?)
    }

    /// Ends every session of the user, in every browser.
    pub async fn sign_out_everywhere(&self, user: &SessionUser) -> Result<u64, AccountError> {
        Ok(sessions::end_all_sessions(&self.db, user.id).await?)
    }
}
