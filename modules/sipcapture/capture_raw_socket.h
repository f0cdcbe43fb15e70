// Raw-socket capture, the socket part (Linux): one socket opened at init
// (IPIP: AF_INET/SOCK_RAW/IPPROTO_IPIP bound to the raw_socket_listen IP;
// mirroring: AF_PACKET/SOCK_DGRAM/ETH_P_ALL, optionally bound to
// raw_interface, promiscuous, with the classic BPF port filter), read by
// raw_sock_children threads (the kernel hands each packet to one reader).
// Each captured UDP datagram in the port range is handed to `deliver`.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "core/base/stats.h"
#include "modules/sipcapture/capture_raw.h"

namespace sipcapd::sipcapture {

struct RawStats {
  Stat packets;        // read from the socket
  Stat captured;       // delivered
  Stat port_filtered;  // UDP outside the port range (user-space check)
  Stat not_udp;        // other protocols / unreassembled fragments
  Stat bad;            // malformed
  Stat fragments;      // fragments read
  Stat reassembled;    // datagrams completed from fragments
  Stat frag_expired;   // incomplete datagrams dropped
};

class RawCapture {
 public:
  enum class Mode { kIpip, kMirror };
  using Deliver = std::function<void(RawUdp&, int64_t now_us)>;

  explicit RawCapture(RawStats* stats) : stats_(stats) {}
  RawCapture(const RawCapture&) = delete;
  RawCapture& operator=(const RawCapture&) = delete;
  ~RawCapture() { Close(); }

  // Opens the socket (needs CAP_NET_RAW). Errors carry errno text.
  Status Open(Mode mode, const RawListen& listen, const std::string& iface, bool promisc, bool bpf);
  // A reader thread: polls the socket until `stop`, decodes, filters,
  // delivers. Thread-safe (fragment reassembly state is shared under a lock).
  void Run(const std::atomic<bool>& stop, const Deliver& deliver);
  // Clears promiscuous mode and closes the socket.
  void Close();

 private:
  void Handle(std::string_view pkt, int64_t now_us, const Deliver& deliver);

  Mode mode_ = Mode::kMirror;
  RawListen listen_;
  std::string iface_;
  int fd_ = -1;
  bool promisc_set_ = false;
  std::mutex reasm_mu_;
  Reassembler reasm_;
  RawStats* stats_;  // owned by the module state (exported statistics)
};

}  // namespace sipcapd::sipcapture
