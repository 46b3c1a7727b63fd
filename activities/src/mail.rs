//! The e-mails the shop sends: what each says, in plain text and HTML, with a link back to the
//! page it is about and a `Message-ID` derived from what it reports (so the outbox, which refuses
//! a second row with the same id, never holds one message twice). Written with the money and time
//! formats of the pages; sent later by the worker's dispatcher (`store::outbox`).

use std::fmt::Write;

use boxoffice_domain::money::dollars;
use boxoffice_domain::{OrderId, TicketId};
use chrono::{DateTime, Utc};

/// Where the shop is reachable from a mail reader: the public base URL (`BOXOFFICE_PUBLIC_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    /// `base` is the shop's public URL, e.g. `https://tickets.example.com`.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub fn ticket(&self, id: TicketId) -> String {
        format!("{}/tickets/{id}", self.base)
    }

    pub fn order(&self, id: OrderId) -> String {
        format!("{}/orders/{id}", self.base)
    }

    /// The "verify your address" link carrying `token`.
    pub fn verify(&self, token: &str) -> String {
        format!("{}/verify?token={token}", self.base)
    }

    /// The "choose a new password" link carrying `token`.
    pub fn password_reset(&self, token: &str) -> String {
        format!("{}/password-reset/confirm?token={token}", self.base)
    }
}

impl Default for Links {
    /// The gateway's default address, as `dev` serves it.
    fn default() -> Self {
        Self::new("http://127.0.0.1:8080")
    }
}

/// Which message it is; stored in the outbox's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Receipt,
    Sold,
    HoldEnded,
    YourTurn,
    Refunded,
    SaleRefunded,
    Verify,
    PasswordReset,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::Sold => "sold",
            Self::HoldEnded => "hold_ended",
            Self::YourTurn => "your_turn",
            Self::Refunded => "refunded",
            Self::SaleRefunded => "sale_refunded",
            Self::Verify => "verify",
            Self::PasswordReset => "password_reset",
        }
    }
}

/// One message, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub kind: Kind,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `<kind.order@boxoffice>` (or, for a link, `<kind.link@boxoffice>`): what it reports, once.
    pub message_id: String,
}

/// What every message about an order names.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub order_id: OrderId,
    pub ticket_id: TicketId,
    pub title: &'a str,
}

/// To the buyer when their order is paid.
pub fn receipt(
    links: &Links,
    to: &str,
    about: About<'_>,
    price_cents: i64,
    card: Option<&str>,
    paid_at: DateTime<Utc>,
) -> Letter {
    let link = links.order(about.order_id);
    let mut lines = vec![
        ("Order", about.order_id.to_string()),
        ("Ticket", about.title.to_owned()),
        ("Price", dollars(price_cents)),
    ];
    if let Some(card) = card {
        lines.push(("Card", card.to_owned()));
    }
    lines.push(("Paid", when(paid_at)));
    compose(
        Kind::Receipt,
        to,
        about.order_id,
        format!("Your receipt: {}", about.title),
        &["Thank you: your order is paid and the ticket is yours."],
        &lines,
        ("Your order", &link),
    )
}

/// To the seller when their ticket sells.
pub fn sold(
    links: &Links,
    to: &str,
    about: About<'_>,
    price_cents: i64,
    sold_at: DateTime<Utc>,
) -> Letter {
    let link = links.ticket(about.ticket_id);
    compose(
        Kind::Sold,
        to,
        about.order_id,
        format!("Sold: {}", about.title),
        &["Your ticket sold."],
        &[
            ("Ticket", about.title.to_owned()),
            ("Price", dollars(price_cents)),
            ("Sold", when(sold_at)),
        ],
        ("Your ticket", &link),
    )
}

