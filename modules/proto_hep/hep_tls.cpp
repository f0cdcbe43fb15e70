// HEP over TLS: contexts and sessions (contract in hep_tls.h).
#include "modules/proto_hep/hep_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/net/address.h"

namespace sipcapd::hep {
namespace {

std::string Lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return r;
}

// The pending OpenSSL errors of this thread as one line (and clears them).
std::string DrainErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

int VersionByName(const std::string& n) {
  if (n == "tlsv1" || n == "tlsv1_0") return TLS1_VERSION;
  if (n == "tlsv1_1") return TLS1_1_VERSION;
  if (n == "tlsv1_2") return TLS1_2_VERSION;
  if (n == "tlsv1_3") return TLS1_3_VERSION;
  return -1;
}

// Socket BIO whose writes use send(MSG_NOSIGNAL): a peer that went away
// must not raise SIGPIPE in a worker or sender thread (unit tests do not
// ignore SIGPIPE like the server does). Reads and control are the stock
// socket BIO's.
int BioWrite(BIO* b, const char* data, int len) {
  int fd = -1;
  BIO_get_fd(b, &fd);
  BIO_clear_retry_flags(b);
  ssize_t n;
  do {
    n = send(fd, data, static_cast<size_t>(len), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) BIO_set_retry_write(b);
  return static_cast<int>(n);
}

BIO_METHOD* NewBioMethod() {
  const BIO_METHOD* base = BIO_s_socket();
  BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOCKET, "hep_tls_socket");
  if (!m) return nullptr;
  BIO_meth_set_write(m, BioWrite);
  BIO_meth_set_read(m, BIO_meth_get_read(base));
  BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(base));
  BIO_meth_set_create(m, BIO_meth_get_create(base));
  BIO_meth_set_destroy(m, BIO_meth_get_destroy(base));
  return m;
}

Status CommonSetup(SSL_CTX* ctx, const TlsParams& p) {
  int minv = 0, maxv = 0;
  SIPCAPD_RETURN_IF_ERROR(ParseTlsMethod(p.method, &minv, &maxv));
  if (!SSL_CTX_set_min_proto_version(ctx, minv) || !SSL_CTX_set_max_proto_version(ctx, maxv))
    return Status::Invalid("tls_method '" + p.method + "': " + DrainErrors());
  if (!p.cipher_list.empty() && !SSL_CTX_set_cipher_list(ctx, p.cipher_list.c_str()))
    return Status::Invalid("tls_cipher_list '" + p.cipher_list + "': " + DrainErrors());
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // An agent closing its TCP connection without close_notify is normal.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  return Status::Ok();
}

Status LoadCertAndKey(SSL_CTX* ctx, const std::string& cert, const std::string& key,
                      const char* what) {
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1)
    return Status::Invalid(std::string(what) + " certificate '" + cert + "': " + DrainErrors());
  const std::string& k = key.empty() ? cert : key;
  if (SSL_CTX_use_PrivateKey_file(ctx, k.c_str(), SSL_FILETYPE_PEM) != 1)
    return Status::Invalid(std::string(what) + " private key '" + k + "': " + DrainErrors());
  if (SSL_CTX_check_private_key(ctx) != 1)
    return Status::Invalid(std::string(what) + " private key does not match the certificate '" +
                           cert + "'");
  return Status::Ok();
}

}  // namespace

Status ParseTlsMethod(std::string_view text, int* min_version, int* max_version) {
  std::string t = Lower(text);
  *min_version = 0;
  *max_version = 0;
  if (t == "sslv23" || t == "any" || t.empty()) return Status::Ok();
  size_t dash = t.find('-');
  if (dash == std::string::npos) {
    int v = VersionByName(t);
    if (v < 0) return Status::Invalid("tls_method: unknown version '" + std::string(text) + "'");
    *min_version = *max_version = v;
    return Status::Ok();
  }
  std::string lo = t.substr(0, dash), hi = t.substr(dash + 1);
  if (lo.empty() && hi.empty()) return Status::Invalid("tls_method: empty range");
  if (!lo.empty() && (*min_version = VersionByName(lo)) < 0)
    return Status::Invalid("tls_method: unknown version '" + lo + "'");
  if (!hi.empty() && (*max_version = VersionByName(hi)) < 0)
    return Status::Invalid("tls_method: unknown version '" + hi + "'");
  if (lo.empty()) *min_version = 0;
  if (hi.empty()) *max_version = 0;
  if (*min_version && *max_version && *min_version > *max_version)
    return Status::Invalid("tls_method: range '" + std::string(text) + "' is empty");
  return Status::Ok();
}

