/*
 * ketama_md5_shim.c -- Deutsch-style md5_init/md5_append/md5_finish on top
 * of OpenSSL EVP, so that libketama's ketama.c can be compiled without its
 * bundled md5.c.  See ketama_md5_shim.h.  Our own code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>

#include "md5.h" /* gen_libketama.sh copies ketama_md5_shim.h to md5.h */

static void die(const char *what)
{
    fprintf(stderr, "ketama_md5_shim: %s failed\n", what);
    exit(2);
}

void md5_init(md5_state_t *pms)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        die("EVP_MD_CTX_new");
    if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1)
        die("EVP_DigestInit_ex(md5)");
    pms->evp_ctx = ctx;
}

void md5_append(md5_state_t *pms, const md5_byte_t *data, int nbytes)
{
    if (nbytes > 0 && EVP_DigestUpdate((EVP_MD_CTX *)pms->evp_ctx, data, (size_t)nbytes) != 1)
        die("EVP_DigestUpdate");
}

void md5_finish(md5_state_t *pms, md5_byte_t digest[16])
{
    unsigned int len = 0;
    if (EVP_DigestFinal_ex((EVP_MD_CTX *)pms->evp_ctx, digest, &len) != 1 || len != 16)
        die("EVP_DigestFinal_ex");
    EVP_MD_CTX_free((EVP_MD_CTX *)pms->evp_ctx);
    pms->evp_ctx = NULL;
}
