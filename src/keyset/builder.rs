//! [`KeysetBuilder`]: checks an ordering once and writes its fixed SQL.

use xxhash_rust::xxh3::xxh3_64;

use super::cursor::CursorSecret;
use super::sort_key::Key;
use super::source::SourceKind;
use super::{Keyset, KeysetError, MAX_SORT_KEYS, SortKey, Source};
use crate::sql::{Dialect, Ident, Nulls, Order, SqlWriter};

/// Builds a [`Keyset`]: the select list and page size of an ordering whose
/// dialect, source, secret and sort keys were given to [`Keyset::builder`].
///
/// Setters take `&mut self` and return it for chaining; nothing is checked
/// until [`build`](KeysetBuilder::build). A builder is `Clone` and can be
/// built again.
///
/// # Example
///
/// ```
/// use routekit::keyset::{CursorSecret, KeyType, Keyset, Position, SortKey, Source};
/// use routekit::sql::{Nulls, Sqlite};
///
/// let keyset = Keyset::builder(
///     &Sqlite,
///     Source::from_clause("orders o JOIN customers c ON c.id = o.customer_id"),
///     CursorSecret::new([9; 16]),
///     [
///         SortKey::desc("o.total", KeyType::Float).nullable(Nulls::Last),
///         SortKey::asc("o.id", KeyType::Int).unique(),
///     ],
/// )
/// .columns(["o.id", "c.name", "o.total"])
/// .limit(10)
/// .build()?;
/// assert_eq!(
///     keyset.query(Position::First)?.statement().sql,
///     r#"SELECT "o"."id", "c"."name", "o"."total" FROM orders o JOIN customers c ON c.id = o.customer_id "#
///         .to_owned()
///         + r#"ORDER BY "o"."total" DESC NULLS LAST, "o"."id" ASC LIMIT 11"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct KeysetBuilder {
    dialect: &'static dyn Dialect,
    source: Source,
    secret: CursorSecret,
    keys: Vec<SortKey>,
    columns: Vec<String>,
    limit: u32,
}

impl KeysetBuilder {
    pub(super) fn new(
        dialect: &'static dyn Dialect,
        source: Source,
        secret: CursorSecret,
        keys: Vec<SortKey>,
    ) -> KeysetBuilder {
        KeysetBuilder { dialect, source, secret, keys, columns: Vec::new(), limit: 20 }
    }

