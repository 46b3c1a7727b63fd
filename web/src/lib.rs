//! The storefront's HTML: Dioxus server-side rendering of view-models into whole pages.
//!
//! The gateway decides what a page shows and builds a [`view::Page`]; this crate only turns it into
//! markup. Text and attribute values are escaped by the renderer, so user input is always shown as
//! text. Pages work without JavaScript except for typing a card; the scripts in [`assets`] add a
//! ticking countdown, live order status and the Stripe.js card form.

pub mod assets;
mod format;
mod pages;
pub mod view;

use std::cell::RefCell;

use dioxus_ssr::Renderer;

pub use format::{countdown, money};
use view::{Chrome, Page};

thread_local! {
    // The renderer caches each template's static parts; keeping it makes later renders cheaper.
    static RENDERER: RefCell<Renderer> = RefCell::new(Renderer::new());
}

/// A whole HTML document for `page`.
pub fn render(chrome: &Chrome, page: &Page) -> String {
    let element = pages::document(chrome, page);
    let body = RENDERER.with(|renderer| renderer.borrow_mut().render_element(element));
    format!("<!DOCTYPE html><html lang=\"en\">{body}</html>")
}
