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
#include "modules/proto_hep/hep_tls.h"
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
  // TLS only.
  std::unique_ptr<TlsSession> tls;
  int64_t accepted_ms = 0;
  bool handshaking = false;
  bool sniffed = false;      // first byte checked for a TLS record
  bool want_write = false;   // the session waits for the socket to be writable
  bool epollout = false;     // EPOLLOUT currently registered
  bool tls_pending = false;  // decrypted bytes left in the session (read budget hit)
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
  const std::string proto = opts_.tls ? "hep_tls" : "hep_tcp";
  fd_ = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return Status::Internal(proto + " socket: " + strerror(errno));
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return Status::Unavailable(proto + " bind " + addr.ToString() + ": " + strerror(errno));
  if (listen(fd_, 1024) != 0)
    return Status::Unavailable(proto + " listen " + addr.ToString() + ": " + strerror(errno));
  sockaddr_storage bound;
  socklen_t bl = sizeof(bound);
  getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &bl);
  local_ = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&bound));
  name_ = proto + ":" + local_.ToString();
  LOG_INFO("proto_hep",
           "%s: listening, %d workers, max %d connections (%d per IP), "
           "idle %d ms, stall %d ms%s",
           name_.c_str(), opts_.workers, opts_.max_connections, opts_.max_conns_per_ip,
           opts_.idle_timeout_ms, opts_.stall_timeout_ms,
           !opts_.tls                 ? ""
           : opts_.tls->verify_peer() ? ", TLS, client certificate required"
                                      : ", TLS");
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
  if (c->tls) c->tls->Close();
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
  c->tls_pending = false;
  size_t budget = kReadBudget;
  while (budget > 0) {
    if (c->buf.size() < c->used + kReadChunk) c->buf.resize(c->used + kReadChunk);
    ssize_t n = RecvSome(c, c->buf.data() + c->used, c->buf.size() - c->used);
    if (n == 0 || n == -2) return false;  // peer closed / error
    if (n < 0) return true;
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
  c->tls_pending = c->tls && c->tls->pending();  // budget hit: epoll will not wake us
  return true;
}

ssize_t HepTcpListener::RecvSome(Conn* c, uint8_t* p, size_t len) {
  if (!c->tls) {
    while (true) {
      ssize_t n = recv(c->fd, p, len, 0);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2;
    }
  }
  size_t got = 0;
  TlsIo r = c->tls->Read(p, len, &got);
  c->want_write = r == TlsIo::kWantWrite;
  switch (r) {
    case TlsIo::kOk: return static_cast<ssize_t>(got);
    case TlsIo::kWantRead:
    case TlsIo::kWantWrite: return -1;
    case TlsIo::kClosed: return 0;
    case TlsIo::kError: break;
  }
  LOG_DBG("proto_hep", "%s: %s: TLS read: %s", name_.c_str(), c->peer.ToString().c_str(),
          c->tls->error().c_str());
  return -2;
}

bool HepTcpListener::StepHandshake(Conn* c, int64_t now_ms) {
  HepStats* st = rx_->stats();
  if (!c->sniffed) {
    uint8_t b = 0;
    ssize_t n = recv(c->fd, &b, 1, MSG_PEEK);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    c->sniffed = true;
    if (!LooksLikeTls(b)) {
      if (LooksLikePlainHep(b)) {
        st->tls_plain_hep.Inc();
        LOG_WARN("proto_hep",
                 "%s: plain HEP (first byte 0x%02x) from %s on the TLS port: closing the "
                 "connection (send with transport=tls, or use a hep_tcp listener)",
                 name_.c_str(), b, c->peer.ToString().c_str());
      } else {
        st->tcp_garbage.Inc();
        LOG_WARN("proto_hep",
                 "%s: not a TLS handshake (first byte 0x%02x) from %s: closing the connection",
                 name_.c_str(), b, c->peer.ToString().c_str());
      }
      return false;
    }
  }
  TlsIo r = c->tls->Handshake();
  c->want_write = r == TlsIo::kWantWrite;
  if (r == TlsIo::kWantRead || r == TlsIo::kWantWrite) return true;
  if (r == TlsIo::kOk) {
    c->handshaking = false;
    c->last_rx_ms = now_ms;
    st->tls_accepted.Inc();
    LOG_DBG("proto_hep", "%s: %s: TLS established, %s", name_.c_str(), c->peer.ToString().c_str(),
            c->tls->Describe().c_str());
    return true;
  }
  TlsFailure f = c->tls->failure();
  if (f == TlsFailure::kPeerCertMissing || f == TlsFailure::kPeerCertInvalid) {
    st->tls_cert_rejected.Inc();
    LOG_WARN("proto_hep", "%s: %s: client certificate %s (tls_verify_client=1): %s", name_.c_str(),
             c->peer.ToString().c_str(), f == TlsFailure::kPeerCertMissing ? "missing" : "rejected",
             c->tls->error().c_str());
  } else {
    st->tls_handshake_failed.Inc();
    LOG_WARN("proto_hep", "%s: %s: TLS handshake failed: %s", name_.c_str(),
             c->peer.ToString().c_str(), c->tls->error().c_str());
  }
  return false;
}

void HepTcpListener::UpdateEvents(int epfd, Conn* c) {
  if (c->want_write == c->epollout) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (c->want_write ? EPOLLOUT : 0u);
  ev.data.fd = c->fd;
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->epollout = c->want_write;
}

