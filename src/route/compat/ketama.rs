//! Ketama as libketama, libmemcached (weighted and unweighted) and twemproxy
//! build it: how many MD5 digests a server gets, the name each digest is
//! taken of, and the key hash.
//!
//! The vectors in `tests/data/compat/`, which the real libraries produced,
//! pin these rules, except twemproxy's unix-socket names and its 272-byte
//! limit on a point's name, which are read from its source;
//! `tests/data/compat/NOTES.md` cites the source lines.

use crate::route::points::Point;

/// Which of the three ketama builders a ring follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Flavor {
    /// RJ/ketama's libketama.
    Libketama,
    /// libmemcached with `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED`.
    Libmemcached,
    /// twemproxy with `distribution: ketama`, `hash: md5`.
    Twemproxy,
    /// libmemcached with `MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA` after
    /// `KETAMA_WEIGHTED`: 100 points a server, one word of each digest.
    LibmemcachedUnweighted,
}

/// Points per server of unweighted libmemcached ketama
/// (`MEMCACHED_POINTS_PER_SERVER`).
const UNWEIGHTED_POINTS: u32 = 100;

/// libketama keeps an address in `char addr[22]`: 21 bytes and the NUL.
const LIBKETAMA_MAX_ADDRESS: usize = 21;
/// libmemcached refuses host names of `NI_MAXHOST` (1025) bytes or more.
const LIBMEMCACHED_MAX_HOST: usize = 1024;
/// twemproxy 0.5.0 writes `"<name>-<k>"` into `char host[273]` and hashes at
/// most 272 bytes of it (`KETAMA_MAX_HOSTLEN - 1`).
const TWEMPROXY_MAX_POINT_NAME: usize = 272;
/// The port libmemcached and twemproxy leave out of a server's name.
const DEFAULT_PORT: u32 = 11211;

/// The bytes a ketama profile hashes for `identity` (suffixed with `-<k>` per
/// digest), or what is wrong with the server.
pub(super) fn point_name(
    flavor: Flavor,
    identity: &[u8],
    name: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    match (flavor, name) {
        (Flavor::Libketama | Flavor::Libmemcached | Flavor::LibmemcachedUnweighted, Some(_)) => {
            Err("only twemproxy servers have names (a name replaces the address)".into())
        }
        (Flavor::Libketama, None) => libketama_name(identity),
        (Flavor::Libmemcached | Flavor::LibmemcachedUnweighted, None) => {
            libmemcached_name(identity)
        }
        (Flavor::Twemproxy, name) => twemproxy_name(identity, name),
    }
}

/// libketama hashes the address exactly as its server file spells it.
fn libketama_name(address: &[u8]) -> Result<Vec<u8>, String> {
    if address.is_empty() || address.len() > LIBKETAMA_MAX_ADDRESS {
        return Err(format!(
            "the address is {} bytes; libketama stores 1 to {LIBKETAMA_MAX_ADDRESS}",
            address.len()
        ));
    }
    if let Some(&byte) = address.iter().find(|b| b.is_ascii_whitespace() || **b == 0) {
        return Err(format!(
            "the address contains byte {byte:#04x}; a libketama server file splits at whitespace and C strings end at NUL"
        ));
    }
    if address[0] == b'#' {
        return Err("libketama reads a server line starting with '#' as a comment".into());
    }
    Ok(address.to_vec())
}

/// libmemcached: `host` on port 11211, else `host:port` with the port in
/// decimal (it receives the port as a number).
fn libmemcached_name(identity: &[u8]) -> Result<Vec<u8>, String> {
    let (host, port) = match split_port(identity)? {
        (host, Some(port)) => (host, port),
        (host, None) => (host, DEFAULT_PORT),
    };
    if host.is_empty() {
        return Err("the host is empty (libmemcached would use \"localhost\": write it)".into());
    }
    if host.len() > LIBMEMCACHED_MAX_HOST {
        return Err(format!(
            "the host is {} bytes; libmemcached takes at most {LIBMEMCACHED_MAX_HOST}",
            host.len()
        ));
    }
    if host.contains(&0) {
        return Err("the host contains a NUL byte, which ends a C string".into());
    }
    let mut name = host.to_vec();
    if port != DEFAULT_PORT {
        name.extend_from_slice(format!(":{port}").as_bytes());
    }
    Ok(name)
}

/// twemproxy: an explicit name, else `host` on port 11211 and `host:port` as
/// written otherwise; a unix socket path `/path` hashes as `/path:` (its
/// parser counts one separator byte and an empty port).
fn twemproxy_name(identity: &[u8], name: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let derived = if identity.first() == Some(&b'/') {
        if identity.contains(&b':') {
            return Err("a twemproxy unix socket path cannot contain ':'".into());
        }
        [identity, b":"].concat()
    } else {
        let (host, port) = split_port(identity)?;
        let Some(port) = port else {
            return Err(
                "twemproxy servers are written host:port (or /path for a unix socket)".into()
            );
        };
        if host.is_empty() {
            return Err("the host is empty".into());
        }
        if port == DEFAULT_PORT { host.to_vec() } else { identity.to_vec() }
    };
    if let Some(&byte) = identity.iter().find(|b| b.is_ascii_whitespace()) {
        return Err(format!("the address contains whitespace ({byte:#04x})"));
    }
    match name {
        None => Ok(derived),
        Some([]) => Err("the server name is empty".into()),
        Some(name) if name.iter().any(u8::is_ascii_whitespace) => {
            Err("a twemproxy server name cannot contain whitespace".into())
        }
        Some(name) => Ok(name.to_vec()),
    }
}

