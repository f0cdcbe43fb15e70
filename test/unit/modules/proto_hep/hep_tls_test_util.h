// Helpers for the hep_tls unit tests: a throwaway PKI generated at test
// time with the openssl CLI in a temp dir (no private key is committed),
// a blocking OpenSSL test client, and stderr capture to check log lines.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/base/log.h"
#include "core/net/address.h"
#include "modules/proto_hep/hep_service.h"
#include "modules/proto_hep/hep_tcp_listener.h"
#include "modules/proto_hep/hep_tls.h"
#include "test/unit/modules/proto_hep/hep_listener_test_util.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep::tlstest {

// ca.crt/key signs server.crt (CN=localhost, SAN localhost, 127.0.0.1, ::1)
// and client.crt; other-ca.crt signs rogue.crt (a client the listener must
// reject). Created once per test binary; Ok() is false when openssl failed.
class Pki {
 public:
  static const Pki& Get() {
    static Pki p;
    return p;
  }
  bool Ok() const { return ok_; }
  std::string Path(const std::string& f) const { return dir_ + "/" + f; }
  const std::string& error() const { return error_; }

 private:
  Pki() {
    char tmpl[] = "/tmp/hep_tls_test.XXXXXX";
    if (!mkdtemp(tmpl)) return;
    dir_ = tmpl;
    std::ofstream(Path("san.ext")) << "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                                   << "extendedKeyUsage=serverAuth,clientAuth\n";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    ok_ =
        Run("req -x509" + ec + "-keyout ca.key -out ca.crt -days 2 -subj /CN=hep-test-ca") &&
        Run("req -x509" + ec + "-keyout other-ca.key -out other-ca.crt -days 2 -subj /CN=other") &&
        Leaf("server", "localhost", "ca") && Leaf("client", "hep-agent", "ca") &&
        Leaf("rogue", "rogue-agent", "other-ca");
  }
  ~Pki() {
    if (!dir_.empty() && std::system(("rm -rf '" + dir_ + "'").c_str()) != 0) {
    }
  }
  bool Leaf(const std::string& name, const std::string& cn, const std::string& ca) {
    return Run("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + name +
               ".key -out " + name + ".csr -subj /CN=" + cn) &&
           Run("x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca +
               ".key -CAcreateserial -out " + name + ".crt -days 2 -extfile san.ext");
  }
  bool Run(const std::string& args) {
    std::string cmd = "cd '" + dir_ + "' && openssl " + args + " >>openssl.log 2>&1";
    if (std::system(cmd.c_str()) == 0) return true;
    std::ifstream f(Path("openssl.log"));
    std::stringstream ss;
    ss << f.rdbuf();
    error_ = "openssl " + args + " failed: " + ss.str();
    return false;
  }
  std::string dir_, error_;
  bool ok_ = false;
};

// Captures everything written to fd 2 (the log sink) while alive.
class StderrCapture {
 public:
  StderrCapture() {
    Log::UseStderr(true);
    char tmpl[] = "/tmp/hep_tls_log.XXXXXX";
    fd_ = mkstemp(tmpl);
    path_ = tmpl;
    fflush(stderr);
    saved_ = dup(2);
    dup2(fd_, 2);
  }
  ~StderrCapture() {
    Restore();
    close(fd_);
    unlink(path_.c_str());
  }
  std::string Text() const {
    std::ifstream f(path_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  void Restore() {
    if (saved_ < 0) return;
    fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }

 private:
  int fd_ = -1, saved_ = -1;
  std::string path_;
};

inline int TcpConnect(uint16_t port, const char* ip = "127.0.0.1") {
  SockAddr a{IpAddr::Parse(ip).value(), port};
  sockaddr_storage ss;
  socklen_t len = a.ToSockaddr(&ss);
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval tv{5, 0};  // no test blocks forever on a read
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// Blocks SIGPIPE for the calling thread while alive and swallows one raised
// meanwhile: the test client's OpenSSL writes use write(2). Threads of the
// code under test keep the default action, so a SIGPIPE from them still
// kills the test.
class ScopedNoSigpipe {
 public:
  ScopedNoSigpipe() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, &old_);
  }
  ~ScopedNoSigpipe() {
    sigset_t s, pending;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE)) {
      timespec zero{0, 0};
      sigtimedwait(&s, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
};

// A blocking TLS client (the agent side of the listener tests).
class TlsClient {
 public:
  // `cert` empty: no client certificate. Verifies the server against ca.crt.
  TlsClient(uint16_t port, const std::string& cert, const std::string& key,
            const char* ip = "127.0.0.1") {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_load_verify_locations(ctx_, Pki::Get().Path("ca.crt").c_str(), nullptr);
    if (!cert.empty()) {
      SSL_CTX_use_certificate_file(ctx_, cert.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM);
    }
    fd_ = TcpConnect(port, ip);
    if (fd_ < 0) return;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    ERR_clear_error();
    ScopedNoSigpipe guard;
    handshake_ok_ = SSL_connect(ssl_) == 1;
  }
  ~TlsClient() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) close(fd_);
    SSL_CTX_free(ctx_);
  }
  bool handshake_ok() const { return handshake_ok_; }
  // One SSL_write = one TLS record (for records up to 16 KiB).
  bool Write(const std::string& b) {
    ScopedNoSigpipe guard;
    size_t n = 0;
    return SSL_write_ex(ssl_, b.data(), b.size(), &n) == 1 && n == b.size();
  }
  // True when the server closed the session within `ms` (alert, close_notify or EOF).
  bool ServerClosed(int ms) {
    ScopedNoSigpipe guard;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) == 1) {
        char b[256];
        size_t n = 0;
        if (SSL_read_ex(ssl_, b, sizeof(b), &n) != 1) return true;
      }
    }
    return false;
  }
  int fd() const { return fd_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool handshake_ok_ = false;
};

using testing::Frame;
using testing::Got;
using testing::Sip;
using testing::WaitFor;

// The listener's TLS params over the throwaway PKI.
inline TlsParams ServerParams(bool verify_client) {
  const Pki& k = Pki::Get();
  TlsParams p;
  p.certificate = k.Path("server.crt");
  p.private_key = k.Path("server.key");
  p.ca_list = k.Path("ca.crt");
  p.verify_client = verify_client ? 1 : 0;
  return p;
}

// A hep_tcp (tls == false) or hep_tls listener on loopback.
using Running = testing::RunningListener;

inline TcpListenOptions TlsOptions(bool verify_client) {
  TcpListenOptions o;
  auto ctx = TlsContext::CreateServer(ServerParams(verify_client));
  EXPECT_TRUE(ctx.ok()) << ctx.status().message();
  if (ctx.ok()) o.tls = ctx.value();
  return o;
}

}  // namespace sipcapd::hep::tlstest