void HepTcpListener::AcceptAll(int epfd, std::map<int, Conn>* conns, int64_t now,
                               int64_t* last_reject_log) {
  HepStats* st = rx_->stats();
  for (int k = 0; k < 64; ++k) {
    sockaddr_storage ps;
    socklen_t pl = sizeof(ps);
    int cfd = accept4(fd_, reinterpret_cast<sockaddr*>(&ps), &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0) break;
    SockAddr peer = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ps));
    if (!Admit(peer.ip)) {
      st->tcp_rejected.Inc();  // before close(): the peer may read the counter
      close(cfd);
      if (now - *last_reject_log >= 1000) {
        *last_reject_log = now;
        LOG_WARN("proto_hep",
                 "%s: connection from %s rejected (cap of %d total / %d per "
                 "IP reached)",
                 name_.c_str(), peer.ToString().c_str(), opts_.max_connections,
                 opts_.max_conns_per_ip);
      }
      continue;
    }
    std::unique_ptr<TlsSession> tls;
    if (opts_.tls) {
      auto s = TlsSession::Accept(*opts_.tls, cfd);
      if (!s.ok()) {
        LOG_ERR("proto_hep", "%s: %s", name_.c_str(), s.status().message().c_str());
        st->tls_handshake_failed.Inc();
        close(cfd);
        Release(peer.ip);
        continue;
      }
      tls = std::move(s.value());
    }
    Conn& c = (*conns)[cfd];
    c.fd = cfd;
    c.peer = peer;
    c.last_rx_ms = now;
    c.accepted_ms = now;
    c.handshaking = tls != nullptr;
    c.tls = std::move(tls);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = cfd;
    epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &ev);
    st->tcp_accepted.Inc();
    st->tcp_current.Inc();
  }
}

void HepTcpListener::ExpireConns(int epfd, std::map<int, Conn>* conns, int64_t now) {
  HepStats* st = rx_->stats();
  std::vector<int> handshake, stalled, idle;
  for (auto& [cfd, c] : *conns) {
    if (c.handshaking) {
      if (opts_.handshake_timeout_ms > 0 && now - c.accepted_ms >= opts_.handshake_timeout_ms)
        handshake.push_back(cfd);
    } else if (opts_.stall_timeout_ms > 0 && c.frame_start_ms != 0 &&
               now - c.frame_start_ms >= opts_.stall_timeout_ms) {
      stalled.push_back(cfd);
    } else if (opts_.idle_timeout_ms > 0 && now - c.last_rx_ms >= opts_.idle_timeout_ms) {
      idle.push_back(cfd);
    }
  }
  for (int cfd : handshake) {
    Conn* c = &(*conns)[cfd];
    st->tls_handshake_timeout.Inc();
    LOG_WARN("proto_hep", "%s: %s: TLS handshake not complete after %d ms: closing", name_.c_str(),
             c->peer.ToString().c_str(), opts_.handshake_timeout_ms);
    CloseConn(epfd, c, conns);
  }
  for (int cfd : stalled) {
    Conn* c = &(*conns)[cfd];
    st->tcp_stalled.Inc();
    LOG_WARN("proto_hep",
             "%s: %s: frame still incomplete (%zu bytes) %d ms after it "
             "started: closing",
             name_.c_str(), c->peer.ToString().c_str(), c->used, opts_.stall_timeout_ms);
    CloseConn(epfd, c, conns);
  }
  for (int cfd : idle) {
    Conn* c = &(*conns)[cfd];
    st->tcp_idle_closed.Inc();
    LOG_DBG("proto_hep", "%s: %s idle: closing", name_.c_str(), c->peer.ToString().c_str());
    CloseConn(epfd, c, conns);
  }
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
  base.proto = opts_.tls ? Proto::kHepTls : Proto::kHepTcp;
  base.dst = local_;
  base.listener = name_;
  std::map<int, Conn> conns;
  std::vector<int> ready;  // TLS connections with decrypted bytes still buffered
  int64_t last_scan = NowMs();
  int64_t last_reject_log = 0;
  epoll_event evs[kMaxEvents];
  // Reads and frames what `c` has; closes it when it is done. Events: epoll's.
  auto service = [&](Conn* c, uint32_t events, int64_t now) {
    bool keep = true;
    if (c->handshaking) keep = StepHandshake(c, now);
    if (keep && !c->handshaking) keep = ReadConn(c, base, vars, now);
    if (keep && (events & (EPOLLERR | EPOLLHUP))) keep = false;
    if (!keep) {
      if (c->used > 0)
        LOG_DBG("proto_hep", "%s: %s closed with %zu bytes of an incomplete frame", name_.c_str(),
                c->peer.ToString().c_str(), c->used);
      CloseConn(epfd, c, &conns);
      return;
    }
    UpdateEvents(epfd, c);
    if (c->tls_pending) ready.push_back(c->fd);
  };
  while (!stop.load(std::memory_order_relaxed) && !closing_.load(std::memory_order_relaxed)) {
    int n = epoll_wait(epfd, evs, kMaxEvents, ready.empty() ? kTickMs : 0);
    int64_t now = NowMs();
    std::vector<int> again;
    again.swap(ready);
    for (int fd : again) {
      auto it = conns.find(fd);
      if (it != conns.end() && it->second.tls_pending) service(&it->second, 0, now);
    }
    for (int i = 0; i < n; ++i) {
      int fd = evs[i].data.fd;
      if (fd == fd_) {
        AcceptAll(epfd, &conns, now, &last_reject_log);
        continue;
      }
      auto it = conns.find(fd);
      if (it != conns.end()) service(&it->second, evs[i].events, now);
    }
    if (now - last_scan >= kTickMs) {
      last_scan = now;
      ExpireConns(epfd, &conns, now);
    }
  }
  while (!conns.empty()) CloseConn(epfd, &conns.begin()->second, &conns);
  close(epfd);
}

void HepTcpListener::Shutdown() { closing_.store(true); }

}  // namespace sipcapd::hep
