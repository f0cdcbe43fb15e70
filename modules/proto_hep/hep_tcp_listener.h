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
//
// hep_tls is the same listener with TcpListenOptions::tls set: the same
// reactor, caps, timeouts and framing run over the decrypted stream (see
// hep_tls.h). Per connection, before the handshake, the first byte is
// sniffed: plain HEP (HEP3/EEP1/v1/v2) is logged as "plain HEP on the TLS
// port" and closed (tls_plain_hep), other non-TLS bytes are garbage
// (tcp_garbage). The handshake is driven by the reactor without blocking and
// bounded by handshake_timeout_ms (tls_handshake_timeout); a failed one is
// counted in tls_client_cert_rejected (client certificate missing or not
// verified, with tls_verify_client) or tls_handshake_failed. The tcp_*
// counters count hep_tls connections too; HepNet::proto is kHepTls.
// Serve() returns within ~100 ms of `stop` being set or Shutdown().
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/module/module_api.h"
#include "modules/proto_hep/hep_receiver.h"

namespace sipcapd::hep {

class TlsContext;

struct TcpListenOptions {
  int workers = 1;
  int max_connections = 2048;             // total accepted, over all workers; 0 = no cap
  int max_conns_per_ip = 64;              // accepted from one source IP; 0 = no cap
  int idle_timeout_ms = 600000;           // 0 = never
  int stall_timeout_ms = 10000;           // 0 = never
  std::shared_ptr<const TlsContext> tls;  // set: a hep_tls listener (server context)
  int handshake_timeout_ms = 5000;        // TLS only; 0 = never
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
  // One read from the socket or the TLS session: > 0 bytes, 0 peer closed,
  // -1 nothing now, -2 error.
  ssize_t RecvSome(Conn* c, uint8_t* p, size_t len);
  // TLS: sniffs the first byte, then drives the handshake. False: close.
  bool StepHandshake(Conn* c, int64_t now_ms);
  // Accepts what the listening socket has; rejects over the caps.
  void AcceptAll(int epfd, std::map<int, Conn>* conns, int64_t now_ms, int64_t* last_reject_log);
  // Closes connections past their handshake / stall / idle deadline.
  void ExpireConns(int epfd, std::map<int, Conn>* conns, int64_t now_ms);
  void UpdateEvents(int epfd, Conn* c);  // EPOLLOUT while TLS wants to write

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
