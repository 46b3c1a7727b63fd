//! `boxoffice serve` refuses, before it starts, what a shop open to the internet must not run
//! with: each refusal names the setting and says why.

use std::process::Command;

/// `boxoffice serve` with a good session secret, an unreachable database and `env` on top; what
/// it said on stderr, once it exited (it must, without a database).
fn serve_with(env: &[(&str, &str)]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_boxoffice"))
        .arg("serve")
        .env("JWT_SECRET", "a-session-secret-long-enough-to-be-safe")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env_remove("RUST_LOG")
        .env_remove("BOXOFFICE_RATE_LIMITS")
        .env_remove("BOXOFFICE_CLAIM_LEASE_SECS")
        .env_remove("BOXOFFICE_TRUSTED_PROXIES")
        .env_remove("SMTP_URL")
        .env("BOXOFFICE_MAIL", "off")
        .envs(env.iter().copied())
        .output()
        .expect("run boxoffice serve");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn serve_refuses_a_session_secret_shorter_than_32_bytes() {
    let (ok, said) = serve_with(&[("JWT_SECRET", "too-short-to-be-safe")]);

    assert!(!ok);
    assert!(
        said.contains("JWT_SECRET must be at least 32 bytes"),
        "{said}"
    );
}

#[test]
fn serve_refuses_rate_limits_off() {
    let (ok, said) = serve_with(&[("BOXOFFICE_RATE_LIMITS", "off")]);

    assert!(!ok);
    assert!(
        said.contains("BOXOFFICE_RATE_LIMITS=off is for `dev` only"),
        "{said}"
    );
}

#[test]
fn serve_refuses_a_claim_lease_shorter_than_a_saga_may_take_to_start() {
    let (ok, said) = serve_with(&[("BOXOFFICE_CLAIM_LEASE_SECS", "10")]);

    assert!(!ok);
    assert!(said.contains("--claim-lease-secs"), "{said}");
    assert!(said.contains("the claim must outlast that"), "{said}");
}

#[test]
fn serve_refuses_a_trusted_proxy_that_is_neither_an_address_nor_a_block() {
    let (ok, said) = serve_with(&[("BOXOFFICE_TRUSTED_PROXIES", "10.0.0.0/8,ingress")]);

    assert!(!ok);
    assert!(
        said.contains("`ingress` is neither an IP address nor a CIDR block"),
        "{said}"
    );
}

#[test]
fn serve_refuses_a_hold_cap_of_zero() {
    let (ok, said) = serve_with(&[("BOXOFFICE_MAX_HOLDS", "0")]);

    assert!(!ok);
    assert!(said.contains("--max-holds"), "{said}");
}

#[test]
fn serve_refuses_to_start_without_an_smtp_server_unless_mail_is_switched_off() {
    let (ok, said) = serve_with(&[("BOXOFFICE_MAIL", "on")]);

    assert!(!ok);
    assert!(said.contains("SMTP_URL is required"), "{said}");
    assert!(said.contains("BOXOFFICE_MAIL=off"), "{said}");
}

#[test]
fn serve_never_repeats_the_password_of_an_smtp_url_it_refuses() {
    let (ok, said) = serve_with(&[
        ("BOXOFFICE_MAIL", "on"),
        ("SMTP_URL", "smtp://mailer:hunter2-secret@mail.example:2525"),
        ("BOXOFFICE_MAIL_FROM", "not an address"),
    ]);

    assert!(!ok);
    assert!(said.contains("BOXOFFICE_MAIL_FROM"), "{said}");
    assert!(!said.contains("hunter2-secret"), "{said}");
}
