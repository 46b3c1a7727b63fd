//! Every statement on a hot path uses an index, on both databases, with a catalog of a real
//! marketplace's size. The statements are not written out here: the store's own functions run
//! through a connection that records what they send, and each database is then asked for its
//! plan of every recorded statement.
//!
//! What counts as a full scan: SQLite's `SCAN <table>` without an index, or Postgres's
//! `Seq Scan`; and on either, walking a whole index (no index condition) unless a `LIMIT` stops
//! the walk early, as the listing's newest-first pages do. Postgres is asked with
//! `enable_seqscan = off`: on a table of a few rows it would rightly choose a sequential scan, and
//! the question is whether an index *can* serve the statement when the table is large.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use boxoffice_activities::mail::Links;
use boxoffice_activities::store::claims::{self, Claim, ClaimRequest};
use boxoffice_activities::store::orders::{self, NewOrder, Oldest, PaidOrder};
use boxoffice_activities::store::search::{self, Search, SortBy};
use boxoffice_activities::store::support::{self, SupportQuery};
use boxoffice_activities::store::tickets::{self, NewTicket, TicketEdit};
use boxoffice_activities::store::waitlists::{self, HandOverRules};
use boxoffice_activities::store::{PageRequest, listings, sessions, stripe_events, users};
use boxoffice_domain::saga::CancelReason;
use boxoffice_domain::{OrderId, TicketId, UserId};
use boxoffice_tests::{TestDatabase, TestSqlite};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

/// The catalog the plans are asked for.
const CATALOG: usize = 100_000;

