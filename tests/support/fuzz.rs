//! Structure-aware fuzzing for every decoder and parser, shared by the
//! `fuzz_*` test files (`#[path = "support/fuzz.rs"] mod fuzz;`).
//!
//! A target gives valid encodings (seeds) and, optionally, where its
//! fixed-width fields sit. Each case is either random bytes or a seed put
//! through one to four mutations: bit flips, truncation, extension, a byte or
//! a whole field set to an extreme (0, all ones, `u32::MAX`, `u64::MAX`), an
//! overlong or huge LEB128 varint spliced in (the counts and lengths of the
//! variable-length formats), a version byte changed, a slice repeated or
//! removed. Every accepted input goes to the target's check, which must
//! confirm that the value re-encodes to exactly the input (decoding accepts
//! one spelling per value) and that it obeys the type's laws.
//!
//! Runs are deterministic: the seed of case `i` of target `name` is derived
//! from both, so a failure names the case that reproduces it. The number of
//! cases is the target's default unless `ROUTEKIT_FUZZ_CASES` says otherwise
//! (`ROUTEKIT_FUZZ_CASES=1000000 cargo test --release --test fuzz_crdt`).

#![allow(dead_code)] // each fuzz file uses the parts it needs

/// SplitMix64: small, fast, and the same sequence everywhere.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `numerator / denominator`.
    pub(crate) fn chance(&mut self, numerator: usize, denominator: usize) -> bool {
        self.below(denominator) < numerator
    }

    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The number of cases to run: `ROUTEKIT_FUZZ_CASES` when set, else
/// `default`.
pub(crate) fn cases(default: usize) -> usize {
    match std::env::var("ROUTEKIT_FUZZ_CASES") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("ROUTEKIT_FUZZ_CASES must be a whole number, got {text:?}")),
        Err(_) => default,
    }
}

/// A fixed-width field of an encoding: where it starts and how many bytes
/// it has (little-endian integers, version bytes, counts in headers).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    pub(crate) at: usize,
    pub(crate) width: usize,
}

/// What a decoder target looks like from the outside.
pub(crate) struct Target<'a> {
    /// Names the target in failure messages and seeds its cases.
    pub(crate) name: &'a str,
    /// Valid encodings to mutate; more variety finds more.
    pub(crate) seeds: &'a [Vec<u8>],
    /// Fixed-width fields of the seeds (offsets valid for every seed),
    /// set to extremes by some mutations.
    pub(crate) fields: &'a [Field],
    /// Cases run unless `ROUTEKIT_FUZZ_CASES` says otherwise.
    pub(crate) default_cases: usize,
}

/// What a run saw, for the test to assert on (a target whose mutations are
/// never accepted exercises only the refusals).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) cases: usize,
    pub(crate) accepted: usize,
}

/// Runs `target`: feeds every case to `decode`, and every input it accepts
/// (returns `Some`) to `check` with the input bytes. A panic in either
/// names the case.
pub(crate) fn run<T>(
    target: &Target<'_>,
    mut decode: impl FnMut(&[u8]) -> Option<T>,
    mut check: impl FnMut(&T, &[u8]),
) -> Outcome {
    let cases = cases(target.default_cases);
    let name_seed = target.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let mut outcome = Outcome { cases, accepted: 0 };
    for case in 0..cases {
        let mut rng = Rng::new(name_seed ^ (case as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
        let input = generate(&mut rng, target);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if let Some(value) = decode(&input) {
                check(&value, &input);
                true
            } else {
                false
            }
        }));
        match result {
            Ok(accepted) => outcome.accepted += usize::from(accepted),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                panic!(
                    "fuzz target {:?}, case {case} of {cases}: {message}\ninput ({} bytes): {:02x?}",
                    target.name,
                    input.len(),
                    &input[..input.len().min(256)]
                );
            }
        }
    }
    outcome
}

