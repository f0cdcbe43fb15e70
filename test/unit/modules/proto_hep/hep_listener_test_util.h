// Test helpers shared by the hep_tcp and hep_tls listener tests: a
// HepTcpListener (plain, or TLS when the options carry a context) on
// loopback, served by its worker threads until destruction; what the
// receive callback got; numbered HEPv3 frames.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "modules/proto_hep/hep_service.h"
#include "modules/proto_hep/hep_tcp_listener.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep::testing {

struct RunningListener {
  // port 0: chosen by the OS (read it back with port()).
  RunningListener(HepService& svc, TcpListenOptions o, const char* host = "127.0.0.1",
                  uint16_t p = 0) {
    ListenSpec spec;
    spec.host = host;
    spec.port = p;
    listener = std::make_unique<HepTcpListener>(spec, o, &svc.receiver(), nullptr);
    ok = listener->Open().ok();
    if (!ok) return;
    for (int i = 0; i < listener->Workers(); ++i)
      threads.emplace_back([this, i] { listener->Serve(i, stop); });
  }
  ~RunningListener() {
    stop = true;
    if (ok) listener->Shutdown();
    for (auto& t : threads) t.join();
  }
  uint16_t port() const { return listener->local().port; }
  std::unique_ptr<HepTcpListener> listener;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  bool ok = false;
};

// Payloads and HepNets handed to the receive callback.
struct Got {
  std::mutex mu;
  std::vector<std::string> payloads;
  std::vector<HepNet> nets;
  size_t size() {
    std::lock_guard<std::mutex> l(mu);
    return payloads.size();
  }
  void Attach(HepService& svc) {
    svc.RegisterReceiveCallback([this](MsgContext& ctx) {
      const HepContext* h = GetHepContext(ctx);
      std::lock_guard<std::mutex> l(mu);
      payloads.push_back(ctx.buf);
      if (h) nets.push_back(h->net);
    });
  }
};

inline std::string Sip(int i) { return "OPTIONS sip:" + std::to_string(i) + " SIP/2.0\r\n\r\n"; }

inline std::string Frame(int i) {
  return Hep3({Ch(1, Be(2, 1)), Ch(2, Be(17, 1)), Ch(3, Ip4(10, 0, 0, 1)), Ch(4, Ip4(10, 0, 0, 2)),
               Ch(7, Be(5060, 2)), Ch(8, Be(5080, 2)), Ch(9, Be(1700000000, 4)), Ch(10, Be(i, 4)),
               Ch(11, Be(1, 1)), Ch(12, Be(7, 4)), Ch(15, Sip(i))});
}

}  // namespace sipcapd::hep::testing
