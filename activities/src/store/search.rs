//! Searching the tickets for sale: words of the title (the database's own full-text engine, its
//! index kept in step by the database — migration `m20261204_000013_listings_and_search`), a
//! price range, and an order, paged by keyset like the listing.

use boxoffice_domain::TicketId;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, Order, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::tickets::{find_ticket, on_sale};
use super::{PageRequest, StoreError};
use crate::entities::ticket;

/// The order of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortBy {
    #[default]
    Newest,
    PriceAscending,
    PriceDescending,
}

/// What a shopper looks for. Every part is optional; all given parts must match.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Search {
    /// Words of the title, as typed (Postgres reads them as a web search: `"a phrase"`, `-not`,
    /// `or`; SQLite, as words that must all appear).
    pub words: Option<String>,
    pub min_price_cents: Option<i64>,
    pub max_price_cents: Option<i64>,
    pub sort: SortBy,
}

impl Search {
    /// Whether this is no search at all: the plain listing, newest first.
    pub fn is_everything(&self) -> bool {
        self.words.is_none()
            && self.min_price_cents.is_none()
            && self.max_price_cents.is_none()
            && self.sort == SortBy::Newest
    }
}

/// A page of the tickets for sale that match, in the search's order. An `after` naming no ticket
/// is [`StoreError::NotFound`].
pub async fn search_tickets(
    db: &impl ConnectionTrait,
    search: &Search,
    page: PageRequest<TicketId>,
) -> Result<Vec<ticket::Model>, StoreError> {
    let mut query = ticket::Entity::find().filter(on_sale());
    if let Some(words) = &search.words {
        query = query.filter(title_matches(db.get_database_backend(), words));
    }
    if let Some(min) = search.min_price_cents {
        query = query.filter(ticket::Column::PriceCents.gte(min));
    }
    if let Some(max) = search.max_price_cents {
        query = query.filter(ticket::Column::PriceCents.lte(max));
    }
    // Each order has its index: `tickets_on_sale_newest_idx`, `tickets_on_sale_price_idx`.
    let (key, direction) = match search.sort {
        SortBy::Newest => (ticket::Column::CreatedAt, Order::Desc),
        SortBy::PriceAscending => (ticket::Column::PriceCents, Order::Asc),
        SortBy::PriceDescending => (ticket::Column::PriceCents, Order::Desc),
    };
    if let Some(after) = page.after {
        let cursor = find_ticket(db, after).await?;
        let key_value = match search.sort {
            SortBy::Newest => Expr::value(cursor.created_at),
            _ => Expr::value(cursor.price_cents),
        };
        let (past_key, past_id) = match direction {
            Order::Asc => (
                Expr::col(key).gt(key_value.clone()),
                ticket::Column::Id.gt(cursor.id),
            ),
            _ => (
                Expr::col(key).lt(key_value.clone()),
                ticket::Column::Id.lt(cursor.id),
            ),
        };
        query = query.filter(
            Condition::any().add(past_key).add(
                Condition::all()
                    .add(Expr::col(key).eq(key_value))
                    .add(past_id),
            ),
        );
    }
    Ok(query
        .order_by(key, direction.clone())
        .order_by(ticket::Column::Id, direction)
        .limit(page.limit)
        .all(db)
        .await?)
}

/// The title holds `words`: Postgres's generated `title_search` through its GIN index, SQLite's
/// FTS5 table `tickets_fts` (whose rows are the tickets' by rowid).
/// (Placeholders are each backend's own: sea-query numbers only Postgres's.)
fn title_matches(backend: DbBackend, words: &str) -> Condition {
    let matches = match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            r#""tickets"."title_search" @@ websearch_to_tsquery('simple', $1)"#,
            [words.to_owned()],
        ),
        _ => Expr::cust_with_values(
            r#""tickets"."rowid" IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ?)"#,
            [fts5_query(words)],
        ),
    };
    Condition::all().add(matches)
}

/// `words` as an FTS5 query that cannot be a syntax error: each word quoted, all required. No
/// word at all matches nothing.
fn fts5_query(words: &str) -> String {
    let quoted: Vec<String> = words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| format!("\"{word}\""))
        .collect();
    if quoted.is_empty() {
        // A word no title has: FTS5 has no "match nothing", and an empty query is an error.
        "\"\u{1}\"".to_owned()
    } else {
        quoted.join(" ")
    }
}

/// The words of `text` that a search for `words` matches, for highlighting: the same word,
/// case aside.
pub fn matched_words(words: &str) -> Vec<String> {
    words
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !word.eq_ignore_ascii_case("or"))
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_fts5_query_quotes_each_word_so_no_input_is_a_syntax_error() {
        assert_eq!(fts5_query("Coldplay wembley"), r#""Coldplay" "wembley""#);
        assert_eq!(
            fts5_query(r#"AC/DC "live" -NEAR("#),
            r#""AC" "DC" "live" "NEAR""#
        );
        assert_eq!(fts5_query("   ***  "), "\"\u{1}\"");
    }
}
