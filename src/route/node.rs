//! Node identities: the bytes a node is known by, which feed the hash and so
//! decide where keys go.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::rc::Rc;
use std::sync::Arc;

/// A node a router can place keys on: any type with stable identity bytes.
///
/// A router hashes a node's identity bytes (with the key's bytes) to decide
/// which keys it owns, keeps its nodes ordered by these bytes, and refuses
/// two nodes with the same bytes. So the bytes must be the same in every
/// process, on every platform and in every release of your program: they
/// are the node's name as far as placement is concerned. Two values with
/// the same bytes are the same node; a node that changes its bytes is a
/// different node (and takes different keys).
///
/// | type | identity bytes |
/// |------|----------------|
/// | `str`, `String`, `Box<str>`, `Cow<str>` | the UTF-8 bytes |
/// | `[u8]`, `[u8; N]`, `Vec<u8>`, `Box<[u8]>` | the bytes themselves |
/// | `u8` … `u128`, `i8` … `i128` | little-endian, two's complement, at the type's width (`7u32` is `07 00 00 00`) |
/// | `usize`, `isize` | as `u64` / `i64`, so the placement does not depend on the platform's pointer width |
/// | [`Ipv4Addr`], [`Ipv6Addr`], [`IpAddr`] | the address as text: dotted quad, or RFC 5952 (lowercase hex, the longest run of two or more zero groups as `::`, IPv4-mapped as `::ffff:a.b.c.d`) |
/// | [`SocketAddrV4`], [`SocketAddrV6`], [`SocketAddr`] | `ip:port`, or `[ip]:port` and `[ip%scope]:port` with a nonzero scope id (the flow info is not part of it) |
/// | `&T`, `Box<T>`, `Rc<T>`, `Arc<T>` | those of `T` |
///
/// The address texts equal what the standard library's `Display` writes
/// today, but routekit writes them itself, so they cannot change with the
/// Rust release: an address node places exactly like the same address
/// written as a string (`"10.0.0.1:80"`), and stays there.
///
/// For your own type, give the bytes of whatever names the node stably — a
/// configured name, an instance id — and never a hash from
/// `std::hash::Hash` (it may differ between processes and releases). Make
/// the bytes cheap to produce: a router asks for them when nodes change and
/// when you name a node (`contains`, `remove`); borrowed bytes cost nothing.
///
/// # Example
///
/// ```
/// use routekit::route::{HashRing, Membership, NodeId, Router};
///
/// /// A backend, known by its configured name; its address may change.
/// #[derive(Clone, Debug)]
/// struct Backend {
///     name: String,
///     address: std::net::SocketAddr,
/// }
///
/// impl NodeId for Backend {
///     type Bytes<'a> = &'a [u8];
///     fn id_bytes(&self) -> &[u8] {
///         self.name.as_bytes()
///     }
/// }
///
/// let mut ring = HashRing::new();
/// ring.insert(Backend { name: "db-1".into(), address: "10.0.0.1:5432".parse()? })?;
/// ring.insert(Backend { name: "db-2".into(), address: "10.0.0.2:5432".parse()? })?;
/// let owner = ring.route(b"tenant-9").unwrap();
/// println!("connect to {}", owner.address);
///
/// // A Backend places like its name alone.
/// let mut names = HashRing::new();
/// names.extend(["db-1", "db-2"])?;
/// assert_eq!(names.route(b"tenant-9").unwrap(), &owner.name);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Integers and addresses are nodes as they are:
///
/// ```
/// use std::net::SocketAddr;
/// use routekit::route::{Membership, Rendezvous, Router};
///
/// let mut shards = Rendezvous::new();
/// shards.extend([17u64, 23, 42])?;
/// assert!(shards.contains(&23));
/// shards.remove(&17)?;
///
/// let mut servers = Rendezvous::new();
/// servers.extend(["10.0.0.1:80".parse::<SocketAddr>()?, "10.0.0.2:80".parse()?])?;
/// let mut texts = Rendezvous::new();
/// texts.extend(["10.0.0.1:80", "10.0.0.2:80"])?;
/// let key = b"session-1";
/// assert_eq!(servers.route(key).unwrap().to_string(), *texts.route(key).unwrap());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait NodeId {
    /// The identity bytes, borrowed from the node where it holds them, or
    /// made on the spot (integers, addresses) without allocating.
    type Bytes<'a>: AsRef<[u8]>
    where
        Self: 'a;

    /// The node's identity bytes; see the table in the [trait docs](NodeId).
    ///
    /// ```
    /// use routekit::route::NodeId;
    /// assert_eq!("a".id_bytes(), b"a");
    /// assert_eq!(7u32.id_bytes(), [7, 0, 0, 0]);
    /// assert_eq!(std::net::Ipv6Addr::LOCALHOST.id_bytes().as_ref(), b"::1");
    /// ```
    fn id_bytes(&self) -> Self::Bytes<'_>;

    /// How error messages name the node. The default writes the identity
    /// bytes as text when they are UTF-8 and as hex otherwise; integers write
    /// their value. It does not affect placement.
    ///
    /// ```
    /// use routekit::route::NodeId;
    /// assert_eq!("db-1".display_name(), "db-1");
    /// assert_eq!(258u16.display_name(), "258");
    /// assert_eq!([0xffu8, 0].display_name(), "0xff00");
    /// ```
    fn display_name(&self) -> String {
        display_bytes(self.id_bytes().as_ref())
    }
}

