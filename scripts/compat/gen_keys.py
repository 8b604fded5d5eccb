#!/usr/bin/env python3
"""Generate the shared key list used by every compat vector set.

Writes tests/data/compat/keys.txt: 5000 keys, one per line, UTF-8.

The list is fully deterministic (it is derived from SHA-256 of a counter,
not from a PRNG), so re-running this script reproduces the committed file
byte for byte.

Every key satisfies the constraints of all four systems we drive, so the
same list can be fed to each of them:

* 1..250 bytes (memcached's ASCII protocol limit, also enforced by
  libmemcached and twemproxy);
* no whitespace, no control characters, no NUL (libketama takes C strings,
  memcached keys cannot contain spaces or control characters, and TSV needs
  no tabs/newlines);
* ASCII characters limited to the set ``A-Z a-z 0-9 - . _ ~ : @ ! $ ' ( ) *
  , ; = / ?`` so that the key can be sent verbatim as the value of a URL query
  argument: nginx's ``$arg_key`` is the raw, *undecoded* argument text, so
  we never percent-encode (no ``%``), and we avoid ``&``, ``#``, ``+`` and
  space, which would end or alter the argument;
* non-ASCII keys are valid UTF-8 (Cyrillic, CJK, Greek, Hebrew, Devanagari,
  Latin-1 accents, emoji); nginx receives their bytes raw in the request
  line and hashes them unchanged.

Usage: gen_keys.py [OUTPUT]   (default: ../../tests/data/compat/keys.txt
relative to this script)
"""

import hashlib
import os
import sys

TOTAL = 5000

# ASCII characters a key may contain (see module docstring).
SAFE_PUNCT = "-._~:@!$'()*,;=/?"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def h(label, i):
    """Deterministic pseudo-random bytes for (label, i)."""
    return hashlib.sha256(f"routekit-compat/{label}/{i}".encode()).digest()


def hexs(label, i, n):
    """n hex characters derived from (label, i)."""
    out = ""
    j = 0
    while len(out) < n:
        out += h(f"{label}#{j}", i).hex()
        j += 1
    return out[:n]


def pick(seq, label, i, j=0):
    return seq[h(f"{label}@{j}", i)[0] % len(seq)]


def gen():
    keys = []

    # 1. The classic sequential form: key-0 .. key-999 (1000)
    keys += [f"key-{i}" for i in range(1000)]

    # 2. Session ids: session:<32 hex> (600)
    keys += [f"session:{hexs('session', i, 32)}" for i in range(600)]

    # 3. Bare hex of assorted lengths (600)
    lengths = [8, 16, 32, 40, 64]
    keys += [hexs("hex", i, lengths[i % len(lengths)]) for i in range(600)]

    # 4. Structured application keys (500)
    shapes = [
        lambda i: f"user:{i * 7919 % 100000}:profile",
        lambda i: f"cart/{i}/items",
        lambda i: f"obj.{hexs('obj', i, 6)}.v2",
        lambda i: f"tenant-{i % 37}/shard_{i % 11}/row={i}",
        lambda i: f"GET:/api/v1/items/{i}?page={i % 9}",
    ]
    keys += [shapes[i % len(shapes)](i) for i in range(500)]

    # 5. Plain decimal integers "0" .. "299", as in libketama's own test (300)
    keys += [str(i) for i in range(300)]

    # 6. Very short keys: the 52 single letters (single digits are already in
    #    group 5), then 148 distinct two-character keys starting with a letter (200)
    keys += [c for c in ALNUM if not c.isdigit()]
    two = []
    i = 0
    while len(two) < 148:
        k = pick(ALNUM, "two-a", i) + pick(ALNUM + SAFE_PUNCT, "two-b", i)
        if k not in two and k[0].isalpha():  # a leading letter keeps clear of group 5
            two.append(k)
        i += 1
    keys += two

    # 7. Long keys, 100..250 bytes (400)
    for i in range(400):
        n = 100 + (h("long-len", i)[0] * 256 + h("long-len", i)[1]) % 151  # 100..250
        body = f"long/{i}/"
        j = 0
        while len(body) < n:
            body += hexs("long", i * 1000 + j, 16) + pick("-._~:/", "long-sep", i, j)
            j += 1
        keys.append(body[:n].rstrip())

    # 8. Non-ASCII UTF-8 keys (600)
    unicode_shapes = [
        lambda i: f"ключ-{i}",
        lambda i: f"键{i}",
        lambda i: f"clé-{i}",
        lambda i: f"straße/{i}",
        lambda i: f"🔑{i}",
        lambda i: f"日本語キー:{i}",
        lambda i: f"ñandú-{hexs('nandu', i, 4)}",
        lambda i: f"Ελληνικά:{i}",
        lambda i: f"עברית-{i}",
        lambda i: f"हिन्दी-{i}",
        lambda i: f"emoji-😀-{i}-🚀",
        lambda i: f"mixé_Ünïcödé.{i}",
    ]
    keys += [unicode_shapes[i % len(unicode_shapes)](i // len(unicode_shapes)) for i in range(600)]

    # 9. Keys using every allowed punctuation character (800)
    punct_shapes = [
        lambda i: f"a.b.c-{i}",
        lambda i: f"x_y~{i}",
        lambda i: f"@home!{i}",
        lambda i: f"(paren)*{i}",
        lambda i: f"semi;colon={i}",
        lambda i: f"comma,{i},list",
        lambda i: f"q?{i}",
        lambda i: f"dollar${i}",
        lambda i: f"it's-{i}",
        lambda i: f"/leading/slash/{i}",
        lambda i: f"trailing.dot.{i}.",
        lambda i: f"{i}:{hexs('p', i, 5)}:{i % 3}",
        lambda i: f"~~{hexs('tt', i, 3)}~~",
        lambda i: f"mc:{i}:{'x' * (i % 20)}",
        lambda i: f"{pick(ALNUM, 'pc', i)}{pick(SAFE_PUNCT, 'pp', i)}{i}",
        lambda i: f"=eq={i}",
    ]
    keys += [punct_shapes[i % len(punct_shapes)](i // len(punct_shapes)) for i in range(800)]

    return keys


def check(keys):
    allowed_ascii = set(ALNUM + SAFE_PUNCT)
    seen = set()
    for k in keys:
        b = k.encode("utf-8")
        assert 1 <= len(b) <= 250, (k, len(b))
        for ch in k:
            if ord(ch) < 128:
                assert ch in allowed_ascii, (k, ch)
        assert k not in seen, k
        seen.add(k)
    assert len(keys) == TOTAL, len(keys)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "..", "tests", "data", "compat", "keys.txt")
    keys = gen()
    check(keys)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for k in keys:
            f.write(k + "\n")
    print(f"wrote {len(keys)} keys to {os.path.normpath(out)}")


if __name__ == "__main__":
    main()
