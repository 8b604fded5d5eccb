//! groupcache's `consistenthash` package (github.com/golang/groupcache, as
//! Debian's golang-github-golang-groupcache-dev ships it): `replicas`
//! points per server, each the CRC-32 (IEEE) of the replica number in
//! decimal followed by the server's name; keys hashed with CRC-32 too.
//!
//! `Map.Add` appends every point to one list and records its owner in a
//! Go map keyed by the point, so when two servers share a point the one
//! added *last* owns it (the earlier entry is overwritten), and `Get`'s
//! binary search finds that owner for both copies.

use crc32fast::Hasher;

use crate::route::points::Point;

/// What is wrong with a server for groupcache, if anything: it has no
/// weights (`Map.Add` takes names), and 0 replicas place no key at all.
pub(super) fn check(weight: u32, replicas: u32) -> Option<String> {
    if replicas == 0 {
        return Some("groupcache with 0 replicas gives a server no points: use at least 1".into());
    }
    (weight != 1).then(|| {
        format!("weight {weight}: groupcache has no weights (Map.Add takes names): write 1")
    })
}

/// Appends the server's `replicas` points: CRC-32 of `i ‖ name` for `i` in
/// `0..replicas`, `i` in decimal.
pub(super) fn push_points(name: &[u8], replicas: u32, member: u32, out: &mut Vec<Point>) {
    let mut digits = itoa_buffer();
    for replica in 0..replicas {
        let mut hasher = Hasher::new();
        hasher.update(decimal(replica, &mut digits));
        hasher.update(name);
        out.push(Point { hash: u64::from(hasher.finalize()) << 32, member });
    }
}

/// Of equal points (sorted by point, then by member position), keeps one
/// owned by the last member, as groupcache's overwritten map entry does.
pub(super) fn keep_last_of_equal(points: &mut Vec<Point>) {
    points.dedup_by(|later, kept| {
        if later.hash != kept.hash {
            return false;
        }
        kept.member = later.member;
        true
    });
}

/// The key hash: CRC-32 (IEEE) of the key's bytes (`crc32.ChecksumIEEE`).
#[inline]
pub(super) fn key_hash(key: &[u8]) -> u32 {
    crc32fast::hash(key)
}

/// Room for the decimal digits of any `u32`.
fn itoa_buffer() -> [u8; 10] {
    [0; 10]
}

/// `value` in decimal, as Go's `strconv.Itoa` writes it, in `buffer`.
fn decimal(mut value: u32, buffer: &mut [u8; 10]) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buffer[at..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_numbers_are_written_as_go_writes_them() {
        let mut buffer = itoa_buffer();
        assert_eq!(decimal(0, &mut buffer), b"0");
        assert_eq!(decimal(49, &mut buffer), b"49");
        assert_eq!(decimal(u32::MAX, &mut buffer), b"4294967295");
    }

    #[test]
    fn points_are_crc32_of_the_number_then_the_name() {
        let mut points = Vec::new();
        push_points(b"a", 2, 0, &mut points);
        let words: Vec<u32> = points.iter().map(|p| (p.hash >> 32) as u32).collect();
        assert_eq!(words, [crc32fast::hash(b"0a"), crc32fast::hash(b"1a")]);
    }

    #[test]
    fn the_last_member_keeps_a_shared_point() {
        let point = |hash: u64, member| Point { hash: hash << 32, member };
        let mut points = vec![point(1, 0), point(5, 0), point(5, 1), point(5, 2), point(7, 1)];
        keep_last_of_equal(&mut points);
        assert_eq!(points, [point(1, 0), point(5, 2), point(7, 1)]);
    }
}
