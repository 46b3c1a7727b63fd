//! The stylesheet and scripts the pages link to, compiled into the binary so that nothing is
//! fetched at run time. Their URLs carry a hash of the content, so they can be cached for good.

/// One static file the pages use.
pub struct Asset {
    /// The path the pages link to, e.g. `/assets/app.3f2a….css`.
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

macro_rules! asset {
    ($name:literal, $ext:literal, $content_type:literal) => {
        Asset {
            path: concat!(
                "/assets/",
                $name,
                ".",
                env!(concat!("ASSET_HASH_", $name)),
                ".",
                $ext
            ),
            content_type: $content_type,
            body: include_str!(concat!("../assets/", $name, ".", $ext)),
        }
    };
}

pub const STYLESHEET: Asset = asset!("app", "css", "text/css; charset=utf-8");
/// Countdown, live status and the Stripe.js card form on the order page.
pub const ORDER_SCRIPT: Asset = asset!("order", "js", "text/javascript; charset=utf-8");

/// Shows the pages' `<time>`s in the reader's own time zone.
pub const TIME_SCRIPT: Asset = asset!("time", "js", "text/javascript; charset=utf-8");

/// The site's icon (browsers ask for `/favicon.ico` too; the gateway answers with this).
pub const ICON: Asset = asset!("icon", "svg", "image/svg+xml");

pub const ALL: [&Asset; 4] = [&STYLESHEET, &ORDER_SCRIPT, &TIME_SCRIPT, &ICON];
