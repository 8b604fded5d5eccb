//! The oracle every adapter runs on its database: random tables, random
//! orderings of 1 to 4 keys, random page sizes; walking forward and
//! backward through the adapter's `fetch_page` must give exactly the
//! database's own `ORDER BY`, and a walk with rows inserted and deleted
//! between pages must return every row present throughout exactly once, in
//! order.

use std::collections::{HashMap, HashSet};

use routekit::keyset::{CursorSecret, KeyType, Keyset, Page, PageQuery, Position, SortKey};
use routekit::sql::{Dialect, Ident, Nulls, Order, SqlWriter, Statement, Value};

/// What the oracle needs of a connection, each call going through the
/// adapter under test where the adapter has one.
pub(crate) trait Conn {
    fn dialect(&self) -> &'static dyn Dialect;
    /// Column types: (bigint, int, double, text, bool) in this database's
    /// words.
    fn types(&self) -> [&'static str; 5];
    /// `CREATE TEMP TABLE` where the database has it.
    fn create_prefix(&self) -> &'static str;
    fn batch(&mut self, sql: &str);
    /// The adapter's `execute`.
    fn execute(&mut self, statement: &Statement) -> u64;
    /// The adapter's `fetch_page`, mapping each row to its `id` (column 0).
    fn page(&mut self, query: &PageQuery<'_>) -> Page<i64>;
    /// The ids a plain query returns, in order.
    fn ids(&mut self, statement: &Statement) -> Vec<i64>;
}

/// splitmix64: seeded, so a failing case names its seed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Cases per test: `PROPTEST_CASES`, or `default`.
pub(crate) fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

const TEXTS: &[&str] =
    &["", "a", "A", "b", "B", "ab", "Ab", "é", "É", "ß", "z", "日本", "ÿ", "a b"];
const FLOATS: &[f64] = &[-0.0, 0.0, 1.5, -2.25, 1e300, -1e-300, 3.0];

/// The columns a key may be on: name, type, nullable.
const COLUMNS: &[(&str, KeyType, bool)] = &[
    ("a", KeyType::Int, false),
    ("b", KeyType::Int, true),
    ("s", KeyType::Text, false),
    ("f", KeyType::Float, false),
    ("flag", KeyType::Bool, false),
];

fn random_row(rng: &mut Rng, id: i64) -> [Value; 6] {
    [
        Value::Int(id),
        Value::Int(rng.below(4) as i64 - 1),
        if rng.below(10) < 3 { Value::Null } else { Value::Int(rng.below(3) as i64) },
        Value::Text((*rng.pick(TEXTS)).to_owned()),
        Value::Float(*rng.pick(FLOATS)),
        Value::Bool(rng.below(2) == 1),
    ]
}

fn insert(conn: &mut dyn Conn, table: &Ident, row: [Value; 6]) {
    let mut sql = SqlWriter::new(conn.dialect());
    sql.push("INSERT INTO ");
    sql.ident(table);
    sql.push(" (id, a, b, s, f, flag) VALUES (");
    for (at, value) in row.into_iter().enumerate() {
        if at > 0 {
            sql.push(", ");
        }
        sql.bind(value);
    }
    sql.push(")");
    assert_eq!(conn.execute(&sql.finish()), 1);
}

fn delete(conn: &mut dyn Conn, table: &Ident, id: i64) {
    let mut sql = SqlWriter::new(conn.dialect());
    sql.push("DELETE FROM ");
    sql.ident(table);
    sql.push(" WHERE id = ");
    sql.bind(Value::Int(id));
    assert_eq!(conn.execute(&sql.finish()), 1);
}

/// One random ordering: 0 to 3 of the columns, then `id`, each in a random
/// direction, `NULL`s of `b` placed at random.
fn random_keys(rng: &mut Rng) -> Vec<SortKey> {
    let mut columns: Vec<usize> = (0..COLUMNS.len()).collect();
    let count = rng.below(4) as usize;
    let mut keys = Vec::new();
    for _ in 0..count {
        let at = columns.remove(rng.below(columns.len() as u64) as usize);
        let (name, key_type, nullable) = COLUMNS[at];
        let order = if rng.below(2) == 0 { Order::Asc } else { Order::Desc };
        let mut key = SortKey::new(name, key_type, order);
        if nullable {
            key = key.nullable(if rng.below(2) == 0 { Nulls::First } else { Nulls::Last });
        }
        keys.push(key);
    }
    let order = if rng.below(2) == 0 { Order::Asc } else { Order::Desc };
    keys.push(SortKey::new("id", KeyType::Int, order).unique());
    keys
}

/// `SELECT id FROM t ORDER BY …`: the database's own order.
fn full_order(conn: &mut dyn Conn, table: &Ident, keys: &[SortKey]) -> Vec<i64> {
    let mut sql = SqlWriter::new(conn.dialect());
    sql.push("SELECT id FROM ");
    sql.ident(table);
    sql.push(" ORDER BY ");
    for (at, key) in keys.iter().enumerate() {
        if at > 0 {
            sql.push(", ");
        }
        sql.order_by_key(&Ident::new(key.column()).unwrap(), key.order(), key.nulls());
    }
    conn.ids(&sql.finish())
}

fn walk_forward(
    conn: &mut dyn Conn,
    keyset: &Keyset,
    between: &mut dyn FnMut(&mut dyn Conn),
) -> Vec<i64> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let position = cursor.as_deref().map_or(Position::First, Position::After);
        let page = conn.page(&keyset.query(position).unwrap());
        seen.extend_from_slice(page.rows());
        match page.next_cursor() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return seen,
        }
        between(conn);
    }
}

