// hep_udp listener: one UDP socket shared by Workers() threads, each
// receiving in recvmmsg batches of up to 65535-byte datagrams; truncation
// (MSG_TRUNC) and the kernel drop counter (SO_RXQ_OVFL) are counted; the
// requested SO_RCVBUF is applied and the effective value logged. Serve()
// returns within ~100 ms of `stop` being set.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/module/module_api.h"
#include "modules/proto_hep/hep_receiver.h"

namespace sipcapd::hep {

struct UdpOptions {
  int workers = 1;
  int rcvbuf = 0;  // bytes requested; 0 keeps the system default
};

// The listening address of a ListenSpec host: "" and "*" are 0.0.0.0, an
// IP literal as is, else the first address the name resolves to.
Result<IpAddr> ResolveListenHost(const std::string& host);

// How long a worker that has just emptied the socket pauses before it
// reads again, in ns, for a socket whose receive buffer is `rcvbuf` bytes:
// at most 1 ms, and no longer than half of the buffer takes to fill at
// 800 MB/s of the kernel's accounting (hep_udp_listener.cpp).
long ReadPauseNs(int rcvbuf);

class HepUdpListener : public Listener {
 public:
  HepUdpListener(ListenSpec spec, UdpOptions opts, HepReceiver* rx,
                 std::function<VarStore*()> vars);
  ~HepUdpListener() override;
  Status Open() override;
  int Workers() const override { return opts_.workers; }
  void Serve(int worker_index, const std::atomic<bool>& stop) override;
  void Shutdown() override;
  std::string Name() const override { return name_; }
  SockAddr local() const { return local_; }  // after Open (port 0 resolved)
  int effective_rcvbuf() const { return effective_rcvbuf_; }

 private:
  ListenSpec spec_;
  UdpOptions opts_;
  HepReceiver* rx_;
  std::function<VarStore*()> vars_;
  int fd_ = -1;
  SockAddr local_;
  int effective_rcvbuf_ = 0;
  long pause_ns_ = 0;  // Serve(): pause after a read that emptied the socket
  std::string name_;
  std::atomic<bool> closing_{false};
};

}  // namespace sipcapd::hep
