/*
 * memc_driver.c -- ask the system libmemcached where keys go under
 * weighted ketama, and print test vectors as TSV.  Part of routekit's
 * compat vector generators; built and run by gen_libmemcached.sh.
 *
 * No memcached server is contacted: memcached_server_by_key() and
 * memcached_generate_hash() only consult the continuum that libmemcached
 * builds when servers are added.
 *
 * Usage:
 *   memc_driver lookup    SERVERS_TSV KEYS_FILE   key -> server vectors
 *   memc_driver continuum SERVERS_TSV             the sorted continuum
 *   memc_driver info      SERVERS_TSV             library version, behaviors
 *
 * SERVERS_TSV: a header line, then "host<TAB>port<TAB>weight" per server,
 * in the order the servers are added (the order is significant: it is the
 * server index used for tie-breaking between equal points).
 *
 * Configuration, exactly:
 *   memc = memcached_create(NULL);
 *   memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
 *       (this also sets the key hash and the distribution hash to
 *        MEMCACHED_HASH_MD5 and the distribution to
 *        MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED)
 *   memcached_server_add_with_weight(memc, host, port, weight)  per server
 * All other behaviors keep their defaults (no SORT_HOSTS, no
 * AUTO_EJECT_HOSTS, no namespace).
 *
 * With MEMC_DISTRIBUTION=ketama in the environment the client is the
 * unweighted one instead (gen_libmemcached_unweighted.sh):
 *   memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
 *   memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
 *                          MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
 *       (the hashes stay MD5; weighting is off again)
 *   memcached_server_add(memc, host, port)  per server (weight column 0)
 * and the driver checks that KETAMA_WEIGHTED reads 0 after the servers
 * are added.  A server of weight 2 or more, added with
 * memcached_server_add_with_weight, would turn weighting back on: the
 * "trap" command shows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include <libmemcached/memcached.h>

/*
 * The continuum items are private to libmemcached (src/libmemcached/
 * continuum.hpp: struct memcached_continuum_item_st { uint32_t index;
 * uint32_t value; }).  memcached_st exposes a pointer to them in its public
 * struct (libmemcached-1.0/struct/memcached.h, member "ketama").  We mirror
 * the two-field layout only to *print* the continuum; cmd_continuum checks
 * that what it reads is sorted and consistent.
 */
struct continuum_item_mirror {
    uint32_t index;
    uint32_t value;
};

#define MAX_SERVERS 64

struct server {
    char host[256];
    unsigned port;
    unsigned weight;
};

static int load_servers(const char *path, struct server *out)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    char line[512];
    int n = 0;
    if (fgets(line, sizeof line, f) == NULL) { /* header */
        fprintf(stderr, "%s: empty\n", path);
        exit(1);
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '\n' || line[0] == '#')
            continue;
        if (n == MAX_SERVERS) {
            fprintf(stderr, "%s: too many servers\n", path);
            exit(1);
        }
        if (sscanf(line, "%255[^\t]\t%u\t%u", out[n].host, &out[n].port, &out[n].weight) != 3) {
            fprintf(stderr, "%s: bad line: %s", path, line);
            exit(1);
        }
        n++;
    }
    fclose(f);
    return n;
}

static int unweighted(void)
{
    const char *mode = getenv("MEMC_DISTRIBUTION");
    return mode != NULL && strcmp(mode, "ketama") == 0;
}

static memcached_st *make_client(const char *servers_path, struct server *list, int *count)
{
    *count = load_servers(servers_path, list);
    memcached_st *memc = memcached_create(NULL);
    if (memc == NULL) {
        fprintf(stderr, "memcached_create failed\n");
        exit(1);
    }
    memcached_return_t rc = memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
    if (rc != MEMCACHED_SUCCESS) {
        fprintf(stderr, "KETAMA_WEIGHTED: %s\n", memcached_strerror(memc, rc));
        exit(1);
    }
    if (unweighted()) {
        rc = memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION,
                                    MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
        if (rc != MEMCACHED_SUCCESS) {
            fprintf(stderr, "DISTRIBUTION: %s\n", memcached_strerror(memc, rc));
            exit(1);
        }
    }
    for (int i = 0; i < *count; i++) {
        if (list[i].weight == 0)
            rc = memcached_server_add(memc, list[i].host, (in_port_t)list[i].port);
        else
            rc = memcached_server_add_with_weight(memc, list[i].host, (in_port_t)list[i].port,
                                                  list[i].weight);
        if (rc != MEMCACHED_SUCCESS) {
            fprintf(stderr, "server_add %s:%u: %s\n", list[i].host, list[i].port,
                    memcached_strerror(memc, rc));
            exit(1);
        }
    }
    /* Fail loudly if the configuration is not what the vectors claim. */
    if (unweighted()) {
        if (memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED) != 0 ||
            memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_HASH) != MEMCACHED_HASH_MD5 ||
            memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION) !=
                MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA ||
            memcached_server_count(memc) != (uint32_t)*count) {
            fprintf(stderr, "unexpected libmemcached configuration (unweighted)\n");
            exit(1);
        }
        return memc;
    }
    if (memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED) != 1 ||
        memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_HASH) != MEMCACHED_HASH_MD5 ||
        memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_KETAMA_HASH) != MEMCACHED_HASH_MD5 ||
        memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_DISTRIBUTION) !=
            MEMCACHED_DISTRIBUTION_CONSISTENT_WEIGHTED ||
        memcached_server_count(memc) != (uint32_t)*count) {
        fprintf(stderr, "unexpected libmemcached configuration\n");
        exit(1);
    }
    return memc;
}