/// Splits `host:port` at the last ':' when one is present; the port must be
/// decimal digits from 1 to 65535.
fn split_port(identity: &[u8]) -> Result<(&[u8], Option<u32>), String> {
    let Some(colon) = identity.iter().rposition(|&b| b == b':') else {
        return Ok((identity, None));
    };
    let (host, digits) = (&identity[..colon], &identity[colon + 1..]);
    let port = std::str::from_utf8(digits)
        .ok()
        .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|text| text.parse::<u32>().ok())
        .filter(|port| (1..=65535).contains(port));
    match port {
        Some(port) => Ok((host, Some(port))),
        None if digits == b"0" => {
            Err("port 0 is read as 11211 by libmemcached and refused by twemproxy: write the port"
                .into())
        }
        None => Err(format!(
            "the port {:?} is not a number from 1 to 65535",
            String::from_utf8_lossy(digits)
        )),
    }
}

/// What is wrong with `weight` for this flavor, if anything. Unweighted
/// libmemcached takes only weight 1 (`memcached_server_add` stores 0, which
/// it reads the same): `memcached_server_add_with_weight` with a weight
/// above 1 turns weighting back on for the whole pool, and the ring becomes
/// [`Flavor::Libmemcached`]'s.
pub(super) fn weight_rule(flavor: Flavor, weight: u32) -> Option<String> {
    match (flavor, weight) {
        (Flavor::LibmemcachedUnweighted, 1) => None,
        (Flavor::LibmemcachedUnweighted, w) => Some(format!(
            "weight {w}: unweighted libmemcached takes weight 1 only (a server added with a \
             weight above 1 turns weighting back on: use the libmemcached profile)"
        )),
        _ => None,
    }
}

/// The points a server of `weight` holds out of `total` weight over
/// `servers` servers: 4 per digest, except unweighted libmemcached's fixed
/// 100 (one per digest).
pub(super) fn point_count(flavor: Flavor, weight: u32, total: u64, servers: usize) -> u64 {
    match flavor {
        Flavor::LibmemcachedUnweighted => u64::from(UNWEIGHTED_POINTS),
        _ => 4 * u64::from(digests(flavor, weight, total, servers)),
    }
}

/// How many MD5 digests (of 4 points each) a server of `weight` gets, out of
/// `total` weight over `servers` servers.
///
/// The float arithmetic is the C code's, operation for operation (Rust never
/// fuses `*` and `+` into an FMA, and every step rounds as on x86-64 SSE).
pub(super) fn digests(flavor: Flavor, weight: u32, total: u64, servers: usize) -> u32 {
    // C: (float)weight / (float)total.
    let share = weight as f32 / total as f32;
    let servers = servers as f32;
    let digests = match flavor {
        // libketama: floorf(pct * 40.0 * (float)n). The literal 40.0 is a
        // double, so the product is exact in f64, then rounded to f32 for
        // floorf's argument.
        Flavor::Libketama => ((f64::from(share) * 40.0 * f64::from(servers)) as f32).floor(),
        // libmemcached and twemproxy: floor(pct * 160 / 4 * (float)n + 1e-10)
        // entirely in f32, each operation rounded; the 1e-10 is below half
        // an ulp of any nonzero value, so it only turns an exact 0 into 0.
        Flavor::Libmemcached | Flavor::Twemproxy => {
            (share * 160.0_f32 / 4.0_f32 * servers + 1e-10_f32).floor()
        }
        Flavor::LibmemcachedUnweighted => UNWEIGHTED_POINTS as f32,
    };
    // In range: the share is at most 1, so this is at most 40 × servers.
    digests as u32
}

/// Appends the `count` points of a server: the little-endian 32-bit words
/// of MD5(`name-k`) for `k` = 0, 1, ..., shifted into the top half of the
/// 64-bit circle; four words per digest, unweighted libmemcached only the
/// first (`hashkit_digest` with MD5).
pub(super) fn push_points(
    flavor: Flavor,
    name: &[u8],
    count: u32,
    member: u32,
    out: &mut Vec<Point>,
) {
    let words = if flavor == Flavor::LibmemcachedUnweighted { 1 } else { 4 };
    let mut input = Vec::with_capacity(name.len() + 11);
    for k in 0..count / words {
        input.clear();
        input.extend_from_slice(name);
        input.push(b'-');
        input.extend_from_slice(k.to_string().as_bytes());
        if flavor == Flavor::Twemproxy {
            input.truncate(TWEMPROXY_MAX_POINT_NAME);
        }
        let digest = md5::compute(&input);
        for word in digest.chunks_exact(4).take(words as usize) {
            let point = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            out.push(Point { hash: u64::from(point) << 32, member });
        }
    }
}

