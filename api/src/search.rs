//! A search of the tickets for sale as clients ask for it (`?q=&minPrice=&maxPrice=&sort=`), read
//! into the store's [`Search`] or refused field by field.

pub use boxoffice_activities::store::search::matched_words;
use boxoffice_activities::store::search::{Search, SortBy};
use serde::Deserialize;

use crate::domain::{FieldError, Invalid, price_bound};

/// The longest `q`, in characters: as long as a title.
pub const MAX_QUERY_CHARS: usize = 200;

/// `?q=&minPrice=&maxPrice=&sort=` of `GET /api/tickets` and the home page; all optional. The
/// spec's patterns admit all the parser may accept (blank, surrounding spaces, a sign, either side
/// of the point): what it then refuses is a 400 naming the field, never a silent 200.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// (ext) Words of the title, any case (a web search: `"a phrase"`, `-without`, `or`); at most
    /// 200 characters once trimmed. Blank is no condition.
    pub q: Option<String>,
    /// (ext) The lowest price, in dollars (`25`, `19.99`); blank is no condition.
    #[param(value_type = Option<String>, pattern = r"^\s*[+-]?[0-9]*(\.[0-9]*)?\s*$")]
    #[serde(rename = "minPrice")]
    pub min_price: Option<String>,
    /// (ext) The highest price, in dollars (not below `minPrice`); blank is no condition.
    #[param(value_type = Option<String>, pattern = r"^\s*[+-]?[0-9]*(\.[0-9]*)?\s*$")]
    #[serde(rename = "maxPrice")]
    pub max_price: Option<String>,
    /// (ext) `newest` (the default, also when blank), `price_asc` or `price_desc`.
    #[param(value_type = Option<String>, pattern = r"^\s*(newest|price_asc|price_desc)?\s*$")]
    pub sort: Option<String>,
}

impl SearchQuery {
    /// The search asked for; a `q` of only spaces, or an empty bound, is no condition at all.
    pub fn search(&self) -> Result<Search, Invalid> {
        let mut errors = Vec::new();
        // Control characters are no part of a word (and Postgres refuses a NUL outright).
        let words = given(&self.q)
            .map(|q| q.replace(char::is_control, " "))
            .filter(|q| !q.trim().is_empty());
        if words
            .as_ref()
            .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
        {
            errors.push(FieldError::new(
                "q",
                format!("q must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let mut bound = |field: &str, text: &Option<String>| {
            given(text).and_then(|text| match price_bound(field, text) {
                Ok(cents) => Some(cents),
                Err(error) => {
                    errors.push(error);
                    None
                }
            })
        };
        let min_price_cents = bound("minPrice", &self.min_price);
        let max_price_cents = bound("maxPrice", &self.max_price);
        if let (Some(min), Some(max)) = (min_price_cents, max_price_cents)
            && min > max
        {
            errors.push(FieldError::new(
                "maxPrice",
                "maxPrice must not be below minPrice",
            ));
        }
        let sort = match given(&self.sort) {
            None | Some("newest") => SortBy::Newest,
            Some("price_asc") => SortBy::PriceAscending,
            Some("price_desc") => SortBy::PriceDescending,
            Some(_) => {
                errors.push(FieldError::new(
                    "sort",
                    "sort must be newest, price_asc or price_desc",
                ));
                SortBy::Newest
            }
        };
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        Ok(Search {
            words,
            min_price_cents,
            max_price_cents,
            sort,
        })
    }
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The query string that asks for `search` again (for the next page's link), or "" for none.
pub fn query_string(search: &Search) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(words) = &search.words {
        query.append_pair("q", words);
    }
    if let Some(min) = search.min_price_cents {
        query.append_pair("minPrice", &dollars(min));
    }
    if let Some(max) = search.max_price_cents {
        query.append_pair("maxPrice", &dollars(max));
    }
    match search.sort {
        SortBy::Newest => {}
        SortBy::PriceAscending => {
            query.append_pair("sort", "price_asc");
        }
        SortBy::PriceDescending => {
            query.append_pair("sort", "price_desc");
        }
    }
    query.finish()
}

/// Cents as the dollars a client writes: `25`, `12.50`.
pub fn dollars(cents: i64) -> String {
    if cents % 100 == 0 {
        format!("{}", cents / 100)
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(pairs: &[(&str, &str)]) -> Result<Search, Invalid> {
        let mut query = SearchQuery::default();
        for (name, value) in pairs {
            let value = Some((*value).to_owned());
            match *name {
                "q" => query.q = value,
                "minPrice" => query.min_price = value,
                "maxPrice" => query.max_price = value,
                _ => query.sort = value,
            }
        }
        query.search()
    }

    #[test]
    fn every_price_bound_the_spec_allows_is_read_in_cents() {
        let pattern = regex::Regex::new(r"^[0-9]{1,7}(\.[0-9]{1,2})?$").unwrap();
        for (text, cents) in [
            ("0", 0),
            ("1234567", 123_456_700),
            ("0.5", 50),
            ("007.10", 710),
        ] {
            assert!(pattern.is_match(text), "{text}");
            let search = asked(&[("minPrice", text)]).unwrap();
            assert_eq!(search.min_price_cents, Some(cents), "{text}");
        }
    }

    #[test]
    fn blank_parameters_ask_for_nothing_and_control_characters_are_not_words() {
        let blank = asked(&[("q", "  "), ("minPrice", ""), ("sort", "")]).unwrap();
        assert!(blank.is_everything());
        let search = asked(&[("q", "blur\0live")]).unwrap();
        assert_eq!(search.words.as_deref(), Some("blur live"));
    }

    #[test]
    fn a_search_asked_again_is_the_same_search() {
        let search = asked(&[
            ("q", "coldplay & co"),
            ("minPrice", "10.5"),
            ("sort", "price_desc"),
        ])
        .unwrap();
        assert_eq!(
            query_string(&search),
            "q=coldplay+%26+co&minPrice=10.50&sort=price_desc"
        );
    }
}
