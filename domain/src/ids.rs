//! The ids of the shop's records, one type each, so that an order's id can't be passed where a
//! ticket's is expected (`abandon_claim(db, ticket_id, order_id)` with the two swapped no longer
//! compiles). Each is a UUID (version 7, so ids sort by creation) and reads and writes as one: in
//! JSON (serde-transparent, so recorded workflow histories replay unchanged), in the database
//! (sea-orm's value type), in URLs and logs.

use std::fmt;
use std::str::FromStr;

use sea_orm::DeriveValueType;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            DeriveValueType,
        )]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new id, later than every id made before it.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        /// Primary keys: like a bare UUID key, never an auto-increment.
        impl sea_orm::TryFromU64 for $name {
            fn try_from_u64(n: u64) -> Result<Self, sea_orm::DbErr> {
                Uuid::try_from_u64(n).map(Self)
            }
        }
    };
}

id!(
    /// An order: one buyer's hold on one ticket, and its saga (`order-<id>` in Temporal).
    OrderId
);
id!(
    /// A ticket for sale, held or sold.
    TicketId
);
id!(
    /// An account: a buyer, a seller, or both.
    UserId
);
