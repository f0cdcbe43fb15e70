#include "modules/sipcapture/capture_raw_socket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace sipcapd::sipcapture {
namespace {

Status Errno(const std::string& what) {
  return Status::Unavailable("raw capture: " + what + ": " + strerror(errno));
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status RawCapture::Open(Mode mode, const RawListen& listen, const std::string& iface, bool promisc,
                        bool bpf) {
  mode_ = mode;
  listen_ = listen;
  iface_ = iface;
  if (mode == Mode::kIpip) {
    fd_ = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_IPIP);
    if (fd_ < 0) return Errno("socket(AF_INET, SOCK_RAW, IPPROTO_IPIP)");
    if (listen.ip.family == AF_INET && !listen.ip.IsAny()) {
      SockAddr a{listen.ip, 0};
      sockaddr_storage ss;
      socklen_t sl = a.ToSockaddr(&ss);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), sl) != 0)
        return Errno("bind " + listen.ip.ToString());
    }
  } else {
    if (listen.port_start == 0)
      return Status::Invalid(
          "raw_moni_capture_on needs a port or port range in "
          "raw_socket_listen (\"IP:port[-port]\")");
    fd_ = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd_ < 0) return Errno("socket(AF_PACKET, SOCK_DGRAM)");
    if (bpf) {
      auto prog =
          BuildPortBpf(listen.port_start, listen.port_end ? listen.port_end : listen.port_start);
      sock_fprog fp{static_cast<unsigned short>(prog.size()), prog.data()};
      if (setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) != 0)
        return Errno("SO_ATTACH_FILTER");
    }
    if (!iface.empty()) {
      unsigned idx = if_nametoindex(iface.c_str());
      if (idx == 0) return Errno("raw_interface '" + iface + "'");
      sockaddr_ll ll{};
      ll.sll_family = AF_PACKET;
      ll.sll_protocol = htons(ETH_P_ALL);
      ll.sll_ifindex = static_cast<int>(idx);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&ll), sizeof(ll)) != 0)
        return Errno("bind to " + iface);
    }
  }
  if (!iface.empty() && mode == Mode::kIpip &&
      setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, iface.c_str(),
                 static_cast<socklen_t>(iface.size())) != 0)
    return Errno("SO_BINDTODEVICE " + iface);
  if (promisc && !iface.empty()) {
    ifreq ifr{};
    strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd_, SIOCGIFFLAGS, &ifr) != 0) return Errno("SIOCGIFFLAGS " + iface);
    if (!(ifr.ifr_flags & IFF_PROMISC)) {
      ifr.ifr_flags |= IFF_PROMISC;
      if (ioctl(fd_, SIOCSIFFLAGS, &ifr) != 0) return Errno("SIOCSIFFLAGS promisc " + iface);
      promisc_set_ = true;
    }
  }
  return Status::Ok();
}

void RawCapture::Close() {
  if (fd_ < 0) return;
  if (promisc_set_) {
    ifreq ifr{};
    strncpy(ifr.ifr_name, iface_.c_str(), IFNAMSIZ - 1);
    if (ioctl(fd_, SIOCGIFFLAGS, &ifr) == 0) {
      ifr.ifr_flags &= ~IFF_PROMISC;
      (void)ioctl(fd_, SIOCSIFFLAGS, &ifr);
    }
    promisc_set_ = false;
  }
  close(fd_);
  fd_ = -1;
}

void RawCapture::Handle(std::string_view pkt, int64_t now_us, const Deliver& deliver) {
  stats_->packets.Inc();
  RawUdp u;
  std::string reason;
  RawResult r;
  {
    std::lock_guard<std::mutex> lk(reasm_mu_);
    uint64_t exp_before = reasm_.expired(), done_before = reasm_.completed();
    r = mode_ == Mode::kIpip ? DecodeIpipPacket(pkt, &reasm_, now_us, &u, &reason)
                             : DecodeIpPacket(pkt, &reasm_, now_us, &u, &reason);
    stats_->frag_expired.Inc(static_cast<int64_t>(reasm_.expired() - exp_before));
    bool done = reasm_.completed() != done_before;
    if (r == RawResult::kFragmentPending || done) stats_->fragments.Inc();
    if (done) stats_->reassembled.Inc();
  }
  switch (r) {
    case RawResult::kFragmentPending: return;
    case RawResult::kNotUdp: stats_->not_udp.Inc(); return;
    case RawResult::kBadPacket: stats_->bad.Inc(); return;
    case RawResult::kUdp: break;
  }
  if (!PortMatches(listen_, u.src.port, u.dst.port)) {
    stats_->port_filtered.Inc();
    return;
  }
  if (u.payload.size() < 20) {  // no SIP message is shorter
    stats_->bad.Inc();
    return;
  }
  stats_->captured.Inc();
  deliver(u, now_us);
}

void RawCapture::Run(const std::atomic<bool>& stop, const Deliver& deliver) {
  std::string buf(65536, '\0');
  while (!stop.load(std::memory_order_relaxed)) {
    pollfd p{fd_, POLLIN, 0};
    int n = poll(&p, 1, 200);
    if (n <= 0) continue;
    for (int i = 0; i < 64; ++i) {  // drain, bounded
      sockaddr_ll from{};
      socklen_t fl = sizeof(from);
      ssize_t got = recvfrom(fd_, buf.data(), buf.size(), MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &fl);
      if (got <= 0) break;
      // A mirror socket sees our own outgoing copies too: skip them, the
      // incoming copy is the one captured (lo shows each packet twice).
      if (mode_ == Mode::kMirror && from.sll_pkttype == PACKET_OUTGOING) continue;
      Handle(std::string_view(buf.data(), static_cast<size_t>(got)), NowUs(), deliver);
    }
  }
}

}  // namespace sipcapd::sipcapture
