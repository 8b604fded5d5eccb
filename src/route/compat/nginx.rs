//! nginx's `hash $key consistent;` (`ngx_http_upstream_hash_module.c`): which
//! `server` addresses nginx accepts, how it splits one into host and port for
//! hashing, and the chain of CRC-32 points.
//!
//! `tests/data/compat/NOTES.md` §4 cites the source lines.

use crate::route::points::Point;

/// Points per unit of weight.
pub(super) const POINTS_PER_WEIGHT: u32 = 160;

/// `sizeof(sun_path)` on Linux: a unix socket path and its NUL.
const SUN_PATH: usize = 108;

/// Checks `address` the way nginx parses the first argument of an upstream
/// `server` directive (`ngx_parse_url` with default port 80, no URI part),
/// returning nginx's own complaint when it would refuse it. Whether a host
/// name resolves is nginx's business at start-up, not checked here.
pub(super) fn check_address(address: &[u8]) -> Result<(), String> {
    if let Some(path) = unix_path(address) {
        return match path.len() {
            0 => Err("no path in the unix domain socket".into()),
            n if n >= SUN_PATH => Err(format!(
                "too long path in the unix domain socket ({n} bytes, at most {})",
                SUN_PATH - 1
            )),
            _ => Ok(()),
        };
    }
    if let Some(rest) = address.strip_prefix(b"[") {
        let Some(close) = rest.iter().position(|&b| b == b']') else {
            return Err("invalid host: '[' without ']'".into());
        };
        let (host, after) = (&rest[..close], &rest[close + 1..]);
        if after.contains(&b'/') {
            return Err("invalid host: an upstream server has no URI part".into());
        }
        if let Some(port) = after.strip_prefix(b":") {
            check_port(port)?;
        } else if !after.is_empty() {
            return Err("invalid host: ']' must end the address or be followed by ':port'".into());
        }
        if host.is_empty() {
            return Err("no host".into());
        }
        return match std::str::from_utf8(host).map(str::parse::<std::net::Ipv6Addr>) {
            Ok(Ok(_)) => Ok(()),
            _ => Err("invalid IPv6 address".into()),
        };
    }
    if address.iter().any(|&b| b == b'/' || b == b'?') {
        return Err("invalid host: an upstream server has no URI part".into());
    }
    // nginx takes the port after the *first* ':'.
    let host = match address.iter().position(|&b| b == b':') {
        Some(colon) => {
            check_port(&address[colon + 1..])?;
            &address[..colon]
        }
        None => address,
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    Ok(())
}

/// `ngx_atoi` then 1..=65535: decimal digits only, no sign, not empty.
fn check_port(digits: &[u8]) -> Result<(), String> {
    let port = std::str::from_utf8(digits)
        .ok()
        .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|text| text.parse::<u32>().ok());
    match port {
        Some(1..=65535) => Ok(()),
        _ => Err(format!(
            "invalid port {:?}: a port is a number from 1 to 65535",
            String::from_utf8_lossy(digits)
        )),
    }
}

/// The path of a `unix:` address (the prefix in any case).
fn unix_path(address: &[u8]) -> Option<&[u8]> {
    match address.split_at_checked(5) {
        Some((prefix, path)) if prefix.eq_ignore_ascii_case(b"unix:") => Some(path),
        _ => None,
    }
}

/// The bytes every point of `address` starts from: `host \0 port`, split as
/// `init_chash` splits the server string — `unix:` sockets have no port;
/// otherwise the port is the run of digits after the *last* ':', and an
/// address without one hashes an empty port (not the 80 nginx connects to).
pub(super) fn point_base(address: &[u8]) -> Vec<u8> {
    let (host, port) = match unix_path(address) {
        Some(path) => (path, &[][..]),
        None => {
            let digits = address.iter().rev().take_while(|b| b.is_ascii_digit()).count();
            let colon = address.len() - digits;
            if colon > 0 && address[colon - 1] == b':' {
                (&address[..colon - 1], &address[colon..])
            } else {
                (address, &[][..])
            }
        }
    };
    [host, b"\0", port].concat()
}

/// Appends `count` points: point `j` is CRC-32(`base` ‖ point `j-1` as four
/// little-endian bytes), starting from a previous point of 0.
///
/// Every point extends the same CRC state (that of `base`) by four bytes,
/// so the chain is one four-table step per point rather than a hasher's
/// clone, update and finalize: the build of a large ring is mostly this.
pub(super) fn push_points(base: &[u8], count: u32, member: u32, out: &mut Vec<Point>) {
    // The register after `base`, before the final inversion.
    let register = !crc32fast::hash(base);
    let mut previous = 0u32;
    for _ in 0..count {
        previous = !crc32_four_bytes(register ^ previous);
        out.push(Point { hash: u64::from(previous) << 32, member });
    }
}

