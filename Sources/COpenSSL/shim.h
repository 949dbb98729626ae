// The system OpenSSL (libssl-dev): TLS for wss:// and SHA-1 for the
// WebSocket handshake's Sec-WebSocket-Accept.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// SSL_set_tlsext_host_name is a macro over SSL_ctrl: a function Swift can call (SNI).
static inline long collector_ssl_set_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

#endif
