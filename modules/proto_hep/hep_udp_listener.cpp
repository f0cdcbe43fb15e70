// hep_udp listener (contract in hep_udp_listener.h).
#include "modules/proto_hep/hep_udp_listener.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/base/log.h"

namespace sipcapd::hep {
namespace {
constexpr int kBatch = 64;
constexpr size_t kDatagramBuf = 65536;  // > 65535: a full datagram never truncates
// After a read that emptied the socket, a worker that just received pauses
// and then reads without blocking, instead of sleeping on the socket at
// once (see Serve()): for at most 1 ms, and no longer than half the receive
// buffer takes to fill at 800 MB/s. The kernel charges a datagram's whole
// buffer against SO_RCVBUF (on loopback 1280 bytes up to ~600 bytes of
// payload, 2304 up to ~1.5 KB), so that is a burst of ~350k datagrams/s
// starting during the pause; 133 us with the default 208 KB buffer, 1 ms
// from 1.6 MB up. (Sized first at 200 MB/s of payload, i.e. 530 us: with
// the default buffer a sipcapd node then lost 82-1137 of 300 k datagrams
// at 100 k/s and 3-9 k of 600 k at 200 k/s; now 0-360 and 78-1324,
// session 8.)
constexpr long kMaxPauseNs = 1000000;
constexpr double kPauseFillBytesPerNs = 0.8;

}  // namespace

long ReadPauseNs(int rcvbuf) {
  return std::min(kMaxPauseNs, static_cast<long>(rcvbuf / 2 / kPauseFillBytesPerNs));
}

Result<IpAddr> ResolveListenHost(const std::string& host) {
  if (host.empty() || host == "*") return IpAddr::V4(0);
  if (auto ip = IpAddr::Parse(host)) return *ip;
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res)
    return Status::NotFound("cannot resolve '" + host + "'");
  SockAddr sa = SockAddr::FromSockaddr(res->ai_addr);
  freeaddrinfo(res);
  return sa.ip;
}

HepUdpListener::HepUdpListener(ListenSpec spec, UdpOptions opts, HepReceiver* rx,
                               std::function<VarStore*()> vars)
    : spec_(std::move(spec)), opts_(opts), rx_(rx), vars_(std::move(vars)) {
  if (opts_.workers < 1) opts_.workers = 1;
}

HepUdpListener::~HepUdpListener() {
  if (fd_ >= 0) close(fd_);
}

Status HepUdpListener::Open() {
  auto ip = ResolveListenHost(spec_.host);
  if (!ip.ok()) return ip.status();
  SockAddr addr{ip.value(), spec_.port};
  sockaddr_storage ss;
  socklen_t len = addr.ToSockaddr(&ss);
  fd_ = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Status::Internal(std::string("hep_udp socket: ") + strerror(errno));
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd_, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
  timeval tv{0, 100000};  // Serve() checks its stop flag this often
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (opts_.rcvbuf > 0) {
    if (setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &opts_.rcvbuf, sizeof(int)) != 0)
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &opts_.rcvbuf, sizeof(int));
  }
  socklen_t il = sizeof(int);
  getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &effective_rcvbuf_, &il);
  pause_ns_ = ReadPauseNs(effective_rcvbuf_);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return Status::Unavailable("hep_udp bind " + addr.ToString() + ": " + strerror(errno));
  sockaddr_storage bound;
  socklen_t bl = sizeof(bound);
  getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &bl);
  local_ = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&bound));
  name_ = "hep_udp:" + local_.ToString();
  if (opts_.rcvbuf > 0 && effective_rcvbuf_ < opts_.rcvbuf)
    LOG_WARN("proto_hep", "%s: receive buffer %d requested, %d applied (raise net.core.rmem_max)",
             name_.c_str(), opts_.rcvbuf, effective_rcvbuf_);
  LOG_INFO("proto_hep", "%s: listening, %d workers, receive buffer %d bytes", name_.c_str(),
           opts_.workers, effective_rcvbuf_);
  return Status::Ok();
}

void HepUdpListener::Serve(int worker_index, const std::atomic<bool>& stop) {
  std::vector<char> bufs(kBatch * kDatagramBuf);
  std::vector<char> ctrl(kBatch * CMSG_SPACE(sizeof(uint32_t)));
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_storage peers[kBatch];
  VarStore* vars = vars_ ? vars_() : nullptr;
  VarStore local_vars;
  if (!vars) vars = &local_vars;
  HepNet net;
  net.family = local_.ip.family;
  net.proto = Proto::kHepUdp;
  net.dst = local_;
  net.listener = name_;
  // A blocking recvmmsg (MSG_WAITFORONE: waits for the first datagram, then
  // takes what is queued) instead of poll + recvmmsg: one system call a
  // wake-up, and a datagram wakes one worker (the socket's wait is
  // exclusive) instead of every worker polling the socket. SO_RCVTIMEO
  // (Open) bounds the wait so `stop` is seen within 100 ms.
  bool busy = false;
  const timespec pause{0, pause_ns_};
  while (!stop.load(std::memory_order_relaxed) && !closing_.load(std::memory_order_relaxed)) {
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {bufs.data() + i * kDatagramBuf, kDatagramBuf};
      std::memset(&msgs[i].msg_hdr, 0, sizeof(msghdr));
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &peers[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(peers[i]);
      msgs[i].msg_hdr.msg_control = ctrl.data() + i * CMSG_SPACE(sizeof(uint32_t));
      msgs[i].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint32_t));
    }
    int n =
        recvmmsg(fd_, msgs, kBatch, (busy ? MSG_DONTWAIT : MSG_WAITFORONE) | MSG_TRUNC, nullptr);
    busy = n > 0;
    if (n <= 0) continue;
    for (int i = 0; i < n; ++i) {
      msghdr& h = msgs[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops;
          std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
          rx_->stats()->kernel_drops.Set(drops);
        }
      }
      if ((h.msg_flags & MSG_TRUNC) || msgs[i].msg_len > kDatagramBuf) {
        rx_->stats()->received.Inc();
        rx_->stats()->truncated.Inc();
        continue;
      }
      net.src = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&peers[i]));
      rx_->OnPacket(std::string_view(bufs.data() + i * kDatagramBuf, msgs[i].msg_len), net, vars);
    }
    if (n < kBatch && pause_ns_ > 0) nanosleep(&pause, nullptr);
  }
  (void)worker_index;
}

void HepUdpListener::Shutdown() { closing_.store(true); }

}  // namespace sipcapd::hep
