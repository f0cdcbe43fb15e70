// hep_tcp listener: one listening socket shared by Workers() threads. Each
// worker runs its own epoll reactor: it accepts (EPOLLEXCLUSIVE spreads new
// connections over the workers), owns the connections it accepted, frames
// the byte stream by the HEPv3 length (NextFrame: a frame may be split
// anywhere, even inside the 6-byte header; any number of frames per read;
// frames are at most 65535 bytes by construction) and hands every frame to
// HepReceiver::OnPacket on that same thread, exactly like hep_udp.
//
// Connection policy (all counted in HepStats):
//  - total connections > max_connections, or connections from one source
//    IP > max_conns_per_ip: the new connection is closed (tcp_rejected);
//  - bytes that are not a HEPv3/EEP1 header (bad magic or a length < 6):
//    the connection is closed (tcp_garbage); a TLS ClientHello is logged as
//    "TLS on the plain hep_tcp port";
//  - a frame started but not completed within stall_timeout_ms: closed
//    (tcp_stalled);
//  - nothing received for idle_timeout_ms: closed (tcp_idle_closed).
// A frame with a valid header whose contents do not decode is counted by
// the receiver (err_*) and the connection stays open (framing is intact).
// Serve() returns within ~100 ms of `stop` being set or Shutdown().
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/module/module_api.h"
#include "modules/proto_hep/hep_receiver.h"

namespace sipcapd::hep {

struct TcpListenOptions {
  int workers = 1;
  int max_connections = 2048;    // total accepted, over all workers; 0 = no cap
  int max_conns_per_ip = 64;     // accepted from one source IP; 0 = no cap
  int idle_timeout_ms = 600000;  // 0 = never
  int stall_timeout_ms = 10000;  // 0 = never
};

class HepTcpListener : public Listener {
 public:
  HepTcpListener(ListenSpec spec, TcpListenOptions opts, HepReceiver* rx,
                 std::function<VarStore*()> vars);
  ~HepTcpListener() override;
  Status Open() override;
  int Workers() const override { return opts_.workers; }
  void Serve(int worker_index, const std::atomic<bool>& stop) override;
  void Shutdown() override;
  std::string Name() const override { return name_; }
  SockAddr local() const { return local_; }  // after Open (port 0 resolved)
  int connections() const { return total_.load(); }

 private:
  struct Conn;
  bool Admit(const IpAddr& ip);    // takes a slot (caps); false: reject
  void Release(const IpAddr& ip);  // gives the slot back
  void CloseConn(int epfd, Conn* c, std::map<int, Conn>* conns);
  // Reads everything available and processes whole frames. False: closed.
  bool ReadConn(Conn* c, const HepNet& base, VarStore* vars, int64_t now_ms);

  ListenSpec spec_;
  TcpListenOptions opts_;
  HepReceiver* rx_;
  std::function<VarStore*()> vars_;
  int fd_ = -1;
  SockAddr local_;
  std::string name_;
  std::atomic<bool> closing_{false};
  std::atomic<int> total_{0};
  struct IpLess {
    bool operator()(const IpAddr& a, const IpAddr& b) const {
      return a.family != b.family ? a.family < b.family : a.bytes < b.bytes;
    }
  };
  std::mutex ip_mu_;
  std::map<IpAddr, int, IpLess> per_ip_;  // guarded by ip_mu_
};

}  // namespace sipcapd::hep