/// The ketama key hash: the first four bytes of MD5(key), little-endian.
#[inline]
pub(super) fn key_hash(key: &[u8]) -> u32 {
    let digest = md5::compute(key);
    u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_counts_round_as_the_c_code_does() {
        // Worked examples from NOTES.md §1.2 and §2.2, pinned by the real
        // continuum dumps: exact arithmetic gives 117, 8 and 116.
        assert_eq!(digests(Flavor::Libketama, 936, 1600, 5), 116);
        assert_eq!(digests(Flavor::Libketama, 64, 1600, 5), 8);
        assert_eq!(digests(Flavor::Libmemcached, 936, 1600, 5), 117);
        assert_eq!(digests(Flavor::Libmemcached, 64, 1600, 5), 7);
        assert_eq!(digests(Flavor::Twemproxy, 29, 60, 6), 115);
        // Equal weights: 40 digests per server, except where f32(1/n)
        // rounds down far enough (n = 25 in libmemcached's chain).
        assert_eq!(digests(Flavor::Libketama, 1, 3, 3), 40);
        assert_eq!(digests(Flavor::Libmemcached, 1, 25, 25), 39);
        // A tiny share gets no digest at all.
        assert_eq!(digests(Flavor::Libmemcached, 1, 1000, 2), 0);
    }

    #[test]
    fn names_follow_each_library() {
        let name = |flavor, identity: &str, named: Option<&str>| {
            point_name(flavor, identity.as_bytes(), named.map(str::as_bytes))
                .map(|n| String::from_utf8(n).unwrap())
        };
        assert_eq!(name(Flavor::Libketama, "10.0.1.1:11211", None).unwrap(), "10.0.1.1:11211");
        assert_eq!(name(Flavor::Libmemcached, "10.0.1.1:11211", None).unwrap(), "10.0.1.1");
        assert_eq!(name(Flavor::Libmemcached, "10.0.1.1", None).unwrap(), "10.0.1.1");
        assert_eq!(name(Flavor::Libmemcached, "h:0080", None).unwrap(), "h:80");
        assert_eq!(name(Flavor::Libmemcached, "::1:11211", None).unwrap(), "::1");
        assert_eq!(name(Flavor::Twemproxy, "h:0080", None).unwrap(), "h:0080");
        assert_eq!(name(Flavor::Twemproxy, "h:011211", None).unwrap(), "h");
        assert_eq!(name(Flavor::Twemproxy, "h:1", Some("alpha")).unwrap(), "alpha");
        assert_eq!(name(Flavor::Twemproxy, "/tmp/mc.sock", None).unwrap(), "/tmp/mc.sock:");
        for (flavor, identity, named) in [
            (Flavor::Libketama, "10.0.100.100:11211-long", None),
            (Flavor::Libketama, "a b", None),
            (Flavor::Libketama, "#a", None),
            (Flavor::Libketama, "", None),
            (Flavor::Libketama, "a:1", Some("x")),
            (Flavor::Libmemcached, ":11211", None),
            (Flavor::Libmemcached, "h:0", None),
            (Flavor::Libmemcached, "h:65536", None),
            (Flavor::Libmemcached, "h:", None),
            (Flavor::Twemproxy, "h", None),
            (Flavor::Twemproxy, "h:x", None),
            (Flavor::Twemproxy, "h:1", Some("")),
            (Flavor::Twemproxy, "h:1", Some("a b")),
            (Flavor::Twemproxy, "/a:b", None),
        ] {
            assert!(name(flavor, identity, named).is_err(), "{flavor:?} {identity:?} {named:?}");
        }
    }

    #[test]
    fn first_points_of_the_golden_digest() {
        // libketama's own md5 of "10.0.1.1:11211-0" (libketama-digests.tsv).
        let mut points = Vec::new();
        push_points(Flavor::Libketama, b"10.0.1.1:11211", 4, 0, &mut points);
        let words: Vec<u64> = points.iter().map(|p| p.hash >> 32).collect();
        assert_eq!(words, [2431485715, 4123933443, 100894374, 2720740989]);
        // Unweighted libmemcached keeps only the first word of each digest.
        points.clear();
        push_points(Flavor::LibmemcachedUnweighted, b"10.0.1.1:11211", 2, 0, &mut points);
        assert_eq!(points[0].hash >> 32, 2431485715);
        assert_eq!(points.len(), 2);
    }

    #[test]
    fn twemproxy_truncates_long_point_names() {
        let name = vec![b'n'; 300];
        let mut long = Vec::new();
        push_points(Flavor::Twemproxy, &name, 8, 0, &mut long);
        // Both digests hash the same first 272 bytes.
        assert_eq!(long[..4], long[4..]);
        let mut short = Vec::new();
        push_points(Flavor::Twemproxy, &name[..10], 8, 0, &mut short);
        assert_ne!(short[..4], short[4..]);
    }
}
