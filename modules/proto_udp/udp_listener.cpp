#include "modules/proto_udp/udp_listener.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "core/base/log.h"
#include "core/proxy/forward.h"

namespace sipcapd::proto_udp {
namespace {

constexpr size_t kMaxDatagram = 65536;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class UdpListener : public Listener, public proxy::Sender {
 public:
  UdpListener(ListenSpec spec, Registrar& reg, proxy::ProxyCore* core, UdpOptions opt, UdpStats* st)
      : spec_(std::move(spec)), reg_(reg), core_(core), opt_(opt), st_(st) {}
  ~UdpListener() override {
    if (registered_) core_->RemoveSender(this);
    if (fd_ >= 0) close(fd_);
  }

  Status Open() override {
    auto ip = IpAddr::Parse(spec_.host);
    if (!ip) return Status::Invalid("udp listener needs an IP address, got '" + spec_.host + "'");
    SockAddr a{*ip, spec_.port};
    sockaddr_storage ss;
    socklen_t len = a.ToSockaddr(&ss);
    fd_ = socket(ip->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Status::Unavailable(std::string("socket: ") + strerror(errno));
    if (ip->family == AF_INET6) {
      int one = 1;
      setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (opt_.rcvbuf > 0) {
      int want = opt_.rcvbuf;
      if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &want, sizeof want) != 0)
        LOG_WARN("proto_udp", "SO_RCVBUF %d: %s", want, strerror(errno));
    }
    timeval tv{0, 100000};  // Serve() checks its stop flag this often
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int got = 0;
    socklen_t gl = sizeof got;
    getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &got, &gl);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
      return Status::Unavailable(std::string("bind ") + a.ToString() + ": " + strerror(errno));
    sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &bl);
    local_ = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&bound));
    name_ = "udp:" + local_.ToString();
    LOG_INFO("proto_udp", "%s: receive buffer %d bytes (requested %d; kernel doubles it)",
             name_.c_str(), got, opt_.rcvbuf);
    core_->AddSender(this);
    registered_ = true;
    return Status::Ok();
  }

  int Workers() const override { return spec_.children > 0 ? spec_.children : 1; }

  void Serve(int, const std::atomic<bool>& stop) override {
    const int n = opt_.batch > 0 && opt_.batch <= 256 ? opt_.batch : 32;
    std::vector<std::string> bufs(n, std::string(kMaxDatagram, '\0'));
    std::vector<mmsghdr> msgs(n);
    std::vector<iovec> iov(n);
    std::vector<sockaddr_storage> from(n);
    ScriptRunner& script = reg_.script();
    // A blocking recvmmsg (MSG_WAITFORONE: waits for the first datagram,
    // then takes what is queued) instead of poll + recvmmsg: one system
    // call a wake-up, and a datagram wakes one worker (the socket's wait is
    // exclusive) instead of every worker polling the socket. SO_RCVTIMEO
    // (Open) bounds the wait so `stop` is seen within 100 ms.
    while (!stop.load(std::memory_order_relaxed)) {
      for (int i = 0; i < n; ++i) {
        iov[i] = {bufs[i].data(), kMaxDatagram};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      }
      int got = recvmmsg(fd_, msgs.data(), n, MSG_WAITFORONE, nullptr);
      if (got < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) st_->rcv_errors.Inc();
        continue;
      }
      for (int i = 0; i < got; ++i) {
        size_t len = msgs[i].msg_len;
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
          st_->truncated.Inc();
          continue;
        }
        st_->rcv_msgs.Inc();
        st_->rcv_bytes.Inc(static_cast<int64_t>(len));
        if (len == 0 || (len <= 4 && bufs[i].find_first_not_of("\r\n", 0) >= len))
          continue;  // keepalive
        MsgContext ctx;
        ctx.buf.assign(bufs[i].data(), len);
        ctx.rcv.src = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&from[i]));
        ctx.rcv.dst = local_;
        ctx.rcv.proto = Proto::kUdp;
        ctx.rcv.listener = name_;
        ctx.recv_time_us = NowUs();
        ctx.vars = reg_.WorkerVars();
        ctx.route_type = kRequestRoute;
        if (proxy::ProcessSip(*core_, script, ctx) == proxy::ProcessResult::kBad)
          st_->bad_msgs.Inc();
      }
    }
  }

  void Shutdown() override {
    LOG_INFO(
        "proto_udp", "%s: received %lld, bad %lld, truncated %lld, sent %lld, send errors %lld",
        name_.c_str(), static_cast<long long>(st_->rcv_msgs.Get()),
        static_cast<long long>(st_->bad_msgs.Get()), static_cast<long long>(st_->truncated.Get()),
        static_cast<long long>(st_->snd_msgs.Get()), static_cast<long long>(st_->snd_errors.Get()));
    if (registered_) {
      core_->RemoveSender(this);
      registered_ = false;
    }
  }
  std::string Name() const override { return name_; }

  // proxy::Sender
  Proto proto() const override { return Proto::kUdp; }
  const SockAddr& local() const override { return local_; }
  const std::string& name() const override { return name_; }
  Status Send(const SockAddr& dst, std::string_view data) override {
    sockaddr_storage ss;
    socklen_t len = dst.ToSockaddr(&ss);
    if (len == 0) return Status::Invalid("unset destination");
    ssize_t n = sendto(fd_, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                       reinterpret_cast<sockaddr*>(&ss), len);
    if (n < 0 || static_cast<size_t>(n) != data.size()) {
      st_->snd_errors.Inc();
      return Status::Unavailable("sendto " + dst.ToString() + ": " + strerror(errno));
    }
    st_->snd_msgs.Inc();
    return Status::Ok();
  }

 private:
  ListenSpec spec_;
  Registrar& reg_;
  proxy::ProxyCore* core_;
  UdpOptions opt_;
  UdpStats* st_;
  int fd_ = -1;
  bool registered_ = false;
  SockAddr local_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<Listener>> MakeUdpListener(const ListenSpec& spec, Registrar& reg,
                                                  proxy::ProxyCore* core, const UdpOptions& opt,
                                                  UdpStats* stats) {
  return std::unique_ptr<Listener>(new UdpListener(spec, reg, core, opt, stats));
}

}  // namespace sipcapd::proto_udp