static int cmd_lookup(const char *servers_path, const char *keys_path)
{
    struct server list[MAX_SERVERS];
    int count;
    memcached_st *memc = make_client(servers_path, list, &count);

    FILE *in = fopen(keys_path, "r");
    if (in == NULL) {
        perror(keys_path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    printf("key\tkey_hash\tserver_index\tserver\n");
    while ((n = getline(&line, &cap, in)) != -1) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        uint32_t h = memcached_generate_hash_value(line, (size_t)n, MEMCACHED_HASH_MD5);
        uint32_t idx = memcached_generate_hash(memc, line, (size_t)n);
        memcached_return_t rc;
        const memcached_instance_st *inst = memcached_server_by_key(memc, line, (size_t)n, &rc);
        if (inst == NULL || rc != MEMCACHED_SUCCESS) {
            fprintf(stderr, "server_by_key(%s): %s\n", line, memcached_strerror(memc, rc));
            return 1;
        }
        const char *name = memcached_server_name(inst);
        unsigned port = memcached_server_port(inst);
        /* Both APIs must agree on the chosen server. */
        if (idx >= (uint32_t)count || strcmp(name, list[idx].host) != 0 || port != list[idx].port) {
            fprintf(stderr, "server_by_key and generate_hash disagree for %s\n", line);
            return 1;
        }
        printf("%s\t%u\t%u\t%s:%u\n", line, h, idx, name, port);
    }
    free(line);
    fclose(in);
    memcached_free(memc);
    return 0;
}

static int cmd_continuum(const char *servers_path)
{
    struct server list[MAX_SERVERS];
    int count;
    memcached_st *memc = make_client(servers_path, list, &count);

    const struct continuum_item_mirror *items =
        (const struct continuum_item_mirror *)memc->ketama.continuum;
    uint32_t npoints = memc->ketama.continuum_points_counter;
    if (items == NULL || npoints == 0) {
        fprintf(stderr, "no continuum\n");
        return 1;
    }
    printf("index\tpoint\tserver_index\tserver\n");
    for (uint32_t i = 0; i < npoints; i++) {
        if (items[i].index >= (uint32_t)count || (i > 0 && items[i].value < items[i - 1].value)) {
            fprintf(stderr, "continuum layout check failed at %u\n", i);
            return 1;
        }
        printf("%u\t%u\t%u\t%s:%u\n", i, items[i].value, items[i].index, list[items[i].index].host,
               list[items[i].index].port);
    }
    memcached_free(memc);
    return 0;
}

static int cmd_info(const char *servers_path)
{
    struct server list[MAX_SERVERS];
    int count;
    memcached_st *memc = make_client(servers_path, list, &count);
    printf("libmemcached_header_version\t%s\n", LIBMEMCACHED_VERSION_STRING);
    printf("libmemcached_lib_version\t%s\n", memcached_lib_version());
    printf("distribution\t%s\n",
           libmemcached_string_distribution(memcached_behavior_get_distribution(memc)));
    printf("key_hash\t%s\n", libmemcached_string_hash(memcached_behavior_get_key_hash(memc)));
    printf("servers\t%d\n", count);
    printf("continuum_points\t%u\n", memc->ketama.continuum_points_counter);
    memcached_free(memc);
    return 0;
}

/* The trap: an unweighted client, then one more server of weight 2. */
static int cmd_trap(const char *servers_path)
{
    struct server list[MAX_SERVERS];
    int count;
    memcached_st *memc = make_client(servers_path, list, &count);
    printf("before\tketama_weighted=%lu\tpoints=%u\n",
           (unsigned long)memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED),
           memc->ketama.continuum_points_counter);
    memcached_return_t rc = memcached_server_add_with_weight(memc, "127.0.0.9", 11211, 2);
    if (rc != MEMCACHED_SUCCESS) {
        fprintf(stderr, "server_add: %s\n", memcached_strerror(memc, rc));
        return 1;
    }
    printf("after_weight_2\tketama_weighted=%lu\tpoints=%u\n",
           (unsigned long)memcached_behavior_get(memc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED),
           memc->ketama.continuum_points_counter);
    memcached_free(memc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "trap") == 0)
        return cmd_trap(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "lookup") == 0)
        return cmd_lookup(argv[2], argv[3]);
    if (argc >= 3 && strcmp(argv[1], "continuum") == 0)
        return cmd_continuum(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "info") == 0)
        return cmd_info(argv[2]);
    fprintf(stderr, "usage: %s lookup SERVERS KEYS | continuum SERVERS | info SERVERS\n", argv[0]);
    return 2;
}
