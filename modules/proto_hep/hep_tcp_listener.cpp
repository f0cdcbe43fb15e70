// hep_tcp listener (contract in hep_tcp_listener.h).
#include "modules/proto_hep/hep_tcp_listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "core/base/log.h"
#include "modules/proto_hep/hep_codec.h"
#include "modules/proto_hep/hep_udp_listener.h"

namespace sipcapd::hep {
namespace {
constexpr size_t kReadChunk = 65536;
// Bytes read from one connection per wakeup before other connections get
// their turn (level-triggered epoll brings us back). Frames per read are
// not limited.
constexpr size_t kReadBudget = 256 * 1024;
constexpr int kMaxEvents = 64;
constexpr int kTickMs = 100;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

struct HepTcpListener::Conn {
  int fd = -1;
  SockAddr peer;
  std::vector<uint8_t> buf;
  size_t used = 0;
  int64_t last_rx_ms = 0;
  int64_t frame_start_ms = 0;  // 0: at a frame boundary with nothing buffered
};

HepTcpListener::HepTcpListener(ListenSpec spec, TcpListenOptions opts, HepReceiver* rx,
                               std::function<VarStore*()> vars)
    : spec_(std::move(spec)), opts_(opts), rx_(rx), vars_(std::move(vars)) {
  if (opts_.workers < 1) opts_.workers = 1;
}

HepTcpListener::~HepTcpListener() {
  if (fd_ >= 0) close(fd_);
}

Status HepTcpListener::Open() {
  auto ip = ResolveListenHost(spec_.host);
  if (!ip.ok()) return ip.status();
  SockAddr addr{ip.value(), spec_.port};
  sockaddr_storage ss;
  socklen_t len = addr.ToSockaddr(&ss);
  fd_ = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return Status::Internal(std::string("hep_tcp socket: ") + strerror(errno));
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return Status::Unavailable("hep_tcp bind " + addr.ToString() + ": " + strerror(errno));
  if (listen(fd_, 1024) != 0)
    return Status::Unavailable("hep_tcp listen " + addr.ToString() + ": " + strerror(errno));
  sockaddr_storage bound;
  socklen_t bl = sizeof(bound);
  getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &bl);
  local_ = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&bound));
  name_ = "hep_tcp:" + local_.ToString();
  LOG_INFO("proto_hep",
           "%s: listening, %d workers, max %d connections (%d per IP), "
           "idle %d ms, stall %d ms",
           name_.c_str(), opts_.workers, opts_.max_connections, opts_.max_conns_per_ip,
           opts_.idle_timeout_ms, opts_.stall_timeout_ms);
  return Status::Ok();
}

bool HepTcpListener::Admit(const IpAddr& ip) {
  if (opts_.max_connections > 0 && total_.fetch_add(1) >= opts_.max_connections) {
    total_.fetch_sub(1);
    return false;
  }
  if (opts_.max_connections <= 0) total_.fetch_add(1);
  std::lock_guard<std::mutex> l(ip_mu_);
  int& n = per_ip_[ip];
  if (opts_.max_conns_per_ip > 0 && n >= opts_.max_conns_per_ip) {
    if (n == 0) per_ip_.erase(ip);
    total_.fetch_sub(1);
    return false;
  }
  ++n;
  return true;
}

void HepTcpListener::Release(const IpAddr& ip) {
  total_.fetch_sub(1);
  std::lock_guard<std::mutex> l(ip_mu_);
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
}

void HepTcpListener::CloseConn(int epfd, Conn* c, std::map<int, Conn>* conns) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, nullptr);
  close(c->fd);
  Release(c->peer.ip);
  rx_->stats()->tcp_closed.Inc();
  rx_->stats()->tcp_current.Dec();
  int fd = c->fd;
  conns->erase(fd);
}

bool HepTcpListener::ReadConn(Conn* c, const HepNet& base, VarStore* vars, int64_t now_ms) {
  HepNet net = base;
  net.src = c->peer;
  size_t budget = kReadBudget;
  while (budget > 0) {
    if (c->buf.size() < c->used + kReadChunk) c->buf.resize(c->used + kReadChunk);
    ssize_t n = recv(c->fd, c->buf.data() + c->used, c->buf.size() - c->used, 0);
    if (n == 0) return false;  // peer closed
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    budget -= std::min(budget, static_cast<size_t>(n));
    c->used += static_cast<size_t>(n);
    c->last_rx_ms = now_ms;
    size_t off = 0;
    while (off < c->used) {
      FrameCheck fc = NextFrame(std::span<const uint8_t>(c->buf.data() + off, c->used - off));
      if (fc.state == FrameState::kNeedMore) break;
      if (fc.state == FrameState::kGarbage) {
        rx_->stats()->tcp_garbage.Inc();
        const uint8_t* b = c->buf.data() + off;
        size_t avail = c->used - off;
        const char* what = "not a HEPv3 frame";
        if (avail >= 2 && b[0] == 0x16 && b[1] == 0x03)
          what = "TLS handshake on the plain hep_tcp port (use hep_tls)";
        else if (b[0] == 0x01 || b[0] == 0x02)
          what = "looks like HEPv1/v2, which cannot be framed over TCP (use HEPv3)";
        else if (fc.reason == DecodeError::kBadLength)
          what = "HEPv3 header with a length < 6";
        LOG_WARN("proto_hep", "%s: %s from %s after %zu good bytes: closing the connection",
                 name_.c_str(), what, c->peer.ToString().c_str(), off);
        return false;
      }
      rx_->OnPacket(std::string_view(reinterpret_cast<const char*>(c->buf.data() + off), fc.length),
                    net, vars);
      off += fc.length;
    }
    if (off > 0) {
      std::memmove(c->buf.data(), c->buf.data() + off, c->used - off);
      c->used -= off;
    }
    if (c->used == 0) {
      c->frame_start_ms = 0;
    } else if (off > 0 || c->frame_start_ms == 0) {
      c->frame_start_ms = now_ms;  // a new partial frame started
    }
    if (c->buf.size() > 4 * kReadChunk && c->used < kReadChunk) {
      c->buf.resize(c->used + kReadChunk);
      c->buf.shrink_to_fit();
    }
  }
  return true;
}

