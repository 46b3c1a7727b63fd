//! How long the server takes to render the home page with 100 tickets for sale (target: ≤ 2 ms).
//!
//! `cargo bench -p boxoffice-web --bench render_home` prints the distribution over many renders of
//! the same view-model, after a warm-up, in an optimised build. Rendering is synchronous and
//! allocation-bound, so wall-clock time on one thread is the figure that matters.

use std::hint::black_box;
use std::time::{Duration, Instant};

use boxoffice_web::render;
use boxoffice_web::view::{Chrome, Page, TicketSummary};

const TICKETS: usize = 100;
const WARM_UP: usize = 200;
const SAMPLES: usize = 5_000;

fn main() {
    let tickets = (0..TICKETS)
        .map(|i| TicketSummary {
            id: boxoffice_domain::TicketId::new(),
            title: format!("Concert #{i}: The <Loud> & \"Proud\" tour, row {}", i % 30),
            price_cents: 1_999 + 125 * i as i64,
        })
        .collect();
    let page = Page::Home {
        tickets,
        more: None,
        search: Default::default(),
    };
    let chrome = Chrome {
        signed_in: Some("shopper@example.com".to_owned()),
        csrf_token: "c".repeat(64),
        notice: None,
        hold: "15 minutes".to_owned(),
    };

    let mut bytes = 0;
    for _ in 0..WARM_UP {
        bytes = black_box(render(&chrome, black_box(&page))).len();
    }
    let mut samples: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let started = Instant::now();
            black_box(render(&chrome, black_box(&page)));
            started.elapsed()
        })
        .collect();
    samples.sort();
    let at = |quantile: f64| samples[((samples.len() - 1) as f64 * quantile) as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;

    println!("render home, {TICKETS} tickets, {bytes} bytes of HTML, {SAMPLES} renders:");
    println!("  mean   {:>9.3?}", mean);
    println!("  median {:>9.3?}", at(0.5));
    println!("  p95    {:>9.3?}", at(0.95));
    println!("  p99    {:>9.3?}", at(0.99));
    println!("  max    {:>9.3?}", samples[samples.len() - 1]);
    println!(
        "  target ≤ 2 ms: {}",
        if at(0.99) <= Duration::from_millis(2) {
            "met at p99"
        } else {
            "MISSED at p99"
        }
    );
}
