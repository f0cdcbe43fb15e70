// Test helper shared by the hep_tcp and hep_tls listener tests: a
// HepTcpListener (plain, or TLS when the options carry a context) on
// loopback, served by its worker threads until destruction.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "modules/proto_hep/hep_service.h"
#include "modules/proto_hep/hep_tcp_listener.h"

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

}  // namespace sipcapd::hep::testing
