//! Keyset ("seek") pagination: page queries that jump straight to the next
//! page through an index, and the opaque cursors that lead there.
//!
//! `OFFSET` pagination reads and throws away every row before the page, and
//! skips or repeats rows when rows are inserted or deleted between requests.
//! A keyset query instead asks for the rows *after the last row seen*, in a
//! total order, so the database seeks to the page through an index on the sort
//! keys and a row that exists throughout is never skipped or repeated.
//!
//! Two values, one per lifetime:
//!
//! * **The endpoint**, a [`Keyset`]: the [`Dialect`](crate::sql::Dialect), the
//!   table (or a FROM clause, [`Source`]), the [`SortKey`]s, the columns to
//!   select, the page size and the [`CursorSecret`]. [`Keyset::builder`]
//!   checks them once, at startup — a mistake is a [`KeysetError`], a bug to
//!   fix — and writes the SQL text every page shares. The `Keyset` is
//!   immutable, `Send` and `Sync`: share it by `&` or `Arc`.
//! * **The request**: [`Keyset::query`] (or [`Keyset::query_where`], with a
//!   filter) turns the [`Position`] a client asked for — the first page,
//!   after or before a cursor, the last page — into a [`PageQuery`], whose
//!   [`Statement`](crate::sql::Statement) asks for `limit + 1` rows. It is
//!   cheap, and fails only with a [`CursorError`] for a cursor the client
//!   should not have sent (answer 400). Run the statement with your database
//!   client, hand the rows to [`PageQuery::page`], and get a [`Page`]: the
//!   rows in your order (a backward page is fetched reversed and turned
//!   back), whether pages exist before and after it, and their cursors.
//!
//! What it gets right, where hand-written keyset queries often do not:
//!
//! * **Ties**: the ordering must end in a key declared unique and non-null,
//!   so no two rows compare equal; the builder refuses any other ordering.
//! * **Mixed directions and `NULL`s**: the predicate is exact for every mix of
//!   ASC/DESC and `NULLS FIRST/LAST`, written for the cursor's actual values (a
//!   `NULL` changes its shape). Where it is a plain tuple comparison it is
//!   written as a row value `(a, b) > (?, ?)` if the dialect seeks those;
//!   otherwise as the expanded OR-of-ANDs with a leading range term so the
//!   planner can still seek (see [below](self#how-the-predicate-is-written)).
//! * **Both directions**: a backward page comes back in the caller's order;
//!   `has_next` and `has_previous` are exact, and no "next" cursor leads to an
//!   empty page (the extra row fetched proves there is one).
//! * **Untrusted cursors**: a cursor is opaque, URL-safe text carrying a format
//!   version, a fingerprint of the ordering (source, keys, types, directions,
//!   `NULL` placement) and the typed key values, authenticated by a
//!   SipHash-2-4 tag under a [`CursorSecret`]. An edited, forged, truncated or
//!   foreign cursor, one issued for another ordering, or one holding a value of
//!   the wrong type is refused with a [`CursorError`]; it never reaches SQL.
//!   Cursors are authenticated, not encrypted: whoever decodes one can read
//!   the key values of the row it points at, so sort by nothing a client must
//!   not see.
//! * **No injection**: table and column names are checked against the
//!   plain-identifier rule ([`Ident`](crate::sql::Ident)) and quoted for the
//!   dialect; values are always bind parameters.
//!
//! # Limits
//!
//! * At most [`MAX_SORT_KEYS`] keys per ordering, the last one unique and
//!   not nullable; table and column names are plain identifiers of at most
//!   63 bytes a part (PostgreSQL's limit).
//! * A page limit from 1 to `u32::MAX` (the query asks for one row more, as
//!   a `u64`, so the largest limit does not overflow).
//! * Cursor key values: any value of the key's type (or `NULL` for a
//!   nullable key); text and bytes of up to 4 GiB less one byte (their
//!   length is a `u32`). A cursor is refused before its tag is
//!   checked if its structure is wrong, so reading one costs at most its
//!   own length in memory.
//!
//! # How the predicate is written
//!
//! For keys `k1..kn` and cursor values `v1..vn`, the rows after the cursor are
//! the disjunction over `i` of "`k1..k(i-1)` equal `v1..v(i-1)` and `ki` comes
//! after `vi`", where equal is `k = ?` (or `k IS NULL`), and comes after is
//! `k > ?` (`<` descending), `OR k IS NULL` when `NULL`s sort last, `k IS NOT
//! NULL` for a `NULL` value whose `NULL`s sort first, and nothing for a `NULL`
//! value whose `NULL`s sort last. A run of leading `NULL`s that sort last
//! becomes `k IS NULL` terms. A leading range term `k1 >= ?` (or `<=`) is
//! added when no `NULL` of `k1` sorts after `v1`. The `ORDER BY` places
//! `NULL`s as each key declares, in the dialect's words
//! ([`Dialect::order_by_key`](crate::sql::Dialect::order_by_key)).
//!
//! # Example
//!
//! ```
//! use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey};
//! use routekit::sql::{Nulls, Postgres, Timestamp, Value};
//!
//! // Once, at startup.
//! let posts = Keyset::builder(
//!     &Postgres,
//!     "posts",
//!     CursorSecret::new(*b"not-a-real-key!!"), // 16 random bytes in real life
//!     [
//!         SortKey::desc("published_at", KeyType::Timestamp).nullable(Nulls::Last),
//!         SortKey::asc("id", KeyType::Int).unique(),
//!     ],
//! )
//! .columns(["id", "title"])
//! .limit(20)
//! .build()?;
//! // The sort keys sit in the select list at these positions.
//! assert_eq!(posts.key_columns(), [2, 0]);
//!
//! // Per request: the first page of one author's posts.
//! let first = posts.query_where(Position::First, "author_id = $1", [Value::Int(7)])?;
//! assert_eq!(
//!     first.statement().sql,
//!     r#"SELECT "id", "title", "published_at" FROM "posts" WHERE (author_id = $1) "#.to_owned()
//!         + r#"ORDER BY "published_at" DESC NULLS LAST, "id" ASC LIMIT 21"#
//! );
//!
//! // The next page, after a row published at t with id 42.
//! let t = Timestamp::new(1_700_000_000, 123_456_789)?;
//! let cursor = posts.cursor(&[Value::Timestamp(t), Value::Int(42)])?;
//! let next = posts.query_where(Position::After(&cursor), "author_id = $1", [Value::Int(7)])?;
//! assert_eq!(
//!     next.statement().sql,
//!     r#"SELECT "id", "title", "published_at" FROM "posts" WHERE (author_id = $1) AND "#.to_owned()
//!         + r#"("published_at" < $2 OR "published_at" IS NULL OR ("published_at" = $3 AND "id" > $4)) "#
//!         + r#"ORDER BY "published_at" DESC NULLS LAST, "id" ASC LIMIT 21"#
//! );
//! assert_eq!(next.statement().params, [
//!     Value::Int(7),
//!     Value::Timestamp(t),
//!     Value::Timestamp(t),
//!     Value::Int(42),
//! ]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builder;
mod cursor;
mod endpoint;
mod error;
mod key_type;
mod page;
mod predicate;
mod query;
mod sort_key;
mod source;

pub use builder::KeysetBuilder;
pub use cursor::CursorSecret;
pub use endpoint::Keyset;
pub use error::{CursorError, KeyValuesError, KeysetError};
pub use key_type::KeyType;
pub use page::Page;
pub use query::{PageQuery, Position};
pub use sort_key::SortKey;
pub use source::Source;

/// The most sort keys an ordering may have. The expanded predicate grows
/// with the square of the key count; real orderings use a handful.
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, KeysetError, MAX_SORT_KEYS, SortKey};
///
/// let mut keys: Vec<_> = (0..MAX_SORT_KEYS).map(|i| SortKey::asc(format!("k{i}"), KeyType::Int)).collect();
/// keys.push(SortKey::asc("id", KeyType::Int).unique());
/// let built = Keyset::new(&routekit::sql::Sqlite, "t", CursorSecret::new([1; 16]), keys);
/// assert!(matches!(built, Err(KeysetError::TooManyKeys { count: 17, max: 16, .. })));
/// ```
pub const MAX_SORT_KEYS: usize = 16;
