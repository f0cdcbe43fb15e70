#include "modules/proto_tcp/tcp_listener.h"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/base/log.h"
#include "core/net/sip_framing.h"
#include "core/proxy/forward.h"
#include "modules/proto_tcp/tcp_conn.h"

namespace sipcapd::proto_tcp {
namespace {

using Clock = TcpConn::Clock;
constexpr uint64_t kListenId = 0;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Job {
  std::string data;
  SockAddr src;
  uint64_t correlation = 0;  // of a traced connection, else 0
  uint64_t conn = 0;         // connection id: its messages are handled in order
};

SockAddr LocalOf(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return SockAddr{};
  return SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&ss));
}

class TcpListener : public Listener, public proxy::Sender {
 public:
  TcpListener(ListenSpec spec, Registrar& reg, proxy::ProxyCore* core, TcpOptions opt, TcpStats* st,
              TcpTracer* tracer)
      : spec_(std::move(spec)), reg_(reg), core_(core), opt_(opt), st_(st), tracer_(tracer) {}
  ~TcpListener() override {
    if (registered_) core_->RemoveSender(this);
    if (lfd_ >= 0) close(lfd_);
    if (ep_ >= 0) close(ep_);
  }

  Status Open() override {
    auto ip = IpAddr::Parse(spec_.host);
    if (!ip) return Status::Invalid("tcp listener needs an IP address, got '" + spec_.host + "'");
    SockAddr a{*ip, spec_.port};
    sockaddr_storage ss;
    socklen_t len = a.ToSockaddr(&ss);
    lfd_ = socket(ip->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd_ < 0) return Status::Unavailable(std::string("socket: ") + strerror(errno));
    int one = 1;
    setsockopt(lfd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ip->family == AF_INET6) setsockopt(lfd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(lfd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
      return Status::Unavailable(std::string("bind ") + a.ToString() + ": " + strerror(errno));
    if (listen(lfd_, 1024) != 0)
      return Status::Unavailable(std::string("listen: ") + strerror(errno));
    sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname(lfd_, reinterpret_cast<sockaddr*>(&bound), &bl);
    local_ = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&bound));
    name_ = "tcp:" + local_.ToString();
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) return Status::Unavailable(std::string("epoll: ") + strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenId;
    epoll_ctl(ep_, EPOLL_CTL_ADD, lfd_, &ev);
    core_->AddSender(this);
    registered_ = true;
    return Status::Ok();
  }

  int Workers() const override { return 1 + (spec_.children > 0 ? spec_.children : 1); }

  void Serve(int index, const std::atomic<bool>& stop) override {
    if (index == 0)
      Reactor(stop);
    else
      Worker(stop);
  }

  void Shutdown() override {
    queue_cv_.notify_all();
    LOG_INFO("proto_tcp",
             "%s: accepted %lld, rejected %lld, received %lld, idle_closed %lld, slow_closed %lld, "
             "garbage_closed %lld",
             name_.c_str(), L(st_->accepted), L(st_->rejected), L(st_->rcv_msgs),
             L(st_->idle_closed), L(st_->slow_closed), L(st_->garbage_closed));
    if (registered_) {
      core_->RemoveSender(this);
      registered_ = false;
    }
  }
  std::string Name() const override { return name_; }

  // proxy::Sender
  Proto proto() const override { return Proto::kTcp; }
  const SockAddr& local() const override { return local_; }
  const std::string& name() const override { return name_; }

  Status Send(const SockAddr& dst, std::string_view data) override {
    std::shared_ptr<TcpConn> c = FindByPeer(dst);
    if (!c) {
      auto r = Connect(dst);
      if (!r.ok()) {
        st_->snd_errors.Inc();
        return r.status();
      }
      c = *r;
    }
    Status st = WriteAll(*c, data);
    if (!st.ok()) {
      st_->snd_errors.Inc();
      CloseConn(c, "send error");
      return st;
    }
    st_->snd_msgs.Inc();
    return Status::Ok();
  }

 private:
  static long long L(const Stat& s) { return static_cast<long long>(s.Get()); }

  std::shared_ptr<TcpConn> FindByPeer(const SockAddr& dst) {
    std::lock_guard g(mu_);
    auto it = by_peer_.find(dst.ToString());
    if (it == by_peer_.end()) return nullptr;
    auto c = conns_.find(it->second);
    return c == conns_.end() ? nullptr : c->second;
  }