TlsContext::~TlsContext() {
  if (ctx_) SSL_CTX_free(ctx_);
  if (bio_) BIO_meth_free(bio_);
}

Result<std::shared_ptr<TlsContext>> TlsContext::CreateServer(const TlsParams& p) {
  if (p.certificate.empty())
    return Status::Invalid("hep_tls needs tls_certificate (and tls_private_key)");
  if (p.verify_client && p.ca_list.empty())
    return Status::Invalid("tls_verify_client needs tls_ca_list");
  std::shared_ptr<TlsContext> c(new TlsContext);
  c->server_ = true;
  c->verify_peer_ = p.verify_client != 0;
  c->handshake_timeout_ms_ = p.handshake_timeout;
  ERR_clear_error();
  c->ctx_ = SSL_CTX_new(TLS_server_method());
  if (!c->ctx_) return Status::Internal("SSL_CTX_new: " + DrainErrors());
  c->bio_ = NewBioMethod();
  SIPCAPD_RETURN_IF_ERROR(CommonSetup(c->ctx_, p));
  SSL_CTX_set_num_tickets(c->ctx_, 0);  // senders never resume; nothing to write after
  SIPCAPD_RETURN_IF_ERROR(LoadCertAndKey(c->ctx_, p.certificate, p.private_key, "tls"));
  if (!p.ca_list.empty()) {
    if (SSL_CTX_load_verify_locations(c->ctx_, p.ca_list.c_str(), nullptr) != 1)
      return Status::Invalid("tls_ca_list '" + p.ca_list + "': " + DrainErrors());
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(p.ca_list.c_str()))
      SSL_CTX_set_client_CA_list(c->ctx_, names);
  }
  if (p.verify_client)
    SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return c;
}

Result<std::shared_ptr<TlsContext>> TlsContext::CreateClient(const TlsParams& p) {
  std::shared_ptr<TlsContext> c(new TlsContext);
  c->verify_peer_ = p.verify_server != 0;
  c->handshake_timeout_ms_ = p.handshake_timeout;
  ERR_clear_error();
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  if (!c->ctx_) return Status::Internal("SSL_CTX_new: " + DrainErrors());
  c->bio_ = NewBioMethod();
  SIPCAPD_RETURN_IF_ERROR(CommonSetup(c->ctx_, p));
  const std::string& cert = p.client_certificate.empty() ? p.certificate : p.client_certificate;
  const std::string& key = p.client_certificate.empty() ? p.private_key : p.client_private_key;
  if (!cert.empty()) {
    SIPCAPD_RETURN_IF_ERROR(LoadCertAndKey(c->ctx_, cert, key, "tls client"));
    c->has_cert_ = true;
  }
  if (p.verify_server) {
    int ok = p.ca_list.empty() ? SSL_CTX_set_default_verify_paths(c->ctx_)
                               : SSL_CTX_load_verify_locations(c->ctx_, p.ca_list.c_str(), nullptr);
    if (ok != 1) return Status::Invalid("tls_ca_list '" + p.ca_list + "': " + DrainErrors());
    SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER, nullptr);
  }
  return c;
}

namespace {
Result<SSL*> NewSsl(const TlsContext& ctx, int fd) {
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx.get());
  if (!ssl) return Status::Internal("SSL_new: " + DrainErrors());
  BIO* bio = BIO_new(ctx.bio_method() ? ctx.bio_method() : BIO_s_socket());
  if (!bio) {
    SSL_free(ssl);
    return Status::Internal("BIO_new: " + DrainErrors());
  }
  BIO_set_fd(bio, fd, BIO_NOCLOSE);
  SSL_set_bio(ssl, bio, bio);
  return ssl;
}
}  // namespace

