//! What `boxoffice bench` is asked to run, and how big.

use clap::{Args, ValueEnum};

/// The rows `boxoffice bench` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchRow {
    Baseline,
    /// `GET /` and `GET /api/tickets` (`storefront`, `storefront-api`).
    Storefront,
    /// `GET /` while purchases run.
    StorefrontBusy,
    /// `GET /api/tickets?q=coldplay`: a one-word search of the whole catalog (`search`), and the
    /// same with every request a search of its own (`search-uncached`).
    Search,
    Purchase,
    /// How long after each purchase of `purchase` the SMTP server accepted its receipt and sold
    /// notice (runs `purchase`'s purchases, unprinted, when that row is not asked for).
    Mail,
    Order,
    Rush,
    Signin,
    /// `expiry`, and `expiry-baseline`: bare timers on its schedule.
    Expiry,
    Actions,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// A Postgres server (`postgres://user@host:port/db`): the bench creates a fresh database there
    /// and drops it afterwards. Without it the shop runs on SQLite, as `dev` does by default.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Only these rows (comma-separated); every row by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub rows: Vec<BenchRow>,
    /// Tickets for sale (straight into the database) before the first row: every row runs beside
    /// a catalog of a real marketplace's size.
    #[arg(long, default_value_t = 100_000)]
    pub catalog: usize,
    /// Every row once at a small size, for CI: checks the flow, measures nothing worth quoting.
    #[arg(long)]
    pub smoke: bool,
    /// Buyers (and bare workflows) in flight at once in `purchase` and `baseline`.
    #[arg(long, default_value_t = 10)]
    pub concurrency: usize,
    /// Purchases in `purchase`, and bare workflows in `baseline`.
    #[arg(long, default_value_t = 200)]
    pub purchases: usize,
    /// Orders placed one at a time in `order`.
    #[arg(long, default_value_t = 50)]
    pub orders: usize,
    /// Buyers in `rush`, all ordering at the same instant.
    #[arg(long, default_value_t = 2000)]
    pub rush_buyers: usize,
    /// Tickets in `rush`.
    #[arg(long, default_value_t = 100)]
    pub rush_tickets: usize,
    /// Sign-ins at the same instant in `signin`.
    #[arg(long, default_value_t = 500)]
    pub signins: usize,
    /// Unpaid holds in `expiry`: enough that hundreds end within the same few seconds.
    #[arg(long, default_value_t = 500)]
    pub expiry_holds: usize,
    /// In how many waves the `expiry` holds are placed, timed to end together (1: all at once, so
    /// they end as spread out as they were placed).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=20))]
    pub expiry_waves: u64,
    /// The first wave's hold window, in seconds (later waves' are shorter, to end with it); it
    /// must outlast placing every wave.
    #[arg(long, default_value_t = 90)]
    pub expiry_hold_secs: u64,
    /// Tickets for sale while `storefront` runs.
    #[arg(long, default_value_t = 100)]
    pub storefront_tickets: usize,
    /// Keep-alive connections in `storefront`.
    #[arg(long, default_value_t = 50)]
    pub storefront_connections: usize,
    /// How long each `storefront` row runs, in seconds.
    #[arg(long, default_value_t = 10)]
    pub storefront_secs: u64,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}