fn walk_backward(conn: &mut dyn Conn, keyset: &Keyset) -> Vec<i64> {
    let mut pages: Vec<Vec<i64>> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let position = cursor.as_deref().map_or(Position::Last, Position::Before);
        let page = conn.page(&keyset.query(position).unwrap());
        pages.push(page.rows().to_vec());
        match page.previous_cursor() {
            Some(previous) => cursor = Some(previous.to_owned()),
            None => break,
        }
    }
    pages.into_iter().rev().flatten().collect()
}

/// Runs `cases` random cases on `conn`; `name` makes table names unique
/// across test binaries sharing a server.
pub(crate) fn run(conn: &mut dyn Conn, name: &str, cases: u32) {
    let [bigint, int, double, text, boolean] = conn.types();
    for case in 0..cases {
        let seed = 0x5EED_0000 + u64::from(case);
        let mut rng = Rng::new(seed);
        let table = Ident::new(&format!("oracle_{name}_{}_{case}", std::process::id())).unwrap();
        let prefix = conn.create_prefix();
        conn.batch(&format!(
            "{prefix} {} (id {bigint} PRIMARY KEY, a {int} NOT NULL, b {bigint}, s {text} NOT NULL, \
             f {double} NOT NULL, flag {boolean} NOT NULL)",
            table.as_str()
        ));
        let rows = rng.below(40) as i64;
        for id in 0..rows {
            let row = random_row(&mut rng, id);
            insert(conn, &table, row);
        }
        let keys = random_keys(&mut rng);
        let limit = 1 + rng.below(7) as u32;
        let keyset = Keyset::builder(
            conn.dialect(),
            table.as_str(),
            CursorSecret::new([5; 16]),
            keys.clone(),
        )
        .columns(["id"])
        .limit(limit)
        .build()
        .unwrap();
        let context = format!("seed {seed:#x}, {rows} rows, limit {limit}, keys {keys:?}");

        let want = full_order(conn, &table, &keys);
        assert_eq!(walk_forward(conn, &keyset, &mut |_| {}), want, "forward: {context}");
        assert_eq!(walk_backward(conn, &keyset), want, "backward: {context}");

        // Change rows between pages: delete one, insert one.
        let mut present: Vec<i64> = want.clone();
        let mut deleted = HashSet::new();
        let mut next_id = rows;
        let mut change_rng = Rng::new(seed ^ 0xC0FFEE);
        let seen = walk_forward(conn, &keyset, &mut |conn| {
            if !present.is_empty() && change_rng.below(2) == 0 {
                let id = present.remove(change_rng.below(present.len() as u64) as usize);
                delete(conn, &table, id);
                deleted.insert(id);
            }
            let row = random_row(&mut change_rng, next_id);
            insert(conn, &table, row);
            next_id += 1;
        });
        let mut counts = HashMap::new();
        for id in &seen {
            *counts.entry(*id).or_insert(0) += 1;
        }
        assert!(counts.values().all(|&n| n == 1), "a row came twice: {seen:?}; {context}");
        for id in &want {
            if !deleted.contains(id) {
                assert!(
                    counts.contains_key(id),
                    "row {id} present throughout was skipped; {context}"
                );
            }
        }
        let end = full_order(conn, &table, &keys);
        let rank: HashMap<i64, usize> = end.iter().enumerate().map(|(at, id)| (*id, at)).collect();
        let ranks: Vec<usize> = seen.iter().filter_map(|id| rank.get(id).copied()).collect();
        assert!(
            ranks.windows(2).all(|w| w[0] < w[1]),
            "out of order: {seen:?} vs {end:?}; {context}"
        );
        conn.batch(&format!("DROP TABLE {}", table.as_str()));
    }
}