/// Identity bytes as text when they are UTF-8, else `0x` and hex.
fn display_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let mut hex = String::with_capacity(2 + 2 * bytes.len());
            hex.push_str("0x");
            for byte in bytes {
                hex.push(char::from(HEX[usize::from(byte >> 4)]));
                hex.push(char::from(HEX[usize::from(byte & 15)]));
            }
            hex
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The UTF-8 bytes.
impl NodeId for str {
    type Bytes<'a> = &'a [u8];

    #[inline]
    fn id_bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// The UTF-8 bytes.
impl NodeId for String {
    type Bytes<'a> = &'a [u8];

    #[inline]
    fn id_bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

/// The bytes themselves.
impl NodeId for [u8] {
    type Bytes<'a> = &'a [u8];

    #[inline]
    fn id_bytes(&self) -> &[u8] {
        self
    }
}

/// The bytes themselves.
impl<const LEN: usize> NodeId for [u8; LEN] {
    type Bytes<'a> = &'a [u8];

    #[inline]
    fn id_bytes(&self) -> &[u8] {
        self
    }
}

/// The bytes themselves.
impl NodeId for Vec<u8> {
    type Bytes<'a> = &'a [u8];

    #[inline]
    fn id_bytes(&self) -> &[u8] {
        self
    }
}

/// Little-endian, 1 byte.
impl NodeId for u8 {
    type Bytes<'a> = [u8; 1];

    #[inline]
    fn id_bytes(&self) -> [u8; 1] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 2 bytes.
impl NodeId for u16 {
    type Bytes<'a> = [u8; 2];

    #[inline]
    fn id_bytes(&self) -> [u8; 2] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 4 bytes.
impl NodeId for u32 {
    type Bytes<'a> = [u8; 4];

    #[inline]
    fn id_bytes(&self) -> [u8; 4] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 8 bytes.
impl NodeId for u64 {
    type Bytes<'a> = [u8; 8];

    #[inline]
    fn id_bytes(&self) -> [u8; 8] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 16 bytes.
impl NodeId for u128 {
    type Bytes<'a> = [u8; 16];

    #[inline]
    fn id_bytes(&self) -> [u8; 16] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 1 byte.
impl NodeId for i8 {
    type Bytes<'a> = [u8; 1];

    #[inline]
    fn id_bytes(&self) -> [u8; 1] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 2 bytes.
impl NodeId for i16 {
    type Bytes<'a> = [u8; 2];