/// The tables a hot path must never read whole.
const HOT_TABLES: [&str; 3] = ["tickets", "orders", "waitlist_entries"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hot_statement_uses_an_index_on_postgres_with_a_big_catalog() {
    let database = TestDatabase::create().await;
    let scans = full_scans_of_the_hot_paths(&database.url).await;
    assert!(scans.is_empty(), "full scans:\n{}", scans.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hot_statement_uses_an_index_on_sqlite_with_a_big_catalog() {
    let database = TestSqlite::create().await;
    let scans = full_scans_of_the_hot_paths(&database.url()).await;
    assert!(scans.is_empty(), "full scans:\n{}", scans.join("\n\n"));
}

/// A database with a seller who has listed the whole catalog, analysed, and a second connection
/// to it that records every statement it sends.
struct BigCatalog {
    db: DatabaseConnection,
    seller_id: UserId,
    recording: DatabaseConnection,
    recorded: Arc<Mutex<Vec<Statement>>>,
}

impl BigCatalog {
    async fn at(url: &str) -> Self {
        let db = boxoffice_activities::db::connect(url).await.unwrap();
        let seller = users::create_user(&db, "seller@example.com", "hash")
            .await
            .unwrap();
        tickets::list_in_bulk(&db, seller.id, CATALOG, chrono::Duration::minutes(1))
            .await
            .unwrap();
        // A database in service has statistics; the planner's choices depend on them.
        db.execute_unprepared("ANALYZE").await.unwrap();

        let mut recording = boxoffice_activities::db::connect(url).await.unwrap();
        let recorded = Arc::new(Mutex::new(Vec::<Statement>::new()));
        let sink = Arc::clone(&recorded);
        recording.set_metric_callback(move |info| {
            sink.lock().unwrap().push(info.statement.clone());
        });
        Self {
            db,
            seller_id: seller.id,
            recording,
            recorded,
        }
    }
}

/// Runs every hot path against the database at `url` with a big catalog; returns each statement
/// that reads a hot table whole, with its plan.
async fn full_scans_of_the_hot_paths(url: &str) -> Vec<String> {
    let BigCatalog {
        db,
        seller_id,
        recording,
        recorded,
    } = BigCatalog::at(url).await;
    run_the_hot_paths(&recording, seller_id).await;

    let statements = recorded.lock().unwrap().clone();
    let mut scans = Vec::new();
    for statement in statements.iter().filter(|s| reads_tables(&s.sql)) {
        let plan = match db.get_database_backend() {
            DbBackend::Postgres => postgres_full_scans(&db, statement).await,
            _ => sqlite_full_scans(&db, statement).await,
        };
        if let Some(plan) = plan {
            scans.push(format!("{}\n  {plan}", statement.sql));
        }
    }
    assert!(
        statements.len() > 40,
        "the hot paths ran ({} statements)",
        statements.len()
    );
    scans
}

/// Admission, reserve, pay, complete, release and hand-over, the listings, the waiting list,
/// sessions and sign-in: each through the store function the shop calls.
async fn run_the_hot_paths(db: &DatabaseConnection, seller_id: UserId) {
    let buyer = users::create_user(db, "buyer@example.com", "hash")
        .await
        .unwrap();
    let member = users::create_user(db, "member@example.com", "hash")
        .await
        .unwrap();
    // Waiting lists are for verified addresses.
    users::mark_verified(db, member.id, chrono::Utc::now())
        .await
        .unwrap();
    users::find_user_by_email(db, "buyer@example.com")
        .await
        .unwrap();
    let session = sessions::start_session(
        db,
        buyer.id,
        chrono::Utc::now() + a_day(),
        Some("192.0.2.1"),
    )
    .await
    .unwrap();
    assert!(sessions::is_live(db, session, buyer.id).await.unwrap());
    assert!(
        sessions::is_signed_in_from(db, buyer.id, "192.0.2.1")
            .await
            .unwrap()
    );

    let sell = |title: &'static str| {
        tickets::create_ticket(
            db,
            NewTicket {
                title,
                price_cents: 2500,
                seller_id,
            },
        )
    };
    let sold = sell("Sold").await.unwrap();
    let released = sell("Released").await.unwrap();
    let abandoned = sell("Abandoned").await.unwrap();

    // Admission, reserve, complete: a sale.
    let sale = hold(db, sold.id, buyer.id).await;
    orders::complete_order(
        db,
        PaidOrder {
            order_id: sale,
            stripe_payment_intent: "pi_plan",
            amount_cents: 2500,
            card: None,
        },
        &Links::default(),
    )
    .await
    .unwrap()
    .unwrap();

    // A hold that ends with someone waiting: release and hand-over, then the release retried.
    let ended = hold(db, released.id, buyer.id).await;
    waitlists::join(db, released.id, member.id)
        .await
        .unwrap()
        .unwrap();
    waitlists::view(db, released.id, Some(member.id))
        .await
        .unwrap();
    let rules = HandOverRules {
        max_holds: 4,
        lease: Duration::from_secs(10),
        hold: Duration::from_secs(120),
    };
    for _ in 0..2 {
        orders::release_order(
            db,
            ended,
            CancelReason::Expired,
            Some(rules),
            &Links::default(),
        )
        .await
        .unwrap();
    }
    waitlists::entry_of_order(db, ended).await.unwrap();
    waitlists::leave(db, released.id, member.id).await.unwrap();

    // A claim whose saga never started.
    let unstarted = OrderId::new();
    assert!(matches!(
        claims::claim_ticket(db, claim(abandoned.id, unstarted, buyer.id))
            .await
            .unwrap(),
        Claim::Won(_)
    ));
    claims::abandon_claim(db, abandoned.id, unstarted)
        .await
        .unwrap();

    // The listings: the first page and one after a cursor, a buyer's orders, one order.
    let first = tickets::tickets_for_sale(db, page(None)).await.unwrap();
    tickets::tickets_for_sale(db, page(first.last().map(|t| t.id)))
        .await
        .unwrap();
    tickets::find_ticket(db, abandoned.id).await.unwrap();
    let mine = orders::orders_of(db, buyer.id, page(None), Oldest::First)
        .await
        .unwrap();
    orders::orders_of(db, buyer.id, page(Some(mine[0].0.id)), Oldest::Last)
        .await
        .unwrap();
    orders::find_order(db, sale).await.unwrap();

    // The support desk: a customer's orders by e-mail, an order by its id and by its ticket's.
    for query in [
        SupportQuery::Email("buyer@example.com".to_owned()),
        SupportQuery::Order(sale),
        SupportQuery::Ticket(sold.id),
    ] {
        support::find_orders(db, &query).await.unwrap();
    }

    // Searches: a word, newest first and by price; a price range by price, both ways; next pages.
    let word = |sort| Search {
        words: Some("coldplay".to_owned()),
        sort,
        ..Search::default()
    };
    let range = |sort| Search {
        min_price_cents: Some(2000),
        max_price_cents: Some(3000),
        sort,
        ..Search::default()
    };
    for search in [
        word(SortBy::Newest),
        word(SortBy::PriceAscending),
        range(SortBy::PriceAscending),
        range(SortBy::PriceDescending),
        range(SortBy::Newest),
    ] {
        let found = search::search_tickets(db, &search, page(None))
            .await
            .unwrap();
        assert!(!found.is_empty(), "{search:?} finds tickets");
        search::search_tickets(db, &search, page(found.last().map(|t| t.id)))
            .await
            .unwrap();
    }

    // The seller's own list (a seller with the whole catalog), a page after a cursor, the totals.
    let own = listings::listings_of(db, seller_id, page(None))
        .await
        .unwrap();
    listings::listings_of(db, seller_id, page(own.last().map(|l| l.ticket.id)))
        .await
        .unwrap();
    listings::totals_of(db, seller_id).await.unwrap();

    // The seller edits; a webhook arrives; the buyer signs out, once and everywhere.
    tickets::update_ticket(
        db,
        abandoned.id,
        seller_id,
        TicketEdit {
            title: "Edited",
            price_cents: 3000,
            expected_version: None,
        },
    )
    .await
    .unwrap();
    stripe_events::record_stripe_event(
        db,
        stripe_events::NewStripeEvent {
            id: "evt_plan",
            event_type: "payment_intent.succeeded",
            payment_intent: Some("pi_plan"),
            order_id: Some(sale),
        },
    )
    .await
    .unwrap();
    sessions::end_session(db, session).await.unwrap();
    sessions::end_all_sessions(db, buyer.id).await.unwrap();
}

/// Admission and reserve: the buyer's new order holds the ticket.
async fn hold(db: &DatabaseConnection, ticket_id: TicketId, buyer_id: UserId) -> OrderId {
    let order_id = OrderId::new();
    let won = claims::claim_ticket(db, claim(ticket_id, order_id, buyer_id))
        .await
        .unwrap();
    assert!(matches!(won, Claim::Won(_)), "{won:?}");
    orders::reserve_ticket(
        db,
        NewOrder {
            order_id,
            ticket_id,
            buyer_id,
            expires_at: chrono::Utc::now() + a_day(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    order_id
}

fn claim(ticket_id: TicketId, order_id: OrderId, buyer_id: UserId) -> ClaimRequest {
    ClaimRequest {
        ticket_id,
        order_id,
        buyer_id,
        lease: Duration::from_secs(10),
        max_holds: 4,
    }
}

fn page<Id>(after: Option<Id>) -> PageRequest<Id> {
    PageRequest { after, limit: 100 }
}

fn a_day() -> chrono::Duration {
    chrono::Duration::days(1)
}

/// Statements a plan can be asked for: reads and writes that find rows.
fn reads_tables(sql: &str) -> bool {
    let verb = sql.split_whitespace().next().unwrap_or("");
    ["SELECT", "UPDATE", "DELETE", "WITH"]
        .iter()
        .any(|read| verb.eq_ignore_ascii_case(read))
}

fn has_limit(sql: &str) -> bool {
    sql.to_ascii_uppercase().contains(" LIMIT ")
}

/// The rows of the database's plan of `statement`, asked with `explain` (the backend's keyword).
async fn explain(
    db: &impl ConnectionTrait,
    explain: &str,
    statement: &Statement,
) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement {
        sql: format!("{explain} {}", statement.sql),
        ..statement.clone()
    })
    .await
    .unwrap()
}

/// SQLite's plan (`EXPLAIN QUERY PLAN`), if it scans a hot table whole.
async fn sqlite_full_scans(db: &DatabaseConnection, statement: &Statement) -> Option<String> {
    let rows = explain(db, "EXPLAIN QUERY PLAN", statement).await;
    let details: Vec<String> = rows
        .iter()
        .map(|row| row.try_get_by::<String, _>("detail").unwrap())
        .collect();
    let full_scan = details.iter().any(|detail| {
        let Some(rest) = detail.strip_prefix("SCAN ") else {
            return false;
        };
        let table = rest.split_whitespace().next().unwrap_or("");
        HOT_TABLES.contains(&table) && (!rest.contains(" USING ") || !has_limit(&statement.sql))
    });
    full_scan.then(|| details.join(" | "))
}

/// Postgres's plan (`EXPLAIN`, sequential scans off), if it scans a hot table whole.
async fn postgres_full_scans(db: &DatabaseConnection, statement: &Statement) -> Option<String> {
    // One connection for the setting and the question: a transaction's.
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
        .await
        .unwrap();
    let plan = explain(&txn, "EXPLAIN", statement).await;
    let leading = txn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT i.relname::text, a.attname::text FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]",
        ))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    let lines: Vec<String> = plan
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    let leading: HashMap<String, String> = leading
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
            )
        })
        .collect();
    let scans = postgres_scans(&lines, &leading);
    (!scans.is_empty()).then(|| format!("{}: {}", scans.join(", "), lines.join(" | ")))
}

