#include "modules/prometheus/metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace sipcapd::prometheus {

namespace {

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
  }
}

}  // namespace

int ClassifyRequest(std::string_view head, bool* head_only) {
  *head_only = false;
  size_t eol = head.find('\n');
  if (eol == std::string_view::npos) return 0;
  bool ended = head.find("\r\n\r\n") != std::string_view::npos ||
               head.find("\n\n") != std::string_view::npos;
  if (!ended) return 0;
  std::string_view line = head.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return 400;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return 400;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (version.substr(0, 5) != "HTTP/" || target.empty()) return 400;
  if (method != "GET" && method != "HEAD") return 405;
  *head_only = method == "HEAD";
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  return path == "/metrics" ? 200 : 404;
}

MetricsHttpServer::~MetricsHttpServer() { Close(); }

Status MetricsHttpServer::Open(const std::string& ip, uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof(*v6);
  } else {
    return Status::Invalid("http_ip '" + ip + "' is not an IP address");
  }
  listen_fd_ = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(listen_fd_, 16) != 0) {
    std::string err = std::strerror(errno);
    Close();
    return Status::Unavailable("cannot listen on " + ip + ":" + std::to_string(port) + ": " + err);
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof(bound);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                  : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return Status::Ok();
}

void MetricsHttpServer::Close() {
  for (auto& c : clients_)
    if (c.fd >= 0) close(c.fd);
  clients_.clear();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
}

void MetricsHttpServer::Respond(Client& c, int status, bool head_only) {
  std::string body = status == 200 ? render_() : std::string(Reason(status)) + "\n";
  const char* type = status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain";
  c.out = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
          "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n";
  if (!head_only) c.out += body;
  c.responded = true;
  c.in.clear();
}

void MetricsHttpServer::OnReadable(Client& c) {
  char buf[2048];
  while (true) {
    ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      if (c.responded) continue;  // ignore whatever follows the request
      c.in.append(buf, static_cast<size_t>(n));
      bool head_only = false;
      int status = ClassifyRequest(c.in, &head_only);
      if (status != 0)
        Respond(c, status, head_only);
      else if (c.in.size() > kMaxRequest)
        Respond(c, 431, false);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      if (!c.responded || c.sent >= c.out.size()) {
        close(c.fd);
        c.fd = -1;
      }
    }
    return;
  }
}

void MetricsHttpServer::Serve(const std::atomic<bool>& stop) {
  std::vector<pollfd> pfds;
  while (!stop.load() && listen_fd_ >= 0) {
    pfds.clear();
    pfds.push_back({listen_fd_, POLLIN, 0});
    for (auto& c : clients_)
      pfds.push_back({c.fd, static_cast<short>(c.responded ? POLLOUT : POLLIN), 0});
    if (poll(pfds.data(), pfds.size(), 200) < 0 && errno != EINTR) break;
    auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < clients_.size(); ++i) {
      Client& c = clients_[i];
      short re = pfds[i + 1].revents;
      if (!c.responded && (re & (POLLIN | POLLHUP | POLLERR))) OnReadable(c);
      if (c.fd >= 0 && c.responded && c.sent < c.out.size()) {
        ssize_t w = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (w > 0)
          c.sent += static_cast<size_t>(w);
        else if (w < 0 && errno != EAGAIN && errno != EINTR)
          c.sent = c.out.size();
      }
      bool done = c.fd >= 0 && c.responded && c.sent >= c.out.size();
      if (c.fd >= 0 && (done || now - c.since > kIdleTimeout)) {
        if (done) shutdown(c.fd, SHUT_WR);
        close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(clients_, [](const Client& c) { return c.fd < 0; });
    if (pfds[0].revents & POLLIN) {
      for (int k = 0; k < 16; ++k) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        if (clients_.size() >= kMaxClients) {
          close(fd);
          continue;
        }
        Client c;
        c.fd = fd;
        c.since = now;
        clients_.push_back(std::move(c));
      }
    }
  }
}

}  // namespace sipcapd::prometheus
