/*
 * ketama_driver.c -- drive the real libketama (RJ/ketama) and print
 * test vectors as TSV.  Part of routekit's compat vector generators;
 * built and run by gen_libketama.sh.  Our own code: it only calls the
 * public libketama API declared in ketama.h.
 *
 * Usage:
 *   ketama_driver lookup    SERVERS_FILE KEYS_FILE   key -> server vectors
 *   ketama_driver continuum SERVERS_FILE             the sorted continuum
 *   ketama_driver digest    STRING...                MD5 of STRING as 4 LE u32
 *   ketama_driver selftest  SERVERS_FILE             same output format as
 *       upstream's libketama/ketama_test.c (error line, then keys "0".."999999"
 *       as "<hash> <point> <server>"), so its md5sum can be compared with the
 *       value upstream's libketama/test.sh expects.
 *
 * SERVERS_FILE uses libketama's own format: "<addr>\t<weight>\n" per line,
 * '#' comments.  NOTE: libketama drops the LAST character of the weight
 * token (it assumes it is the '\n'), so every line, including the last,
 * must end in a newline and carry no trailing blanks.
 *
 * libketama keeps its continuum in SysV shared memory keyed by
 * ftok(SERVERS_FILE, 'R') and only rebuilds it when the file's mtime
 * changes.  To never read a stale continuum we call ketama_smoke() at the
 * end (it removes the segments and semaphores we created); the generator
 * script also passes a freshly written temporary copy of the server list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ketama.h"

static ketama_continuum roll_or_die(char *servers)
{
    ketama_continuum c = NULL;
    if (!ketama_roll(&c, servers)) {
        fprintf(stderr, "ketama_roll(%s) failed: %s\n", servers, ketama_error());
        exit(1);
    }
    if (c->numpoints <= 0) {
        fprintf(stderr, "empty continuum for %s: %s\n", servers, ketama_error());
        exit(1);
    }
    return c;
}

static int cmd_lookup(char *servers, const char *keys_path)
{
    ketama_continuum c = roll_or_die(servers);
    FILE *in = fopen(keys_path, "r");
    if (in == NULL) {
        perror(keys_path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    printf("key\tkey_hash\tpoint\tserver\n");
    while ((n = getline(&line, &cap, in)) != -1) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        /* ketama_hashi / ketama_get_server take a NUL-terminated string. */
        unsigned int h = ketama_hashi(line);
        mcs *m = ketama_get_server(line, c);
        printf("%s\t%u\t%u\t%s\n", line, h, m->point, m->ip);
    }
    free(line);
    fclose(in);
    ketama_smoke(c);
    return 0;
}

static int cmd_continuum(char *servers)
{
    ketama_continuum c = roll_or_die(servers);
    mcs *arr = (mcs *)c->array; /* contiguous array of numpoints mcs structs */
    printf("index\tpoint\tserver\n");
    for (int i = 0; i < c->numpoints; i++)
        printf("%d\t%u\t%s\n", i, arr[i].point, arr[i].ip);
    ketama_smoke(c);
    return 0;
}

static int cmd_digest(int argc, char **argv)
{
    printf("input\tmd5_hex\tpoint0\tpoint1\tpoint2\tpoint3\tketama_hashi\n");
    for (int a = 0; a < argc; a++) {
        unsigned char d[16];
        ketama_md5_digest(argv[a], d);
        printf("%s\t", argv[a]);
        for (int i = 0; i < 16; i++)
            printf("%02x", d[i]);
        for (int h = 0; h < 4; h++) {
            unsigned int p = (unsigned int)d[4 * h] | ((unsigned int)d[4 * h + 1] << 8) |
                             ((unsigned int)d[4 * h + 2] << 16) | ((unsigned int)d[4 * h + 3] << 24);
            printf("\t%u", p);
        }
        printf("\t%u\n", ketama_hashi(argv[a]));
    }
    return 0;
}

static int cmd_selftest(char *servers)
{
    ketama_continuum c = NULL;
    ketama_roll(&c, servers);
    printf("%s\n", ketama_error());
    char k[16];
    for (int i = 0; i < 1000000; i++) {
        snprintf(k, sizeof k, "%d", i);
        unsigned int kh = ketama_hashi(k);
        mcs *m = ketama_get_server(k, c);
        printf("%u %u %s\n", kh, m->point, m->ip);
    }
    ketama_smoke(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "lookup") == 0)
        return cmd_lookup(argv[2], argv[3]);
    if (argc >= 3 && strcmp(argv[1], "continuum") == 0)
        return cmd_continuum(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "digest") == 0)
        return cmd_digest(argc - 2, argv + 2);
    if (argc >= 3 && strcmp(argv[1], "selftest") == 0)
        return cmd_selftest(argv[2]);
    fprintf(stderr,
            "usage: %s lookup SERVERS KEYS | continuum SERVERS | digest STR... | selftest SERVERS\n",
            argv[0]);
    return 2;
}