/// The nodes of a text plan that read a hot table whole: a sequential scan, or an index walked
/// end to end where no `Limit` above stops the walk — with no `Index Cond` (a partial index's
/// predicate is none), or one that does not name the index's leading column (Postgres then reads
/// every entry and tests each). A bitmap index scan reads for the heap scan above it.
///
/// A node is a line of its own (the first, or one with `->`); the lines indented under it until
/// the next node are its details; its parents are the nodes before it indented less.
fn postgres_scans(lines: &[String], leading_column: &HashMap<String, String>) -> Vec<String> {
    struct Node {
        indent: usize,
        scan: Option<Scan>,
        index_cond: String,
        is_limit: bool,
        under_limit: bool,
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if i > 0 && !trimmed.starts_with("->") {
            if let (Some(&current), Some(cond)) = (open.last(), trimmed.strip_prefix("Index Cond:"))
            {
                nodes[current].index_cond = cond.to_owned();
            }
            continue;
        }
        while open.last().is_some_and(|&n| nodes[n].indent >= indent) {
            open.pop();
        }
        let parent = open.last().map(|&n| &nodes[n]);
        let text = trimmed.trim_start_matches("->").trim();
        let mut scan = scan_of(text);
        if let Some(scan) = scan.as_mut().filter(|scan| scan.table.is_empty()) {
            // A bitmap index scan: its rows are the heap scan's above it.
            scan.table = parent
                .and_then(|parent| parent.scan.as_ref())
                .map_or_else(String::new, |heap| heap.table.clone());
        }
        let under_limit = parent.is_some_and(|parent| parent.under_limit || parent.is_limit);
        nodes.push(Node {
            indent,
            scan,
            index_cond: String::new(),
            is_limit: text.starts_with("Limit"),
            under_limit,
        });
        open.push(nodes.len() - 1);
    }
    nodes
        .iter()
        .filter_map(|node| {
            let scan = node.scan.as_ref()?;
            let whole = match &scan.index {
                None => scan.kind == "Seq Scan",
                Some(index) => {
                    let leads = leading_column.get(index).is_some_and(|column| {
                        node.index_cond
                            .split(|c: char| !c.is_alphanumeric() && c != '_')
                            .any(|word| word == column)
                    });
                    !leads && !node.under_limit
                }
            };
            (whole && HOT_TABLES.contains(&scan.table.as_str()))
                .then(|| format!("{} on {}", scan.kind, scan.table))
        })
        .collect()
}

