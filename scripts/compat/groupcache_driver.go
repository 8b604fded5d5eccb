// groupcache_driver.go -- ask Debian's groupcache consistenthash (package
// golang-github-golang-groupcache-dev) where keys go, and print test
// vectors as TSV.  Part of routekit's compat vector generators; run by
// gen_groupcache.sh in GOPATH mode against /usr/share/gocode.
//
// Usage:
//   groupcache_driver lookup REPLICAS SERVERS KEYS   key, key_hash, server
//   groupcache_driver points REPLICAS SERVERS        the Map's sorted points and owners
//
// SERVERS: one server name per line, added with one Map.Add call in that
// order (the order decides who owns a point two servers share: the last).
// KEYS: one key per line; an empty line is the empty key.
// The hash is the package default (crc32.ChecksumIEEE).
package main

import (
	"bufio"
	"fmt"
	"hash/crc32"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/golang/groupcache/consistenthash"
)

func lines(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	text := strings.TrimSuffix(string(data), "\n")
	return strings.Split(text, "\n")
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: groupcache_driver lookup REPLICAS SERVERS KEYS | points REPLICAS SERVERS")
		os.Exit(2)
	}
	replicas, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	servers := lines(os.Args[3])
	m := consistenthash.New(replicas, nil)
	m.Add(servers...)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	switch os.Args[1] {
	case "lookup":
		fmt.Fprintln(out, "key\tkey_hash\tserver")
		for _, key := range lines(os.Args[4]) {
			fmt.Fprintf(out, "%s\t%d\t%s\n", key, crc32.ChecksumIEEE([]byte(key)), m.Get(key))
		}
	case "points":
		// The Map's sorted keys and its hashMap are unexported; reflect
		// reads them (read-only) so the dump is the library's own: every
		// entry of keys, duplicates included, with the server hashMap
		// gives it.
		v := reflect.ValueOf(m).Elem()
		keys, owners := v.FieldByName("keys"), v.FieldByName("hashMap")
		fmt.Fprintln(out, "index\tpoint\tserver")
		for i := 0; i < keys.Len(); i++ {
			point := keys.Index(i).Int()
			owner := owners.MapIndex(reflect.ValueOf(int(point))).String()
			fmt.Fprintf(out, "%d\t%d\t%s\n", i, point, owner)
		}
	default:
		os.Exit(2)
	}
}