    #[inline]
    fn id_bytes(&self) -> [u8; 2] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 4 bytes.
impl NodeId for i32 {
    type Bytes<'a> = [u8; 4];

    #[inline]
    fn id_bytes(&self) -> [u8; 4] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 8 bytes.
impl NodeId for i64 {
    type Bytes<'a> = [u8; 8];

    #[inline]
    fn id_bytes(&self) -> [u8; 8] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian, 16 bytes.
impl NodeId for i128 {
    type Bytes<'a> = [u8; 16];

    #[inline]
    fn id_bytes(&self) -> [u8; 16] {
        self.to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian bytes of the value as a `u64`, on every platform.
impl NodeId for usize {
    type Bytes<'a> = [u8; 8];

    #[inline]
    fn id_bytes(&self) -> [u8; 8] {
        // usize is at most 64 bits on every platform Rust supports.
        (*self as u64).to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// Little-endian bytes of the value as an `i64`, on every platform.
impl NodeId for isize {
    type Bytes<'a> = [u8; 8];

    #[inline]
    fn id_bytes(&self) -> [u8; 8] {
        (*self as i64).to_le_bytes()
    }

    fn display_name(&self) -> String {
        self.to_string()
    }
}

/// The identity of the node pointed to.
impl<T: NodeId + ?Sized> NodeId for Box<T> {
    type Bytes<'a>
        = T::Bytes<'a>
    where
        Self: 'a;

    #[inline]
    fn id_bytes(&self) -> T::Bytes<'_> {
        (**self).id_bytes()
    }

    fn display_name(&self) -> String {
        (**self).display_name()
    }
}

/// The identity of the node pointed to.
impl<T: NodeId + ?Sized> NodeId for Rc<T> {
    type Bytes<'a>
        = T::Bytes<'a>
    where
        Self: 'a;

    #[inline]
    fn id_bytes(&self) -> T::Bytes<'_> {
        (**self).id_bytes()
    }

    fn display_name(&self) -> String {
        (**self).display_name()
    }
}

/// The identity of the node pointed to.
impl<T: NodeId + ?Sized> NodeId for Arc<T> {
    type Bytes<'a>
        = T::Bytes<'a>
    where
        Self: 'a;

    #[inline]
    fn id_bytes(&self) -> T::Bytes<'_> {
        (**self).id_bytes()
    }

    fn display_name(&self) -> String {
        (**self).display_name()
    }
}

/// The identity of the node referred to.
impl<T: NodeId + ?Sized> NodeId for &T {
    type Bytes<'a>
        = T::Bytes<'a>
    where
        Self: 'a;

    #[inline]
    fn id_bytes(&self) -> T::Bytes<'_> {
        (**self).id_bytes()
    }

    fn display_name(&self) -> String {
        (**self).display_name()
    }
}

/// The identity of the borrowed or owned value.
impl<T: NodeId + ToOwned + ?Sized> NodeId for Cow<'_, T> {
    type Bytes<'a>
        = T::Bytes<'a>
    where
        Self: 'a;

    #[inline]
    fn id_bytes(&self) -> T::Bytes<'_> {
        (**self).id_bytes()
    }

    fn display_name(&self) -> String {
        (**self).display_name()
    }
}

/// The identity bytes of an address node: its text, held inline (no
/// allocation). See the table in the [`NodeId`] docs for the exact text.
///
/// # Example
///
/// ```
/// use std::net::{Ipv4Addr, SocketAddrV4};
/// use routekit::route::NodeId;
///
/// let node = SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 8080);
/// let text = node.id_bytes();
/// assert_eq!(text.as_ref(), b"10.0.0.1:8080");
/// assert_eq!(text.as_str(), "10.0.0.1:8080");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressText {
    len: u8,
    text: [u8; ADDRESS_TEXT_MAX],
}

/// The longest address text: `[` + 39 + `%` + 10 digits + `]:` + 5 digits.
const ADDRESS_TEXT_MAX: usize = 58;

impl AddressText {
    /// The text, as a string.
    ///
    /// ```
    /// use routekit::route::NodeId;
    /// assert_eq!(std::net::Ipv4Addr::LOCALHOST.id_bytes().as_str(), "127.0.0.1");
    /// ```
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever written.
        std::str::from_utf8(self.as_ref()).unwrap_or_default()
    }