/// A node that reads a table or an index.
struct Scan {
    kind: String,
    /// Empty for a bitmap index scan until its heap scan is known.
    table: String,
    index: Option<String>,
}

/// `Seq Scan on tickets  (cost=…)`, `Index Scan using i on orders  (…)`, `Index Only Scan using
/// i on orders`, `Bitmap Heap Scan on tickets`, `Bitmap Index Scan on i`; other nodes → `None`.
fn scan_of(node: &str) -> Option<Scan> {
    let (head, rest) = node.split_once(" on ")?;
    let after_on = rest.split_whitespace().next()?.to_owned();
    let (kind, index) = match head.split_once(" using ") {
        Some((kind, index)) => (kind, Some(index.trim().to_owned())),
        None => (head, None),
    };
    let kind = kind.trim().trim_end_matches(" Backward").to_owned();
    if !kind.ends_with("Scan") {
        return None;
    }
    Some(if kind == "Bitmap Index Scan" {
        Scan {
            kind,
            table: String::new(),
            index: Some(after_on),
        }
    } else {
        Scan {
            kind,
            table: after_on,
            index,
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_range_sorted_by_price_walks_the_for_sale_price_index_on_postgres() {
    let database = TestDatabase::create().await;
    let plan = plan_of_a_price_range_by_price(&database.url).await;
    assert!(plan.contains("tickets_on_sale_price_idx"), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_range_sorted_by_price_walks_the_for_sale_price_index_on_sqlite() {
    let database = TestSqlite::create().await;
    let plan = plan_of_a_price_range_by_price(&database.url()).await;
    assert!(plan.contains("tickets_on_sale_price_idx"), "{plan}");
}

/// The plan, as text, of the search for tickets from $20 to $30, cheapest first, with a big
/// catalog.
async fn plan_of_a_price_range_by_price(url: &str) -> String {
    let BigCatalog {
        db,
        recording,
        recorded,
        ..
    } = BigCatalog::at(url).await;
    let range = Search {
        min_price_cents: Some(2000),
        max_price_cents: Some(3000),
        sort: SortBy::PriceAscending,
        ..Search::default()
    };
    search::search_tickets(&recording, &range, page(None))
        .await
        .unwrap();
    let statement = recorded.lock().unwrap().last().cloned().unwrap();
    let explain_as = match db.get_database_backend() {
        DbBackend::Postgres => "EXPLAIN",
        _ => "EXPLAIN QUERY PLAN",
    };
    let rows = explain(&db, explain_as, &statement).await;
    rows.iter()
        .map(|row| {
            row.try_get_by::<String, _>("detail")
                .or_else(|_| row.try_get_by_index::<String>(0))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" | ")
}
