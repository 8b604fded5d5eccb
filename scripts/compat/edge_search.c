/*
 * edge_search.c -- brute-force helper for find_edges.py.
 *
 * Finds candidate keys "<PREFIX><i>" (i = 0, 1, 2, ...) whose 32-bit key
 * hash equals one of a given set of ring points, and prints the first WANT
 * such i, one per line.  Doing this in Python takes minutes per profile
 * (about 2^32 / npoints hashes per hit); here it takes seconds.
 *
 * Usage: edge_search md5|crc32 PREFIX WANT < POINTS
 *   POINTS: one unsigned 32-bit decimal point per line (any order)
 *   md5:   hash = first 4 bytes of MD5(key), little-endian   (ketama)
 *   crc32: hash = CRC-32/IEEE of key (zlib crc32)           (nginx)
 *
 * Build: cc -O2 -o edge_search edge_search.c -lcrypto -lz
 * Our own code.
 */
/* MD5() is deprecated in OpenSSL 3 but still provided; it is the simplest
 * and fastest one-shot call for this job. */
#define OPENSSL_API_COMPAT 0x10100000L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/md5.h>
#include <zlib.h>

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "md5") != 0 && strcmp(argv[1], "crc32") != 0)) {
        fprintf(stderr, "usage: %s md5|crc32 PREFIX WANT < POINTS\n", argv[0]);
        return 2;
    }
    int use_md5 = strcmp(argv[1], "md5") == 0;
    const char *prefix = argv[2];
    long want = atol(argv[3]);

    size_t n = 0, cap = 1024;
    uint32_t *pts = malloc(cap * sizeof *pts);
    unsigned long v;
    while (scanf("%lu", &v) == 1) {
        if (n == cap)
            pts = realloc(pts, (cap *= 2) * sizeof *pts);
        pts[n++] = (uint32_t)v;
    }
    if (n == 0) {
        fprintf(stderr, "no points on stdin\n");
        return 2;
    }
    qsort(pts, n, sizeof *pts, cmp_u32);

    char key[256];
    size_t plen = strlen(prefix);
    if (plen > 200) {
        fprintf(stderr, "prefix too long\n");
        return 2;
    }
    memcpy(key, prefix, plen);
    long found = 0;
    for (uint64_t i = 0; found < want; i++) {
        int len = (int)plen + snprintf(key + plen, sizeof key - plen, "%llu", (unsigned long long)i);
        uint32_t h;
        if (use_md5) {
            unsigned char d[MD5_DIGEST_LENGTH];
            MD5((const unsigned char *)key, (size_t)len, d);
            h = (uint32_t)d[0] | ((uint32_t)d[1] << 8) | ((uint32_t)d[2] << 16) | ((uint32_t)d[3] << 24);
        } else {
            h = (uint32_t)crc32(0L, (const Bytef *)key, (uInt)len);
        }
        if (bsearch(&h, pts, n, sizeof *pts, cmp_u32) != NULL) {
            printf("%llu\n", (unsigned long long)i);
            fflush(stdout);
            found++;
        }
    }
    free(pts);
    return 0;
}