    fn new() -> AddressText {
        AddressText { len: 0, text: [0; ADDRESS_TEXT_MAX] }
    }

    fn push(&mut self, byte: u8) {
        // The longest address fits: see ADDRESS_TEXT_MAX.
        self.text[usize::from(self.len)] = byte;
        self.len += 1;
    }

    fn push_str(&mut self, text: &[u8]) {
        text.iter().for_each(|&b| self.push(b));
    }

    fn push_decimal(&mut self, value: u32) {
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        let mut rest = value;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        self.push_str(&digits[at..]);
    }

    fn push_hex(&mut self, value: u16) {
        let mut started = false;
        for shift in [12, 8, 4, 0] {
            let digit = (value >> shift) & 15;
            if digit != 0 || started || shift == 0 {
                self.push(HEX[usize::from(digit)]);
                started = true;
            }
        }
    }

    fn push_v4(&mut self, ip: &Ipv4Addr) {
        for (i, octet) in ip.octets().into_iter().enumerate() {
            if i > 0 {
                self.push(b'.');
            }
            self.push_decimal(u32::from(octet));
        }
    }

    /// RFC 5952, section 4: no leading zeros, lowercase, the first longest
    /// run of two or more zero groups shortened to `::`, and IPv4-mapped
    /// addresses with the IPv4 part in dotted-quad form.
    fn push_v6(&mut self, ip: &Ipv6Addr) {
        let groups = ip.segments();
        if let [0, 0, 0, 0, 0, 0xffff, high, low] = groups {
            self.push_str(b"::ffff:");
            let [a, b] = high.to_be_bytes();
            let [c, d] = low.to_be_bytes();
            self.push_v4(&Ipv4Addr::new(a, b, c, d));
            return;
        }
        let (mut best, mut best_len, mut run, mut run_len) = (0, 0, 0, 0);
        for (i, &group) in groups.iter().enumerate() {
            if group == 0 {
                if run_len == 0 {
                    run = i;
                }
                run_len += 1;
                if run_len > best_len {
                    (best, best_len) = (run, run_len);
                }
            } else {
                run_len = 0;
            }
        }
        let push_groups = |this: &mut AddressText, groups: &[u16]| {
            for (i, &group) in groups.iter().enumerate() {
                if i > 0 {
                    this.push(b':');
                }
                this.push_hex(group);
            }
        };
        if best_len > 1 {
            push_groups(self, &groups[..best]);
            self.push_str(b"::");
            push_groups(self, &groups[best + best_len..]);
        } else {
            push_groups(self, &groups);
        }
    }

    fn of_ip(ip: &IpAddr) -> AddressText {
        let mut text = AddressText::new();
        match ip {
            IpAddr::V4(ip) => text.push_v4(ip),
            IpAddr::V6(ip) => text.push_v6(ip),
        }
        text
    }

    fn of_socket_v4(socket: &SocketAddrV4) -> AddressText {
        let mut text = AddressText::new();
        text.push_v4(socket.ip());
        text.push(b':');
        text.push_decimal(u32::from(socket.port()));
        text
    }

    fn of_socket_v6(socket: &SocketAddrV6) -> AddressText {
        let mut text = AddressText::new();
        text.push(b'[');
        text.push_v6(socket.ip());
        if socket.scope_id() != 0 {
            text.push(b'%');
            text.push_decimal(socket.scope_id());
        }
        text.push_str(b"]:");
        text.push_decimal(u32::from(socket.port()));
        text
    }
}

impl AsRef<[u8]> for AddressText {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        &self.text[..usize::from(self.len)]
    }
}

impl fmt::Debug for AddressText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AddressText").field(&self.as_str()).finish()
    }
}

impl fmt::Display for AddressText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The address as text (see the [trait docs](NodeId)).
impl NodeId for Ipv4Addr {
    type Bytes<'a> = AddressText;

