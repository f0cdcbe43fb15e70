// HEP over TLS (OpenSSL): the parameters, a context per role (the hep_tls
// listener's server context, the senders' client context) and a
// non-blocking session wrapper used by the hep_tls listener
// (hep_tcp_listener.cpp, which owns the reactor and the HEPv3 framing) and
// by HepSender (transport=tls).
//
// TlsContext is immutable after Create*() and may be shared by any number
// of threads. A TlsSession belongs to one thread at a time; it never blocks:
// every call returns kWantRead / kWantWrite when the socket is not ready,
// and the caller waits (epoll or poll) and calls again.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/base/status.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct bio_method_st BIO_METHOD;

namespace sipcapd::hep {

// proto_hep modparams tls_* (doc/modules/proto_hep.md, "TLS").
struct TlsParams {
  std::string certificate;                 // PEM chain file; required by a hep_tls listener
  std::string private_key;                 // PEM key file (unencrypted)
  std::string ca_list;                     // PEM file of trusted CAs (client / server verification)
  std::string method = "TLSv1_2-TLSv1_3";  // one version, or "MIN-MAX", or "SSLv23"
  std::string cipher_list;                 // OpenSSL cipher list (TLS <= 1.2); empty: default
  int verify_client = 0;                   // 1: the listener requires a valid client cert
  int verify_server = 0;           // 1: senders verify the collector's cert chain and name/IP
  int handshake_timeout = 5000;    // ms, listener and sender
  std::string client_certificate;  // sender's own cert; empty: `certificate`
  std::string client_private_key;  // sender's own key; empty: `private_key`
};

// "TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3" (exactly that version),
// "TLSv1_2-TLSv1_3" (a range, either end may be empty: "TLSv1_2-"),
// "SSLv23" / "any" (OpenSSL's default range). Case-insensitive. Writes
// OpenSSL version numbers, 0 meaning "no bound". Pure.
Status ParseTlsMethod(std::string_view text, int* min_version, int* max_version);

class TlsContext {
 public:
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The listener's context: certificate + key required; with verify_client
  // a client certificate signed by ca_list is required (ca_list required).
  static Result<std::shared_ptr<TlsContext>> CreateServer(const TlsParams& p);
  // The senders' context: presents client_certificate (or certificate) when
  // one is configured; with verify_server checks the chain against ca_list
  // (or the system store when ca_list is empty) and the destination's name
  // or IP address against the certificate.
  static Result<std::shared_ptr<TlsContext>> CreateClient(const TlsParams& p);

  SSL_CTX* get() const { return ctx_; }
  bool server() const { return server_; }
  bool verify_peer() const { return verify_peer_; }
  int handshake_timeout_ms() const { return handshake_timeout_ms_; }
  BIO_METHOD* bio_method() const { return bio_; }     // socket BIO, writes without SIGPIPE
  bool has_certificate() const { return has_cert_; }  // we present a certificate

 private:
  TlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
  BIO_METHOD* bio_ = nullptr;
  bool server_ = false;
  bool verify_peer_ = false;
  bool has_cert_ = false;
  int handshake_timeout_ms_ = 5000;
};

enum class TlsIo { kOk, kWantRead, kWantWrite, kClosed, kError };

// Why a handshake failed (for counters and the log line).
enum class TlsFailure {
  kNone,
  kPeerCertMissing,  // we required a certificate and the peer sent none
  kPeerCertInvalid,  // the peer's certificate did not verify (reason in error())
  kProtocol,         // anything else TLS-level (versions, ciphers, not TLS ...)
  kIo,               // the socket failed or the peer went away
};

class TlsSession {
 public:
  // The session does not own `fd`. `host` (client only): SNI when it is a
  // name; checked against the certificate when the context verifies peers.
  static Result<std::unique_ptr<TlsSession>> Accept(const TlsContext& ctx, int fd);
  static Result<std::unique_ptr<TlsSession>> Connect(const TlsContext& ctx, int fd,
                                                     const std::string& host);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  TlsIo Handshake();  // kOk once complete
  // `*n` bytes were read / written when kOk. Read: kClosed on close_notify
  // or EOF. Write may be partial; retry the rest with the same data.
  TlsIo Read(void* buf, size_t len, size_t* n);
  TlsIo Write(const void* buf, size_t len, size_t* n);
  bool pending() const;  // decrypted bytes buffered inside OpenSSL
  bool tls13() const;    // the negotiated version is TLS 1.3
  void Close();          // best-effort close_notify (never waits)

  TlsFailure failure() const { return failure_; }
  const std::string& error() const { return error_; }
  // "TLSv1.3 TLS_AES_256_GCM_SHA384 peer=CN=..." after the handshake.
  std::string Describe() const;

 private:
  explicit TlsSession(SSL* ssl) : ssl_(ssl) {}
  TlsIo MapResult(int rc);  // maps SSL_get_error, sets failure_/error_
  SSL* ssl_;
  TlsFailure failure_ = TlsFailure::kNone;
  std::string error_;
};

// True when `b` (the first byte a client sent) starts a TLS record
// (handshake content type 0x16).
inline bool LooksLikeTls(uint8_t b) { return b == 0x16; }
// True when `b` starts plain HEP: "HEP3" / "EEP1" (v3) or 0x01 / 0x02 (v1/v2).
inline bool LooksLikePlainHep(uint8_t b) { return b == 'H' || b == 'E' || b == 1 || b == 2; }

}  // namespace sipcapd::hep