/// To a buyer whose hold ran out unpaid; `went_to_next` when the ticket went to the next member
/// of its waiting list.
pub fn hold_ended(links: &Links, to: &str, about: About<'_>, went_to_next: bool) -> Letter {
    let link = links.ticket(about.ticket_id);
    let after = if went_to_next {
        "The ticket went to the next person on its waiting list."
    } else {
        "The ticket is back on sale."
    };
    compose(
        Kind::HoldEnded,
        to,
        about.order_id,
        format!("Your hold ended: {}", about.title),
        &[
            "Your order was not paid in time, so its hold on the ticket ended. Nothing was charged.",
            after,
        ],
        &[
            ("Order", about.order_id.to_string()),
            ("Ticket", about.title.to_owned()),
        ],
        ("The ticket", &link),
    )
}

/// To the waiting-list member the ticket was handed to: it is held for them until `until`.
pub fn your_turn(
    links: &Links,
    to: &str,
    about: About<'_>,
    price_cents: i64,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Letter {
    let link = links.order(about.order_id);
    let minutes = ((until - now).num_seconds().max(0) + 59) / 60;
    let held = format!(
        "It is held for you until {} UTC (in {minutes} minute{}).",
        until.format("%H:%M"),
        if minutes == 1 { "" } else { "s" }
    );
    compose(
        Kind::YourTurn,
        to,
        about.order_id,
        format!("Your turn: {}", about.title),
        &[
            "Your turn came on the waiting list: the ticket is yours to buy.",
            &held,
            "Pay on your order's page; after that, it goes to the next person.",
        ],
        &[
            ("Ticket", about.title.to_owned()),
            ("Price", dollars(price_cents)),
            ("Held until", when(until)),
        ],
        ("Pay here", &link),
    )
}

/// Why the saga gave a charge back: the order could not be completed.
pub const REFUNDED_BY_THE_SAGA: &str = "Your card was charged, but the order could not be completed (its hold on the ticket had ended), so the charge was given back in full.";

/// Why a paid order's charge was given back by support staff.
pub const REFUNDED_BY_SUPPORT: &str =
    "Our support team has refunded this order in full; the ticket is no longer yours.";

/// To a buyer whose charge was given back, saying `why`.
pub fn refunded(
    links: &Links,
    to: &str,
    about: About<'_>,
    amount_cents: i64,
    card: Option<&str>,
    refunded_at: DateTime<Utc>,
    why: &str,
) -> Letter {
    let link = links.order(about.order_id);
    let mut lines = vec![
        ("Order", about.order_id.to_string()),
        ("Ticket", about.title.to_owned()),
        ("Refunded", dollars(amount_cents)),
    ];
    if let Some(card) = card {
        lines.push(("Card", card.to_owned()));
    }
    lines.push(("When", when(refunded_at)));
    compose(
        Kind::Refunded,
        to,
        about.order_id,
        format!("Refunded: {}", about.title),
        &[why],
        &lines,
        ("Your order", &link),
    )
}

/// To the seller whose sale support staff refunded: the ticket, what the buyer got back and the
/// reason staff gave.
pub fn sale_refunded(
    links: &Links,
    to: &str,
    about: About<'_>,
    amount_cents: i64,
    refunded_at: DateTime<Utc>,
    why: &str,
) -> Letter {
    let link = links.ticket(about.ticket_id);
    compose(
        Kind::SaleRefunded,
        to,
        about.order_id,
        format!("Sale refunded: {}", about.title),
        &[
            "Our support team refunded the buyer of your ticket in full: the sale is undone.",
            "The ticket is yours again, back on sale or with the next person on its waiting list.",
        ],
        &[
            ("Ticket", about.title.to_owned()),
            ("Refunded", dollars(amount_cents)),
            ("Why", why.to_owned()),
            ("When", when(refunded_at)),
        ],
        ("Your ticket", &link),
    )
}

/// What an e-mailed link ("verify", "reset") needs: where it goes and until when it works. The
/// link's id, not its token, names the message.
#[derive(Debug, Clone, Copy)]
pub struct Mailed<'a> {
    pub link_id: uuid::Uuid,
    pub url: &'a str,
    pub expires_at: DateTime<Utc>,
}