Result<std::unique_ptr<TlsSession>> TlsSession::Accept(const TlsContext& ctx, int fd) {
  auto ssl = NewSsl(ctx, fd);
  if (!ssl.ok()) return ssl.status();
  SSL_set_accept_state(ssl.value());
  return std::unique_ptr<TlsSession>(new TlsSession(ssl.value()));
}

Result<std::unique_ptr<TlsSession>> TlsSession::Connect(const TlsContext& ctx, int fd,
                                                        const std::string& host) {
  auto ssl = NewSsl(ctx, fd);
  if (!ssl.ok()) return ssl.status();
  SSL* s = ssl.value();
  std::unique_ptr<TlsSession> session(new TlsSession(s));
  bool is_ip = IpAddr::Parse(host).has_value();
  if (!is_ip && !host.empty()) SSL_set_tlsext_host_name(s, host.c_str());
  if (ctx.verify_peer() && !host.empty()) {
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), host.c_str())
                   : SSL_set1_host(s, host.c_str());
    if (ok != 1) return Status::Invalid("tls: cannot check the certificate against '" + host + "'");
  }
  SSL_set_connect_state(s);
  return session;
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

TlsIo TlsSession::MapResult(int rc) {
  int e = SSL_get_error(ssl_, rc);
  switch (e) {
    case SSL_ERROR_WANT_READ: return TlsIo::kWantRead;
    case SSL_ERROR_WANT_WRITE: return TlsIo::kWantWrite;
    case SSL_ERROR_ZERO_RETURN: return TlsIo::kClosed;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) {
        if (errno == 0) return TlsIo::kClosed;  // EOF
        failure_ = TlsFailure::kIo;
        error_ = strerror(errno);
        return TlsIo::kError;
      }
      break;
    default: break;
  }
  failure_ = TlsFailure::kProtocol;
  unsigned long first = ERR_peek_error();
  int reason = ERR_GET_REASON(first);
  if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
    failure_ = TlsFailure::kPeerCertMissing;
  } else if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    failure_ = TlsFailure::kPeerCertInvalid;
  }
  error_ = DrainErrors();
  if (failure_ == TlsFailure::kPeerCertInvalid)
    error_ += std::string(" (") + X509_verify_cert_error_string(SSL_get_verify_result(ssl_)) + ")";
  return TlsIo::kError;
}

TlsIo TlsSession::Handshake() {
  ERR_clear_error();
  errno = 0;
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) return TlsIo::kOk;
  TlsIo r = MapResult(rc);
  if (r == TlsIo::kClosed) {  // EOF in the middle of a handshake is a failure
    failure_ = TlsFailure::kIo;
    error_ = "connection closed during the handshake";
    return TlsIo::kError;
  }
  return r;
}

TlsIo TlsSession::Read(void* buf, size_t len, size_t* n) {
  ERR_clear_error();
  errno = 0;
  *n = 0;
  if (SSL_read_ex(ssl_, buf, len, n) == 1) return TlsIo::kOk;
  return MapResult(0);
}

TlsIo TlsSession::Write(const void* buf, size_t len, size_t* n) {
  ERR_clear_error();
  errno = 0;
  *n = 0;
  if (SSL_write_ex(ssl_, buf, len, n) == 1) return TlsIo::kOk;
  return MapResult(0);
}

bool TlsSession::pending() const { return SSL_pending(ssl_) > 0; }

bool TlsSession::tls13() const { return SSL_version(ssl_) == TLS1_3_VERSION; }

void TlsSession::Close() {
  if (failure_ == TlsFailure::kNone && SSL_is_init_finished(ssl_)) {
    ERR_clear_error();
    SSL_shutdown(ssl_);
    ERR_clear_error();
  }
}

std::string TlsSession::Describe() const {
  std::string s = std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
  if (X509* peer = SSL_get1_peer_certificate(ssl_)) {
    char name[256];
    X509_NAME_oneline(X509_get_subject_name(peer), name, sizeof(name));
    s += std::string(" peer=") + name;
    X509_free(peer);
  }
  return s;
}

}  // namespace sipcapd::hep