/// Feeds four bytes, already XORed into the register (the bytes taken
/// little-endian, as the reflected CRC-32 takes them), through the
/// register: slicing-by-4.
#[inline]
fn crc32_four_bytes(register: u32) -> u32 {
    let [b0, b1, b2, b3] = register.to_le_bytes();
    CRC_TABLES[3][usize::from(b0)]
        ^ CRC_TABLES[2][usize::from(b1)]
        ^ CRC_TABLES[1][usize::from(b2)]
        ^ CRC_TABLES[0][usize::from(b3)]
}

/// `CRC_TABLES[0]` is the byte table of the reflected CRC-32 (IEEE,
/// polynomial 0xEDB88320); `CRC_TABLES[k][i]` is entry `i` pushed through
/// `k` more zero bytes.
static CRC_TABLES: [[u32; 256]; 4] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 4] {
    let mut tables = [[0u32; 256]; 4];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            bit += 1;
        }
        tables[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 4 {
        let mut i = 0;
        while i < 256 {
            let before = tables[k - 1][i];
            tables[k][i] = (before >> 8) ^ tables[0][(before & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    tables
}

/// The key hash: CRC-32 (IEEE) of the key's bytes.
#[inline]
pub(super) fn key_hash(key: &[u8]) -> u32 {
    crc32fast::hash(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_as_init_chash_does() {
        let split = |a: &str| {
            let base = point_base(a.as_bytes());
            let nul = base.iter().position(|&b| b == 0).unwrap();
            (
                String::from_utf8(base[..nul].to_vec()).unwrap(),
                String::from_utf8(base[nul + 1..].to_vec()).unwrap(),
            )
        };
        let pair = |h: &str, p: &str| (h.to_string(), p.to_string());
        assert_eq!(split("127.0.0.2"), pair("127.0.0.2", ""));
        assert_eq!(split("localhost:18085"), pair("localhost", "18085"));
        assert_eq!(split("[::1]:80"), pair("[::1]", "80"));
        assert_eq!(split("[::1]"), pair("[::1]", ""));
        assert_eq!(split("UNIX:/tmp/s:1"), pair("/tmp/s:1", ""));
        assert_eq!(split("12345"), pair("12345", ""));
        assert_eq!(split("h:0080"), pair("h", "0080"));
    }

    #[test]
    fn addresses_nginx_refuses() {
        for ok in ["127.0.0.2", "localhost:18085", "[::1]", "[::1]:8080", "unix:/tmp/s", "h:0080"] {
            assert_eq!(check_address(ok.as_bytes()), Ok(()), "{ok}");
        }
        for bad in [
            "", ":80", "h:", "h:0", "h:65536", "h:8x", "a:b:80", "h/p", "h?x", "unix:", "[",
            "[]:80", "[::1", "[::1]x", "[::1]:", "[nope]", "[::1]/x",
        ] {
            assert!(check_address(bad.as_bytes()).is_err(), "{bad}");
        }
        // A path of 108 bytes leaves no room for the NUL in sun_path.
        let long = format!("unix:/{}", "p".repeat(107));
        assert!(check_address(long.as_bytes()).is_err());
        assert!(check_address(&long.as_bytes()[..long.len() - 1]).is_ok());
    }

    #[test]
    fn first_points_match_zlib() {
        // zlib.crc32(b"127.0.0.1\x0018081" + bytes(4)) and the next point,
        // from Python's zlib (an independent CRC-32).
        let mut points = Vec::new();
        push_points(&point_base(b"127.0.0.1:18081"), 2, 0, &mut points);
        let words: Vec<u64> = points.iter().map(|p| p.hash >> 32).collect();
        assert_eq!(words, [107741689, 3706434429]);
        assert_eq!(key_hash(b""), 0);
        // The four-byte step against crc32fast's own chain, for bases of
        // every length class its kernels treat apart.
        for base in [&b""[..], b"a\0", b"10.0.0.1\080", &[7u8; 100][..]] {
            let mut points = Vec::new();
            push_points(base, 50, 0, &mut points);
            let mut previous = 0u32;
            for point in points {
                let mut hasher = crc32fast::Hasher::new();
                hasher.update(base);
                hasher.update(&previous.to_le_bytes());
                previous = hasher.finalize();
                assert_eq!(point.hash >> 32, u64::from(previous));
            }
        }
        assert_eq!(key_hash(b"123456789"), 0xcbf4_3926);
    }
}