    /// The columns to select (checked and quoted), in this order; default
    /// none. Sort keys not listed are appended, so
    /// [`PageQuery::page`](super::PageQuery::page) can read them.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// let mut builder = Keyset::builder(
    ///     &routekit::sql::Sqlite,
    ///     "posts",
    ///     CursorSecret::new([5; 16]),
    ///     [SortKey::asc("id", KeyType::Int).unique()],
    /// );
    /// builder.columns(["id", "title", "created_at"]);
    /// assert_eq!(builder.build()?.key_columns(), [0]);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn columns<I>(&mut self, columns: I) -> &mut Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// The page size (default 20, at least 1). A query asks for `limit + 1`
    /// rows, to know whether another page follows.
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, SortKey};
    /// let mut builder = Keyset::builder(
    ///     &routekit::sql::Sqlite,
    ///     "posts",
    ///     CursorSecret::new([5; 16]),
    ///     [SortKey::asc("id", KeyType::Int).unique()],
    /// );
    /// assert_eq!(builder.limit(100).build()?.limit(), 100);
    /// # Ok::<(), routekit::keyset::KeysetError>(())
    /// ```
    pub fn limit(&mut self, limit: u32) -> &mut Self {
        self.limit = limit;
        self
    }

    /// Checks the ordering and writes the SQL text that every page shares.
    ///
    /// Cost: linear in the number of columns and keys. Done once per
    /// endpoint; requests reuse the result.
    ///
    /// # Errors
    ///
    /// * [`KeysetError::InvalidIdentifier`] for a table or column that is
    ///   not a plain identifier (such as `id; DROP TABLE t`);
    ///   [`KeysetError::EmptyFrom`] for a blank FROM clause;
    /// * [`KeysetError::NoSortKeys`], [`KeysetError::LastKeyNotUnique`],
    ///   [`KeysetError::LastKeyNullable`], [`KeysetError::DuplicateKey`],
    ///   [`KeysetError::TooManyKeys`] for an ordering that is not a total
    ///   order over at most [`MAX_SORT_KEYS`] distinct columns;
    /// * [`KeysetError::ZeroLimit`].
    ///
    /// ```
    /// use routekit::keyset::{CursorSecret, KeyType, Keyset, KeysetError, SortKey};
    /// use routekit::sql::Postgres;
    ///
    /// let keys = [SortKey::asc("id; DROP TABLE t", KeyType::Int).unique()];
    /// let built = Keyset::builder(&Postgres, "t", CursorSecret::new([1; 16]), keys).build();
    /// assert!(matches!(built, Err(KeysetError::InvalidIdentifier(..))));
    /// ```
    pub fn build(&self) -> Result<Keyset, KeysetError> {
        let source = match &self.source.0 {
            SourceKind::Table(table) => Origin::Table(Ident::new(table)?),
            SourceKind::From(clause) if clause.trim().is_empty() => {
                return Err(KeysetError::EmptyFrom);
            }
            SourceKind::From(clause) => Origin::From(clause),
        };
        let keys = self.checked_keys()?;
        if self.limit == 0 {
            return Err(KeysetError::ZeroLimit);
        }
        let mut select =
            self.columns.iter().map(|c| Ident::new(c)).collect::<Result<Vec<_>, _>>()?;
        let mut key_columns = Vec::with_capacity(keys.len());
        for key in &keys {
            let at = select.iter().position(|c| *c == key.ident).unwrap_or_else(|| {
                select.push(key.ident.clone());
                select.len() - 1
            });
            key_columns.push(at);
        }
        let mut head = SqlWriter::new(self.dialect);
        head.push("SELECT ");
        for (i, column) in select.iter().enumerate() {
            if i > 0 {
                head.push(", ");
            }
            head.ident(column);
        }
        head.push(" FROM ");
        match &source {
            Origin::Table(table) => head.ident(table),
            Origin::From(clause) => head.push(clause),
        }
        Ok(Keyset {
            dialect: self.dialect,
            secret: self.secret,
            fingerprint: fingerprint(&source, &self.keys),
            forward_tail: self.tail(&keys, false),
            backward_tail: self.tail(&keys, true),
            head: head.finish().sql,
            keys,
            key_columns,
            limit: self.limit,
            row_values: self.dialect.seeks_row_values(),
        })
    }

    /// The sort keys, checked: identifiers, no repeats, at most
    /// [`MAX_SORT_KEYS`], ending in a unique non-null key.
    fn checked_keys(&self) -> Result<Vec<Key>, KeysetError> {
        let last = self.keys.last().ok_or(KeysetError::NoSortKeys)?;
        if self.keys.len() > MAX_SORT_KEYS {
            return Err(KeysetError::TooManyKeys { count: self.keys.len(), max: MAX_SORT_KEYS });
        }
        let mut keys: Vec<Key> = Vec::with_capacity(self.keys.len());
        for sort in &self.keys {
            let ident = Ident::new(sort.column())?;
            if keys.iter().any(|k| k.ident == ident) {
                return Err(KeysetError::DuplicateKey { column: sort.column().to_owned() });
            }
            let mut quoted = String::new();
            self.dialect.quote_ident(&ident, &mut quoted);
            keys.push(Key {
                quoted,
                ident,
                key_type: sort.key_type(),
                order: sort.order(),
                nulls: sort.nulls(),
            });
        }
        if !last.is_unique() {
            return Err(KeysetError::LastKeyNotUnique { column: last.column().to_owned() });
        }
        if last.nulls().is_some() {
            return Err(KeysetError::LastKeyNullable { column: last.column().to_owned() });
        }
        Ok(keys)
    }

    /// ` ORDER BY … LIMIT limit + 1`, fetching in the caller's order or in
    /// its reverse.
    fn tail(&self, keys: &[Key], backward: bool) -> String {
        let mut sql = SqlWriter::new(self.dialect);
        sql.push(" ORDER BY ");
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            let (order, nulls) = key.fetch_order(backward);
            sql.order_by_key(&key.ident, order, nulls);
        }
        sql.push(" ");
        sql.limit(u64::from(self.limit) + 1);
        sql.finish().sql
    }
}

/// A checked source.
enum Origin<'b> {
    Table(Ident),
    From(&'b str),
}

