// The system OpenSSL (libssl-dev): TLS for https:// and wss://, SHA-1 for the
// WebSocket handshake's Sec-WebSocket-Accept.
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// SSL_set_tlsext_host_name is a macro over SSL_ctrl: a function Swift can call (SNI).
static inline long collector_ssl_set_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

// SSL_CTX_set_mode is a macro too. Partial writes and a moving write buffer
// let a non-blocking SSL_write be retried with what is left, from a new
// buffer address.
static inline void collector_ssl_ctx_set_nonblocking_modes(SSL_CTX *context) {
    SSL_CTX_set_mode(context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

// A server that closes the TCP connection without close_notify is common;
// HTTP's own framing (Content-Length, chunked) tells a cut-off body.
static inline void collector_ssl_ctx_ignore_unexpected_eof(SSL_CTX *context) {
    SSL_CTX_set_options(context, SSL_OP_IGNORE_UNEXPECTED_EOF);
}

// A socket BIO that writes with MSG_NOSIGNAL. OpenSSL's own socket BIO uses
// write(2), which raises SIGPIPE (and kills the process by default) when
// the peer has gone; a library must not change the process's signal
// handling, so the flag is set per call instead. The descriptor is the BIO's data.
static inline int collector_bio_fd(BIO *bio) { return (int)(intptr_t)BIO_get_data(bio); }

static inline int collector_bio_write(BIO *bio, const char *data, int length) {
    BIO_clear_retry_flags(bio);
    ssize_t written = send(collector_bio_fd(bio), data, (size_t)length, MSG_NOSIGNAL);
    if (written < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(bio);
        return -1;
    }
    return (int)written;
}

static inline int collector_bio_read(BIO *bio, char *data, int length) {
    BIO_clear_retry_flags(bio);
    ssize_t received = recv(collector_bio_fd(bio), data, (size_t)length, 0);
    if (received < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(bio);
        return -1;
    }
    return (int)received;
}

static inline int collector_bio_puts(BIO *bio, const char *text) {
    return collector_bio_write(bio, text, (int)strlen(text));
}

static inline long collector_bio_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)bio;
    (void)number;
    (void)pointer;
    // The socket has no buffer of its own to flush; other controls do not apply.
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

static inline int collector_bio_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

/// A new method table for the BIO above (create it once, keep it for the process).
static inline BIO_METHOD *collector_bio_method_new(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "collector socket");
    if (method == NULL) return NULL;
    BIO_meth_set_write(method, collector_bio_write);
    BIO_meth_set_read(method, collector_bio_read);
    BIO_meth_set_puts(method, collector_bio_puts);
    BIO_meth_set_ctrl(method, collector_bio_ctrl);
    BIO_meth_set_create(method, collector_bio_create);
    return method;
}

/// A BIO over socket `fd` (which the BIO does not own: the caller closes it).
static inline BIO *collector_bio_new_socket(BIO_METHOD *method, int fd) {
    BIO *bio = BIO_new(method);
    if (bio != NULL) BIO_set_data(bio, (void *)(intptr_t)fd);
    return bio;
}

#endif
