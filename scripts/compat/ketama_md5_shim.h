/*
 * ketama_md5_shim.h -- part of routekit's compat vector generators.
 *
 * libketama (RJ/ketama, libketama/ketama.c) includes "md5.h" and calls the
 * L. Peter Deutsch MD5 API: md5_state_t, md5_init(), md5_append() and
 * md5_finish().  Upstream ships that implementation as libketama/md5.c and
 * md5.h.  When those two files are not available, gen_libketama.sh copies
 * this header to the build directory as "md5.h" and links
 * ketama_md5_shim.c, which provides the same four names on top of
 * OpenSSL's EVP MD5.  MD5 is MD5: the digests are identical, so the
 * continuum and lookups do not depend on which implementation is linked.
 * (gen_libketama.sh checks this with libketama's own self-test.)
 *
 * This file is our own code; it contains nothing from libketama.
 */
#ifndef ROUTEKIT_KETAMA_MD5_SHIM_H
#define ROUTEKIT_KETAMA_MD5_SHIM_H

typedef unsigned char md5_byte_t; /* 8-bit byte */
typedef unsigned int md5_word_t;  /* 32-bit word */

typedef struct md5_state_s {
    void *evp_ctx; /* EVP_MD_CTX*, kept opaque so callers need no OpenSSL headers */
} md5_state_t;

#ifdef __cplusplus
extern "C" {
#endif

void md5_init(md5_state_t *pms);
void md5_append(md5_state_t *pms, const md5_byte_t *data, int nbytes);
void md5_finish(md5_state_t *pms, md5_byte_t digest[16]);

#ifdef __cplusplus
}
#endif

#endif /* ROUTEKIT_KETAMA_MD5_SHIM_H */