    fn id_bytes(&self) -> AddressText {
        AddressText::of_ip(&IpAddr::V4(*self))
    }
}

/// The address as text, RFC 5952 (see the [trait docs](NodeId)).
impl NodeId for Ipv6Addr {
    type Bytes<'a> = AddressText;

    fn id_bytes(&self) -> AddressText {
        AddressText::of_ip(&IpAddr::V6(*self))
    }
}

/// The address as text: that of its IPv4 or IPv6 address.
impl NodeId for IpAddr {
    type Bytes<'a> = AddressText;

    fn id_bytes(&self) -> AddressText {
        AddressText::of_ip(self)
    }
}

/// `ip:port` (see the [trait docs](NodeId)).
impl NodeId for SocketAddrV4 {
    type Bytes<'a> = AddressText;

    fn id_bytes(&self) -> AddressText {
        AddressText::of_socket_v4(self)
    }
}

/// `[ip]:port`, or `[ip%scope]:port` (see the [trait docs](NodeId)).
impl NodeId for SocketAddrV6 {
    type Bytes<'a> = AddressText;

    fn id_bytes(&self) -> AddressText {
        AddressText::of_socket_v6(self)
    }
}

/// That of its IPv4 or IPv6 socket address.
impl NodeId for SocketAddr {
    type Bytes<'a> = AddressText;