  // Adds to the maps and to epoll. False when over the caps.
  bool AddConn(const std::shared_ptr<TcpConn>& c) {
    {
      std::lock_guard g(mu_);
      if (static_cast<int>(conns_.size()) >= opt_.max_connections) return false;
      std::string ipk = c->peer.ip.ToString();
      if (c->accepted && opt_.max_conns_per_ip > 0 && per_ip_[ipk] >= opt_.max_conns_per_ip)
        return false;
      c->id = next_id_++;
      conns_[c->id] = c;
      by_peer_[c->peer.ToString()] = c->id;
      if (c->accepted) per_ip_[ipk]++;
    }
    st_->current.Inc();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = c->id;
    epoll_ctl(ep_, EPOLL_CTL_ADD, c->fd, &ev);
    return true;
  }

  // Traces the connection's first event when the tracer says so.
  void TraceOpen(TcpConn& c) {
    if (!tracer_ || !tracer_->on()) return;
    c.local = LocalOf(c.fd);
    if (!tracer_->Decide(c.peer, c.local)) return;
    c.traced = true;
    c.correlation = tracer_->NewCorrelation();
    if (c.accepted)
      tracer_->Send(TcpTracer::Event::kAccept, true, "connection accepted", c.peer, c.local,
                    c.correlation);
    else
      tracer_->Send(TcpTracer::Event::kConnect, true, "connection established", c.local, c.peer,
                    c.correlation);
  }

  // A failed accept / connect (no connection to follow afterwards).
  void TraceFailure(TcpTracer::Event ev, int fd, const SockAddr& peer, const std::string& why) {
    if (!tracer_ || !tracer_->on()) return;
    SockAddr local = fd >= 0 ? LocalOf(fd) : SockAddr{};
    if (!local.ip.is_set() || local.ip.IsAny()) local = SockAddr{local_.ip, local.port};
    if (!tracer_->Decide(peer, local)) return;
    uint64_t corr = tracer_->NewCorrelation();
    if (ev == TcpTracer::Event::kAccept)
      tracer_->Send(ev, false, why, peer, local, corr);
    else
      tracer_->Send(ev, false, why, local, peer, corr);
  }

  void CloseConn(const std::shared_ptr<TcpConn>& c, std::string_view why) {
    if (c->closed.exchange(true)) return;
    if (c->traced)
      tracer_->Send(TcpTracer::Event::kClose, true, why, c->accepted ? c->peer : c->local,
                    c->accepted ? c->local : c->peer, c->correlation);
    epoll_ctl(ep_, EPOLL_CTL_DEL, c->fd, nullptr);
    ::shutdown(c->fd, SHUT_RDWR);
    std::lock_guard g(mu_);
    auto p = by_peer_.find(c->peer.ToString());
    if (p != by_peer_.end() && p->second == c->id) by_peer_.erase(p);
    if (c->accepted) {
      auto it = per_ip_.find(c->peer.ip.ToString());
      if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
    }
    conns_.erase(c->id);
    st_->current.Dec();
  }

