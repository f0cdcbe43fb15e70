// Sender tests with several producer threads: each thread's numbered
// packets, sent through a HepService's hep_id "t", and the check that
// every one arrived once, whole and in its thread's order.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "modules/proto_hep/hep_service.h"

namespace sipcapd::hep::testing {

// Packet i of producer k: "t<k>-<i>:" and 100..699 bytes of filler.
inline std::string ProducerPayload(int k, int i) {
  return "t" + std::to_string(k) + "-" + std::to_string(i) + ":" +
         std::string(static_cast<size_t>(100 + (i * 37 + k) % 600), 'x');
}

// Sends packets [from, from + per) from each of `threads` threads through
// svc's id "t".
inline void Produce(HepService& svc, int threads, int per, int from = 0) {
  std::vector<std::thread> ts;
  for (int k = 0; k < threads; ++k)
    ts.emplace_back([&svc, k, per, from] {
      for (int i = from; i < from + per; ++i) {
        Packet p;
        p.payload = ProducerPayload(k, i);
        p.Mark(kChunkPayload);
        ASSERT_TRUE(svc.Send("t", p).ok()) << k << " " << i;
      }
    });
  for (auto& t : ts) t.join();
}

// Every producer's packets arrived once, whole and in its order.
inline void ExpectEveryProducerInOrder(const std::vector<std::string>& payloads, int threads,
                                       int per) {
  ASSERT_EQ(payloads.size(), static_cast<size_t>(threads * per));
  std::vector<int> next(static_cast<size_t>(threads), 0);
  for (const std::string& p : payloads) {
    int k = std::stoi(p.substr(1));
    ASSERT_TRUE(k >= 0 && k < threads) << p.substr(0, 20);
    int& i = next[static_cast<size_t>(k)];
    ASSERT_EQ(p, ProducerPayload(k, i)) << "producer " << k << " packet " << i;
    ++i;
  }
}

}  // namespace sipcapd::hep::testing
