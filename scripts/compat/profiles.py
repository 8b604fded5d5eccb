#!/usr/bin/env python3
"""The vector sets ("profiles") and how to read their server lists.

Each profile names the system that produced it and the server-list file
under tests/data/compat/servers/ that was fed to that system verbatim.
``model_lookup()`` answers, from model.py, which server a key should map
to; find_edges.py and verify.py use it.
"""

import os
import re

import model

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "data", "compat"))

PROFILES = {
    # name: (system, server file, extra)
    "libketama-lan5": ("libketama", "libketama-lan5.servers", None),
    "libketama-upstream8": ("libketama", "libketama-upstream8.servers", None),
    "libmemcached-lan5": ("libmemcached", "libmemcached-lan5.servers.tsv", None),
    "libmemcached-loop6": ("libmemcached", "libmemcached-loop6.servers.tsv", None),
    "twemproxy-loop6": ("twemproxy", "twemproxy-loop6.yml", None),
    "twemproxy-loop6-named": ("twemproxy", "twemproxy-loop6-named.yml", None),
    "nginx-chash": ("nginx-chash", "nginx-hash.conf", "chash"),
    "nginx-hash": ("nginx-hash", "nginx-hash.conf", "plainhash"),
}


def data_path(*parts):
    return os.path.join(DATA, *parts)


def servers_path(profile):
    return data_path("servers", PROFILES[profile][1])


# --------------------------------------------------------------------------
# server-list readers

def read_libketama_servers(path):
    """libketama format: "addr<TAB>weight\\n", '#' comments."""
    out = []
    with open(path) as f:
        for line in f:
            if len(line) < 2 or line.startswith("#"):
                continue
            addr, weight = line.split()
            out.append((addr, int(weight)))
    return out


def read_libmemcached_servers(path):
    """TSV with header host, port, weight."""
    out = []
    with open(path) as f:
        next(f)
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            host, port, weight = line.rstrip("\n").split("\t")
            out.append((host, int(port), int(weight)))
    return out


def read_twemproxy_servers(path):
    """The `servers:` list of our nutcracker YAML: "- host:port:weight [name]"."""
    out = []
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*-\s+([^\s:]+):(\d+):(\d+)(?:\s+(\S+))?\s*$", line)
            if m:
                out.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)))
    return out


def read_nginx_upstream(path, upstream):
    """(server string as written, weight) for each `server` line of the
    named upstream block.  Every name used in our config resolves to exactly
    one address, so one line == one peer."""
    out = []
    inside = False
    with open(path) as f:
        for line in f:
            s = line.split("#", 1)[0].strip()
            if s.startswith(f"upstream {upstream} "):
                inside = True
                continue
            if inside and s == "}":
                break
            if inside and s.startswith("server "):
                m = re.match(r"^server\s+(\S+?)(?:\s+weight=(\d+))?\s*;$", s)
                if not m:
                    raise ValueError(f"unsupported server line: {s}")
                out.append((m.group(1), int(m.group(2) or 1)))
    if not out:
        raise ValueError(f"upstream {upstream} not found in {path}")
    return out


# --------------------------------------------------------------------------
# model per profile

class ModelProfile:
    def __init__(self, name):
        self.name = name
        self.system, _, self.extra = PROFILES[name]
        path = servers_path(name)
        self.ring = None
        if self.system == "libketama":
            self.servers = read_libketama_servers(path)
            self.ring = model.libketama_ring(self.servers)
            self.key_hash = model.libketama_hash
        elif self.system == "libmemcached":
            self.servers = read_libmemcached_servers(path)
            self.ring = model.libmemcached_ring(self.servers)
            self.key_hash = model.md5_key_hash
        elif self.system == "twemproxy":
            self.servers = read_twemproxy_servers(path)
            self.ring = model.twemproxy_ring(self.servers)
            self.key_hash = model.md5_key_hash
        elif self.system == "nginx-chash":
            self.servers = read_nginx_upstream(path, self.extra)
            self.ring = model.nginx_chash_ring(self.servers)
            self.key_hash = model.crc32
        elif self.system == "nginx-hash":
            self.servers = read_nginx_upstream(path, self.extra)
            self.key_hash = model.crc32
        else:
            raise ValueError(self.system)

    def lookup(self, key):
        """key: bytes -> server label (str), as the vectors spell it."""
        if self.system == "nginx-hash":
            return model.nginx_hash_lookup(self.servers, key)
        return self.ring.first_at_or_after(self.key_hash(key))[0]