void HepTcpListener::Serve(int worker_index, const std::atomic<bool>& stop) {
  (void)worker_index;
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    LOG_ERR("proto_hep", "%s: epoll_create1: %s", name_.c_str(), strerror(errno));
    return;
  }
  epoll_event lev{};
  lev.events = EPOLLIN | EPOLLEXCLUSIVE;
  lev.data.fd = fd_;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd_, &lev) != 0) {
    LOG_ERR("proto_hep", "%s: epoll_ctl: %s", name_.c_str(), strerror(errno));
    close(epfd);
    return;
  }
  VarStore* vars = vars_ ? vars_() : nullptr;
  VarStore local_vars;
  if (!vars) vars = &local_vars;
  HepNet base;
  base.family = local_.ip.family;
  base.proto = Proto::kHepTcp;
  base.dst = local_;
  base.listener = name_;
  HepStats* st = rx_->stats();
  std::map<int, Conn> conns;
  int64_t last_scan = NowMs();
  int64_t last_reject_log = 0;
  epoll_event evs[kMaxEvents];
  while (!stop.load(std::memory_order_relaxed) && !closing_.load(std::memory_order_relaxed)) {
    int n = epoll_wait(epfd, evs, kMaxEvents, kTickMs);
    int64_t now = NowMs();
    for (int i = 0; i < n; ++i) {
      int fd = evs[i].data.fd;
      if (fd == fd_) {
        for (int k = 0; k < 64; ++k) {
          sockaddr_storage ps;
          socklen_t pl = sizeof(ps);
          int cfd =
              accept4(fd_, reinterpret_cast<sockaddr*>(&ps), &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          SockAddr peer = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ps));
          if (!Admit(peer.ip)) {
            st->tcp_rejected.Inc();  // before close(): the peer may read the counter
            close(cfd);
            if (now - last_reject_log >= 1000) {
              last_reject_log = now;
              LOG_WARN("proto_hep",
                       "%s: connection from %s rejected (cap of %d total / %d per "
                       "IP reached)",
                       name_.c_str(), peer.ToString().c_str(), opts_.max_connections,
                       opts_.max_conns_per_ip);
            }
            continue;
          }
          Conn& c = conns[cfd];
          c.fd = cfd;
          c.peer = peer;
          c.last_rx_ms = now;
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLRDHUP;
          ev.data.fd = cfd;
          epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &ev);
          st->tcp_accepted.Inc();
          st->tcp_current.Inc();
        }
        continue;
      }
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      Conn* c = &it->second;
      bool keep = ReadConn(c, base, vars, now);
      if (keep && (evs[i].events & (EPOLLERR | EPOLLHUP))) keep = false;
      if (!keep) {
        if (c->used > 0)
          LOG_DBG("proto_hep", "%s: %s closed with %zu bytes of an incomplete frame", name_.c_str(),
                  c->peer.ToString().c_str(), c->used);
        CloseConn(epfd, c, &conns);
      }
    }
    if (now - last_scan >= kTickMs) {
      last_scan = now;
      std::vector<int> stalled, idle;
      for (auto& [cfd, c] : conns) {
        if (opts_.stall_timeout_ms > 0 && c.frame_start_ms != 0 &&
            now - c.frame_start_ms >= opts_.stall_timeout_ms) {
          stalled.push_back(cfd);
        } else if (opts_.idle_timeout_ms > 0 && now - c.last_rx_ms >= opts_.idle_timeout_ms) {
          idle.push_back(cfd);
        }
      }
      for (int cfd : stalled) {
        Conn* c = &conns[cfd];
        st->tcp_stalled.Inc();
        LOG_WARN("proto_hep",
                 "%s: %s: frame still incomplete (%zu bytes) %d ms after it "
                 "started: closing",
                 name_.c_str(), c->peer.ToString().c_str(), c->used, opts_.stall_timeout_ms);
        CloseConn(epfd, c, &conns);
      }
      for (int cfd : idle) {
        Conn* c = &conns[cfd];
        st->tcp_idle_closed.Inc();
        LOG_DBG("proto_hep", "%s: %s idle: closing", name_.c_str(), c->peer.ToString().c_str());
        CloseConn(epfd, c, &conns);
      }
    }
  }
  while (!conns.empty()) CloseConn(epfd, &conns.begin()->second, &conns);
  close(epfd);
}

void HepTcpListener::Shutdown() { closing_.store(true); }

}  // namespace sipcapd::hep
