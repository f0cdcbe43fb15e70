// MetricsHttpServer: a minimal HTTP/1.x server for GET /metrics.
//
// One thread (Serve), non-blocking sockets multiplexed with poll(2).
// Bounds: request head at most kMaxRequest bytes (else 431 and close), at
// most kMaxClients connections (extra ones are closed at once), each
// connection closed after one response or after kIdleTimeout. Responses:
// 200 text/plain; version=0.0.4 for GET|HEAD /metrics, 404 for other
// paths, 405 for other methods, 400 for a malformed request line.
//
// Thread-safety: Open() then Serve() on one thread; Close() after Serve()
// returned. `render` is called on the Serve thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"

namespace sipcapd::prometheus {

constexpr size_t kMaxRequest = 8192;
constexpr size_t kMaxClients = 32;
constexpr std::chrono::seconds kIdleTimeout{5};

// Parses a request head ("GET /metrics HTTP/1.1\r\n..."): the HTTP status
// to answer with (200, 400, 404, 405), or 0 when the head is incomplete.
int ClassifyRequest(std::string_view head, bool* head_only);

class MetricsHttpServer {
 public:
  explicit MetricsHttpServer(std::function<std::string()> render) : render_(std::move(render)) {}
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Binds ip:port (port 0: chosen by the OS, see port()).
  Status Open(const std::string& ip, uint16_t port);
  void Serve(const std::atomic<bool>& stop);
  void Close();
  uint16_t port() const { return port_; }

 private:
  struct Client {
    int fd = -1;
    std::string in;
    std::string out;
    size_t sent = 0;
    bool responded = false;
    std::chrono::steady_clock::time_point since;
  };
  void OnReadable(Client& c);
  void Respond(Client& c, int status, bool head_only);

  std::function<std::string()> render_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::vector<Client> clients_;
};

}  // namespace sipcapd::prometheus