impl Mailed<'_> {
    /// A message that carries this link: named by the link, saying until when it works, with
    /// the link last under `label`.
    fn letter(
        self,
        kind: Kind,
        to: &str,
        subject: &str,
        paragraphs: &[&str],
        label: &str,
    ) -> Letter {
        compose(
            kind,
            to,
            self.link_id,
            subject.to_owned(),
            paragraphs,
            &[("Link expires", when(self.expires_at))],
            (label, self.url),
        )
    }
}

/// To an account's owner who asked to verify its address.
pub fn verify_address(to: &str, link: Mailed<'_>) -> Letter {
    link.letter(
        Kind::Verify,
        to,
        "Verify your e-mail address",
        &[
            "Follow the link below to confirm that this address is yours; then you can join waiting lists.",
            "The link works once. If you did not ask for it, ignore this message.",
        ],
        "Verify my address",
    )
}

/// To an account's owner who asked to reset its password.
pub fn password_reset(to: &str, link: Mailed<'_>) -> Letter {
    link.letter(
        Kind::PasswordReset,
        to,
        "Reset your password",
        &[
            "Someone (we hope you) asked to reset the password of your boxoffice account. Follow the link below to choose a new one; every browser signed in to the account is then signed out.",
            "The link works once. If you did not ask for it, ignore this message: your password stays as it is.",
        ],
        "Choose a new password",
    )
}

/// `2026-12-04 17:05 UTC`.
fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The one shape of every message: paragraphs, a table of figures, a link.
fn compose(
    kind: Kind,
    to: &str,
    about: impl std::fmt::Display,
    subject: String,
    paragraphs: &[&str],
    lines: &[(&str, String)],
    (link_label, link): (&str, &str),
) -> Letter {
    let mut text = String::new();
    let mut html = String::from(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5\">",
    );
    for paragraph in paragraphs {
        let _ = write!(text, "{paragraph}\n\n");
        let _ = write!(html, "<p>{}</p>", escape(paragraph));
    }
    html.push_str("<table>");
    for (label, value) in lines {
        let _ = writeln!(text, "{label}: {value}");
        let _ = write!(
            html,
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            escape(label),
            escape(value)
        );
    }
    html.push_str("</table>");
    let _ = write!(text, "\n{link_label}: {link}\n\n-- boxoffice\n");
    let _ = write!(
        html,
        "<p><a href=\"{}\">{}</a></p><p>-- boxoffice</p></body></html>",
        escape(link),
        escape(link_label)
    );
    Letter {
        kind,
        recipient: to.to_owned(),
        subject,
        text,
        html,
        message_id: format!("<{}.{about}@boxoffice>", kind.as_str()),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about(title: &str) -> About<'_> {
        About {
            order_id: OrderId::new(),
            ticket_id: TicketId::new(),
            title,
        }
    }

    #[test]
    fn a_receipt_names_the_order_price_card_and_links_to_the_order() {
        let links = Links::new("https://shop.example/");
        let about = about("Björk <live>");
        let at = "2026-12-04T17:05:00Z".parse().expect("a time");
        let letter = receipt(
            &links,
            "a@example.com",
            about,
            12_345,
            Some("visa ending 4242"),
            at,
        );
        assert_eq!(
            letter.message_id,
            format!("<receipt.{}@boxoffice>", about.order_id)
        );
        for part in [&letter.text, &letter.html] {
            assert!(part.contains("$123.45"), "{part}");
            assert!(part.contains("visa ending 4242"), "{part}");
            assert!(part.contains("2026-12-04 17:05 UTC"), "{part}");
            assert!(part.contains(&format!("https://shop.example/orders/{}", about.order_id)));
        }
        assert!(letter.html.contains("Björk &lt;live&gt;"));
    }

    #[test]
    fn your_turn_gives_the_deadline_as_a_time_and_in_minutes() {
        let now: DateTime<Utc> = "2026-12-04T17:05:30Z".parse().expect("a time");
        let until = now + chrono::Duration::minutes(14);
        let letter = your_turn(
            &Links::default(),
            "m@example.com",
            about("T"),
            100,
            until,
            now,
        );
        assert!(
            letter.text.contains("until 17:19 UTC (in 14 minutes)"),
            "{}",
            letter.text
        );
    }
}