    fn id_bytes(&self) -> AddressText {
        match self {
            SocketAddr::V4(socket) => AddressText::of_socket_v4(socket),
            SocketAddr::V6(socket) => AddressText::of_socket_v6(socket),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes<N: NodeId + ?Sized>(node: &N) -> Vec<u8> {
        node.id_bytes().as_ref().to_vec()
    }

    #[test]
    fn text_and_byte_nodes_are_their_bytes() {
        assert_eq!(bytes("node-1"), b"node-1");
        assert_eq!(bytes(&"node-1".to_string()), b"node-1");
        assert_eq!(bytes(&Box::<str>::from("x")), b"x");
        assert_eq!(bytes(&Cow::Borrowed("x")), b"x");
        assert_eq!(bytes(&b"\x00\xff"[..]), [0, 255]);
        assert_eq!(bytes(&[1u8, 2, 3]), [1, 2, 3]);
        assert_eq!(bytes(&vec![9u8]), [9]);
        assert_eq!(bytes(&Arc::new("y".to_string())), b"y");
        assert_eq!(bytes(&Rc::<[u8]>::from(&b"z"[..])), b"z");
        assert_eq!(bytes(&&&"deep"), b"deep");
        assert_eq!(bytes(""), b"");
    }

    #[test]
    fn integers_are_little_endian_at_their_width() {
        assert_eq!(bytes(&7u8), [7]);
        assert_eq!(bytes(&0x0102u16), [2, 1]);
        assert_eq!(bytes(&7u32), [7, 0, 0, 0]);
        assert_eq!(bytes(&0x0102_0304_0506_0708u64), [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(bytes(&1u128), [&[1u8][..], &[0; 15]].concat());
        assert_eq!(bytes(&-1i8), [0xff]);
        assert_eq!(bytes(&-2i16), [0xfe, 0xff]);
        assert_eq!(bytes(&-1i32), [0xff; 4]);
        assert_eq!(bytes(&i64::MIN), [0, 0, 0, 0, 0, 0, 0, 0x80]);
        assert_eq!(bytes(&-1i128), [0xff; 16]);
        assert_eq!(bytes(&7usize), bytes(&7u64));
        assert_eq!(bytes(&-7isize), bytes(&-7i64));
        assert_eq!(7u64.display_name(), "7");
        assert_eq!((-3i32).display_name(), "-3");
        assert_eq!(12usize.display_name(), "12");
        assert_eq!(NodeId::display_name(&&5u8), "5");
    }

    #[test]
    fn addresses_are_their_text() {
        let cases: [(IpAddr, &str); 8] = [
            (Ipv4Addr::new(10, 0, 0, 1).into(), "10.0.0.1"),
            (Ipv4Addr::new(255, 255, 255, 255).into(), "255.255.255.255"),
            (Ipv6Addr::LOCALHOST.into(), "::1"),
            (Ipv6Addr::UNSPECIFIED.into(), "::"),
            ("2001:db8:0:0:1:0:0:1".parse().unwrap(), "2001:db8::1:0:0:1"),
            ("2001:0db8:0:1:1:1:1:1".parse().unwrap(), "2001:db8:0:1:1:1:1:1"),
            ("::ffff:192.0.2.1".parse().unwrap(), "::ffff:192.0.2.1"),
            ("fe80::a:b:c:d".parse().unwrap(), "fe80::a:b:c:d"),
        ];
        for (ip, text) in cases {
            assert_eq!(bytes(&ip), text.as_bytes(), "{ip}");
            match ip {
                IpAddr::V4(v4) => assert_eq!(bytes(&v4), text.as_bytes()),
                IpAddr::V6(v6) => assert_eq!(bytes(&v6), text.as_bytes()),
            }
        }
        let v4: SocketAddr = "10.0.0.1:8080".parse().unwrap();
        assert_eq!(bytes(&v4), b"10.0.0.1:8080");
        let v6 = SocketAddrV6::new("2001:db8::1".parse().unwrap(), 443, 7, 0);
        assert_eq!(bytes(&v6), b"[2001:db8::1]:443", "the flow info is not part of it");
        let scoped = SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, 3);
        assert_eq!(bytes(&SocketAddr::V6(scoped)), b"[fe80::1%3]:80");
        let longest = SocketAddrV6::new(
            Ipv6Addr::new(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xfffe),
            65_535,
            0,
            u32::MAX,
        );
        assert_eq!(longest.id_bytes().as_ref().len(), ADDRESS_TEXT_MAX);
        assert_eq!(longest.id_bytes().as_str(), longest.to_string());
        assert_eq!(v4.display_name(), "10.0.0.1:8080");
    }

    #[test]
    fn address_texts_equal_the_standard_display() {
        // Groups drawn from a small set, so zero runs of every length and
        // position occur, and mapped / compatible forms too.
        let mut state = 0x1234_5678_u64;
        let pick = [0u16, 0, 0, 1, 0xffff, 0xdb8, 0xa, 0x100];
        for _ in 0..20_000 {
            let mut groups = [0u16; 8];
            for group in &mut groups {
                state = crate::hash::finalize64(state);
                *group = pick[(state % 8) as usize];
            }
            let ip = Ipv6Addr::from(groups);
            assert_eq!(ip.id_bytes().as_str(), ip.to_string());
            let scope = (state >> 32) as u32 & 0xff;
            let socket = SocketAddrV6::new(ip, (state >> 16) as u16, 0, scope);
            assert_eq!(socket.id_bytes().as_str(), socket.to_string());
            let v4 = Ipv4Addr::from((state >> 8) as u32);
            assert_eq!(v4.id_bytes().as_str(), v4.to_string());
            let socket = SocketAddrV4::new(v4, state as u16);
            assert_eq!(socket.id_bytes().as_str(), socket.to_string());
        }
    }

    #[test]
    fn display_names_fall_back_to_hex() {
        assert_eq!(display_bytes(b"ok"), "ok");
        assert_eq!(display_bytes(&[0xc3, 0x28]), "0xc328");
        assert_eq!(display_bytes(&[]), "");
        assert_eq!(vec![0xffu8].display_name(), "0xff");
    }
}