  Result<std::shared_ptr<TcpConn>> Connect(const SockAddr& dst) {
    sockaddr_storage ss;
    socklen_t len = dst.ToSockaddr(&ss);
    int fd = socket(dst.ip.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Status::Unavailable(std::string("socket: ") + strerror(errno));
    auto c = std::make_shared<TcpConn>();
    c->fd = fd;
    c->peer = dst;
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
    if (rc != 0 && errno != EINPROGRESS) {
      st_->connect_errors.Inc();
      std::string why = "connect " + dst.ToString() + ": " + strerror(errno);
      TraceFailure(TcpTracer::Event::kConnect, fd, dst, why);
      return Status::Unavailable(why);
    }
    if (rc != 0) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t el = sizeof err;
      if (poll(&p, 1, opt_.connect_timeout_ms) != 1 ||
          getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
        st_->connect_errors.Inc();
        std::string why = "connect " + dst.ToString() + ": " + (err ? strerror(err) : "timeout");
        TraceFailure(TcpTracer::Event::kConnect, fd, dst, why);
        return Status::Unavailable(why);
      }
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    TraceOpen(*c);  // before AddConn: the reactor may read (and close) it at once
    if (!AddConn(c)) {
      st_->rejected.Inc();
      if (c->traced)
        tracer_->Send(TcpTracer::Event::kClose, false, "tcp connection limit reached", c->local,
                      c->peer, c->correlation);
      return Status::Unavailable("tcp connection limit reached");
    }
    st_->connected.Inc();
    return c;
  }

  Status WriteAll(TcpConn& c, std::string_view data) {
    std::lock_guard g(c.write_mu);
    auto deadline = Clock::now() + std::chrono::milliseconds(opt_.connect_timeout_ms);
    while (!data.empty()) {
      if (c.closed.load()) return Status::Unavailable("connection closed");
      ssize_t n = ::send(c.fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return Status::Unavailable("send to " + c.peer.ToString() + ": " + strerror(errno));
      if (Clock::now() > deadline)
        return Status::Unavailable("send to " + c.peer.ToString() + ": timeout");
      pollfd p{c.fd, POLLOUT, 0};
      poll(&p, 1, 50);
    }
    c.Touch();
    return Status::Ok();
  }

  void Accept() {
    for (int i = 0; i < 64; ++i) {
      sockaddr_storage from;
      socklen_t fl = sizeof from;
      int fd = accept4(lfd_, reinterpret_cast<sockaddr*>(&from), &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      auto c = std::make_shared<TcpConn>();
      c->fd = fd;
      c->accepted = true;
      c->peer = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&from));
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      TraceOpen(*c);  // before AddConn: senders may use it as soon as it is added
      if (!AddConn(c)) {
        st_->rejected.Inc();
        if (c->traced)
          tracer_->Send(TcpTracer::Event::kClose, false, "tcp connection limit reached", c->peer,
                        c->local, c->correlation);
        continue;  // c's destructor closes fd
      }
      st_->accepted.Inc();
    }
  }

  // Reads what is there and frames it; false when the connection must go.
  bool ReadConn(const std::shared_ptr<TcpConn>& c) {
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        c->in.append(buf, static_cast<size_t>(n));
        c->Touch();
        if (n < static_cast<ssize_t>(sizeof buf)) break;
        continue;
      }
      if (n == 0) return Frame(c) && false;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      return false;
    }
    return Frame(c);
  }

  bool Frame(const std::shared_ptr<TcpConn>& c) {
    size_t off = 0;
    while (off < c->in.size()) {
      net::SipFrame f = net::FrameSip(std::string_view(c->in).substr(off), 16384,
                                      static_cast<size_t>(opt_.max_msg_size));
      if (f.kind == net::SipFrame::Kind::kNeedMore) break;
      if (f.kind == net::SipFrame::Kind::kError) {
        st_->garbage_closed.Inc();
        LOG_DBG("proto_tcp", "%s: closing %s: %s", name_.c_str(), c->peer.ToString().c_str(),
                f.why);
        return false;
      }
      if (f.kind == net::SipFrame::Kind::kMessage)
        Enqueue(Job{c->in.substr(off, f.size), c->peer, c->traced ? c->correlation : 0, c->id});
      off += f.size;
    }
    c->in.erase(0, off);
    if (c->in.empty()) {
      c->partial = false;
    } else if (!c->partial) {
      c->partial = true;
      c->partial_since = Clock::now();
    }
    return true;
  }

  void Enqueue(Job j) {
    st_->rcv_msgs.Inc();
    {
      std::lock_guard g(queue_mu_);
      if (static_cast<int>(queue_.size()) >= opt_.queue_max) {
        st_->queue_drops.Inc();
        return;
      }
      queue_.push_back(std::move(j));
    }
    queue_cv_.notify_one();
  }

  void CheckTimers() {
    auto now = Clock::now();
    std::vector<std::pair<std::shared_ptr<TcpConn>, Stat*>> victims;
    {
      std::lock_guard g(mu_);
      for (auto& [id, c] : conns_) {
        if (c->partial && now - c->partial_since > std::chrono::seconds(opt_.max_msg_time_s))
          victims.emplace_back(c, &st_->slow_closed);
        else if (now - c->LastActivity() > std::chrono::seconds(opt_.idle_timeout_s))
          victims.emplace_back(c, &st_->idle_closed);
      }
    }
    for (auto& [c, stat] : victims) {
      stat->Inc();
      CloseConn(c, stat == &st_->idle_closed ? "idle timeout" : "message timeout");
    }
  }

  void Reactor(const std::atomic<bool>& stop) {
    epoll_event evs[64];
    auto last_check = Clock::now();
    while (!stop.load(std::memory_order_relaxed)) {
      int n = epoll_wait(ep_, evs, 64, 100);
      for (int i = 0; i < n; ++i) {
        if (evs[i].data.u64 == kListenId) {
          Accept();
          continue;
        }
        std::shared_ptr<TcpConn> c;
        {
          std::lock_guard g(mu_);
          auto it = conns_.find(evs[i].data.u64);
          if (it != conns_.end()) c = it->second;
        }
        if (!c) continue;
        bool keep = (evs[i].events & EPOLLIN) ? ReadConn(c) : true;
        if (evs[i].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))
          keep = keep && (evs[i].events & EPOLLIN) && ReadConn(c);
        if (!keep) CloseConn(c, "closed by peer or read error");
      }
      if (Clock::now() - last_check > std::chrono::milliseconds(500)) {
        CheckTimers();
        last_check = Clock::now();
      }
    }
    std::vector<std::shared_ptr<TcpConn>> all;
    {
      std::lock_guard g(mu_);
      for (auto& [id, c] : conns_) all.push_back(c);
    }
    for (auto& c : all) CloseConn(c, "shutdown");
  }

  void Worker(const std::atomic<bool>& stop) {
    ScriptRunner& script = reg_.script();
    while (!stop.load(std::memory_order_relaxed)) {
      Job j;
      {
        // One message of a connection at a time, in arrival order: a reply
        // must not overtake the one before it (180 / 200 from a UAS).
        std::unique_lock l(queue_mu_);
        auto takeable = [&] {
          for (auto it = queue_.begin(); it != queue_.end(); ++it)
            if (!busy_.count(it->conn)) return it;
          return queue_.end();
        };
        queue_cv_.wait_for(l, std::chrono::milliseconds(100),
                           [&] { return takeable() != queue_.end() || stop.load(); });
        auto it = takeable();
        if (it == queue_.end()) continue;
        j = std::move(*it);
        queue_.erase(it);
        busy_.insert(j.conn);
      }
      uint64_t conn = j.conn;
      MsgContext ctx;
      ctx.buf = std::move(j.data);
      ctx.rcv.src = j.src;
      ctx.rcv.dst = local_;
      ctx.rcv.proto = Proto::kTcp;
      ctx.rcv.listener = name_;
      ctx.recv_time_us = NowUs();
      ctx.vars = reg_.WorkerVars();
      ctx.route_type = kRequestRoute;
      if (j.correlation) {
        auto e = std::make_unique<TcpConnExt>();
        e->correlation = std::to_string(j.correlation);
        ctx.ext[kTcpConnExtKey] = std::move(e);
      }
      if (proxy::ProcessSip(*core_, script, ctx) == proxy::ProcessResult::kBad) st_->bad_msgs.Inc();
      {
        std::lock_guard g(queue_mu_);
        busy_.erase(conn);
      }
      queue_cv_.notify_all();
    }
  }

  ListenSpec spec_;
  Registrar& reg_;
  proxy::ProxyCore* core_;
  TcpOptions opt_;
  TcpStats* st_;
  TcpTracer* tracer_;
  int lfd_ = -1, ep_ = -1;
  bool registered_ = false;
  SockAddr local_;
  std::string name_;

  std::mutex mu_;  // guards the maps below
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<TcpConn>> conns_;
  std::unordered_map<std::string, uint64_t> by_peer_;
  std::unordered_map<std::string, int> per_ip_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;
  std::unordered_set<uint64_t> busy_;  // connections a worker is handling
};

}  // namespace

Result<std::unique_ptr<Listener>> MakeTcpListener(const ListenSpec& spec, Registrar& reg,
                                                  proxy::ProxyCore* core, const TcpOptions& opt,
                                                  TcpStats* stats, TcpTracer* tracer) {
  return std::unique_ptr<Listener>(new TcpListener(spec, reg, core, opt, stats, tracer));
}

}  // namespace sipcapd::proto_tcp