/// A stable 64-bit fingerprint of the ordering: the source and, per key, the
/// column, type, direction, `NULL` placement and uniqueness. Each field is
/// length-prefixed or fixed-width, so distinct orderings hash distinct byte
/// strings. Every cursor carries it: the bytes hashed here never change.
fn fingerprint(source: &Origin<'_>, keys: &[SortKey]) -> u64 {
    let mut bytes = Vec::with_capacity(64 + 32 * keys.len());
    let mut field = |field: &[u8]| {
        bytes.extend_from_slice(&(field.len() as u64).to_le_bytes());
        bytes.extend_from_slice(field);
    };
    field(b"routekit keyset ordering v1");
    match source {
        Origin::Table(table) => {
            field(b"table");
            field(table.as_str().as_bytes());
        }
        Origin::From(clause) => {
            field(b"from");
            field(clause.as_bytes());
        }
    }
    for key in keys {
        field(key.column().as_bytes());
        let nulls = match key.nulls() {
            None => 0,
            Some(Nulls::First) => 1,
            Some(Nulls::Last) => 2,
        };
        let order = u8::from(key.order() == Order::Desc);
        field(&[key.key_type().code(), order, nulls, u8::from(key.is_unique())]);
    }
    xxh3_64(&bytes)
}

#[cfg(test)]
mod tests {
    use super::super::{CursorError, KeyType, KeyValuesError, Position, cursor};
    use super::*;
    use crate::sql::{Postgres, Sqlite, Value};

    fn keys() -> Vec<SortKey> {
        vec![SortKey::asc("n", KeyType::Int), SortKey::asc("id", KeyType::Int).unique()]
    }

    fn builder() -> KeysetBuilder {
        Keyset::builder(&Sqlite, "t", CursorSecret::new([4; 16]), keys())
    }

    #[test]
    fn an_authentic_cursor_with_values_of_the_wrong_type_is_refused() {
        // Only a holder of the secret can make such a cursor; it is refused
        // all the same, before any SQL is written.
        let keyset = builder().build().unwrap();
        let secret = CursorSecret::new([4; 16]);
        for (values, want) in [
            (
                vec![Value::Text("1".into()), Value::Int(2)],
                KeyValuesError::WrongType {
                    column: "n".into(),
                    expected: KeyType::Int,
                    nullable: false,
                    found: Some(KeyType::Text),
                },
            ),
            (
                vec![Value::Int(1), Value::Null],
                KeyValuesError::WrongType {
                    column: "id".into(),
                    expected: KeyType::Int,
                    nullable: false,
                    found: None,
                },
            ),
            (vec![Value::Int(1)], KeyValuesError::WrongCount { expected: 2, found: 1 }),
        ] {
            let token = cursor::encode(&secret, keyset.fingerprint, &values);
            let err = keyset.query(Position::After(&token)).unwrap_err();
            assert_eq!(err, CursorError::KeyValues(want));
        }
    }

    #[test]
    fn the_fingerprint_is_pinned() {
        // Part of every cursor issued: a change here breaks them all.
        assert_eq!(builder().build().unwrap().fingerprint, 0xc593_b9dd_345e_6752);
    }

    #[test]
    fn fingerprints_tell_orderings_apart() {
        let base = builder().build().unwrap().fingerprint;
        let secret = CursorSecret::new([4; 16]);
        let mut variants = vec![
            Keyset::builder(&Sqlite, "u", secret, keys()),
            Keyset::builder(&Sqlite, Source::from_clause("t"), secret, keys()),
        ];
        for key in [
            SortKey::desc("n", KeyType::Int),
            SortKey::asc("n", KeyType::Text),
            SortKey::asc("n", KeyType::Int).nullable(Nulls::First),
            SortKey::asc("n", KeyType::Int).nullable(Nulls::Last),
            SortKey::asc("m", KeyType::Int),
            SortKey::asc("n", KeyType::Int).unique(),
        ] {
            let mut other = keys();
            other[0] = key;
            variants.push(Keyset::builder(&Sqlite, "t", secret, other));
        }
        let mut seen = vec![base];
        for variant in variants {
            let fingerprint = variant.build().unwrap().fingerprint;
            assert!(!seen.contains(&fingerprint), "{variant:?}");
            seen.push(fingerprint);
        }
        // What is not part of the ordering does not change it.
        let same = Keyset::builder(&Postgres, "t", secret, keys()).columns(["x"]).limit(3).build();
        assert_eq!(same.unwrap().fingerprint, base);
    }
}
