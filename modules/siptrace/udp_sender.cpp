#include "modules/siptrace/udp_sender.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base/thread_name.h"

namespace sipcapd::siptrace {

UdpSender::UdpSender(std::string host, uint16_t port, size_t max_queue,
                     std::chrono::milliseconds resolve_interval)
    : host_(std::move(host)),
      port_(port),
      max_queue_(max_queue),
      resolve_interval_(resolve_interval) {}

UdpSender::~UdpSender() { Stop(); }

Status UdpSender::Start() {
  if (thread_.joinable()) return Status::Ok();
  stop_ = false;
  thread_ = std::thread([this] {
    SetThreadName("trace-sip");
    Loop();
  });
  return Status::Ok();
}

void UdpSender::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool UdpSender::Send(std::string datagram) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_ || q_.size() >= max_queue_) {
      c_.dropped_queue_full.Inc();
      return false;
    }
    q_.push_back(std::move(datagram));
  }
  cv_.notify_one();
  return true;
}

bool UdpSender::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return idle_cv_.wait_for(l, timeout, [this] { return q_.empty() && !busy_; });
}

bool UdpSender::Resolve(SockAddr* out) {
  if (auto ip = IpAddr::Parse(host_)) {
    *out = SockAddr{*ip, port_};
    return true;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host_.c_str(), nullptr, &hints, &res) != 0 || !res) return false;
  *out = SockAddr::FromSockaddr(res->ai_addr);
  out->port = port_;
  ::freeaddrinfo(res);
  return out->ip.is_set();
}

void UdpSender::Loop() {
  SockAddr dst;
  bool resolved = false;
  auto next_resolve = std::chrono::steady_clock::now();
  int fd = -1;
  int fd_family = 0;
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait_for(l, std::chrono::milliseconds(200), [this] { return stop_ || !q_.empty(); });
    if (stop_ && q_.empty()) break;
    if (q_.empty()) continue;
    std::deque<std::string> batch;
    batch.swap(q_);
    busy_ = true;
    l.unlock();
    auto now = std::chrono::steady_clock::now();
    if (!resolved && now >= next_resolve) {
      resolved = Resolve(&dst);
      next_resolve = now + resolve_interval_;
    }
    if (resolved && (fd < 0 || fd_family != dst.ip.family)) {
      if (fd >= 0) ::close(fd);
      fd = ::socket(dst.ip.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      fd_family = dst.ip.family;
    }
    if (!resolved || fd < 0) {
      c_.dropped_unresolved.Inc(static_cast<int64_t>(batch.size()));
    } else {
      sockaddr_storage ss{};
      socklen_t len = dst.ToSockaddr(&ss);
      for (const auto& d : batch) {
        ssize_t n =
            ::sendto(fd, d.data(), d.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&ss), len);
        if (n == static_cast<ssize_t>(d.size()))
          c_.sent.Inc();
        else
          c_.send_errors.Inc();
      }
    }
    l.lock();
    busy_ = false;
    if (q_.empty()) idle_cv_.notify_all();
  }
  busy_ = false;
  idle_cv_.notify_all();
  if (fd >= 0) ::close(fd);
}

}  // namespace sipcapd::siptrace