/// One case: random bytes (one in sixteen), a seed as it is (one in
/// sixteen), or a seed with one to four mutations.
pub(crate) fn generate(rng: &mut Rng, target: &Target<'_>) -> Vec<u8> {
    if target.seeds.is_empty() || rng.chance(1, 16) {
        let len = rng.below(64);
        return rng.bytes(len);
    }
    let mut bytes = rng.pick(target.seeds).clone();
    if rng.chance(1, 15) {
        return bytes;
    }
    for _ in 0..1 + rng.below(4) {
        mutate(rng, &mut bytes, target.fields);
    }
    bytes
}

/// LEB128 varints that break counts and lengths: `u32::MAX`, `u64::MAX`,
/// `2^28`, an overlong zero, and one too wide for 64 bits.
const VARINTS: [&[u8]; 5] = [
    &[0xff, 0xff, 0xff, 0xff, 0x0f],
    &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    &[0x80, 0x80, 0x80, 0x80, 0x01],
    &[0x80, 0x00],
    &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
];

/// Applies one mutation to `bytes`.
pub(crate) fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, fields: &[Field]) {
    const EXTREMES: [u64; 6] = [0, 1, 0x7f, u32::MAX as u64, u64::MAX, 1 << 40];
    let len = bytes.len();
    match rng.below(12) {
        // Flip one bit.
        0 | 1 if len > 0 => {
            let at = rng.below(len);
            bytes[at] ^= 1 << rng.below(8);
        }
        // Set a byte to an extreme or random value.
        2 if len > 0 => {
            let at = rng.below(len);
            let random = rng.next_u64() as u8;
            bytes[at] = *rng.pick(&[0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, random]);
        }
        // Truncate.
        3 if len > 0 => bytes.truncate(rng.below(len)),
        // Extend with random bytes or a copy of the tail.
        4 => {
            if rng.chance(1, 2) || len == 0 {
                let count = 1 + rng.below(16);
                let extra = rng.bytes(count);
                bytes.extend(extra);
            } else {
                let from = rng.below(len);
                let tail = bytes[from..].to_vec();
                bytes.extend(tail);
            }
        }
        // Overwrite a known field with an extreme value.
        5 | 6 if !fields.is_empty() => {
            let field = *rng.pick(fields);
            let value = *rng.pick(&EXTREMES);
            let value = if rng.chance(1, 3) { rng.next_u64() } else { value };
            for i in 0..field.width.min(8) {
                if let Some(byte) = bytes.get_mut(field.at + i) {
                    *byte = (value >> (8 * i)) as u8;
                }
            }
        }
        // Splice in a huge or overlong LEB128 varint (replacing one byte,
        // which is where a count or a length usually starts).
        7 if len > 0 => {
            let at = rng.below(len);
            let varint = VARINTS[rng.below(VARINTS.len())];
            bytes.splice(at..at + 1, varint.iter().copied());
        }
        // Change the version (or any header) byte.
        8 if len > 0 => {
            let at = if fields.is_empty() { rng.below(len.min(8)) } else { rng.pick(fields).at };
            if let Some(byte) = bytes.get_mut(at) {
                *byte = byte.wrapping_add(1 + rng.below(3) as u8);
            }
        }
        // Repeat a slice in place.
        9 if len > 1 => {
            let from = rng.below(len);
            let to = from + 1 + rng.below((len - from).min(32));
            let copy = bytes[from..to].to_vec();
            bytes.splice(to..to, copy);
        }
        // Remove a slice.
        10 if len > 1 => {
            let from = rng.below(len);
            let to = from + 1 + rng.below((len - from).min(16));
            bytes.drain(from..to);
        }
        // Swap two bytes.
        _ if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            bytes.swap(a, b);
        }
        _ => bytes.push(rng.next_u64() as u8),
    }
}

/// Asserts that `value` re-encodes to exactly `input`: a decoder accepts
/// one spelling per value.
pub(crate) fn assert_canonical(reencoded: &[u8], input: &[u8]) {
    assert!(
        reencoded == input,
        "an accepted input does not re-encode to itself:\n input: {:02x?}\noutput: {:02x?}",
        &input[..input.len().min(128)],
        &reencoded[..reencoded.len().min(128)]
    );
}
