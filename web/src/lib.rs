//! Dioxus server-side rendering of the storefront pages: pure rendering from view-models.
