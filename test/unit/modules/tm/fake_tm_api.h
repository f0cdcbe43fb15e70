// A tm::TmApi for unit tests of tm's users (dialog, siptrace): it keeps the
// callbacks registered, and the test plays tm's part by firing events.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "modules/tm/tm_api.h"

namespace sipcapd::tm::testing {

class FakeTmApi : public TmApi {
 public:
  bool RegisterCallback(MsgContext&, uint32_t mask, TmCallback cb) override {
    cbs.emplace_back(mask, std::move(cb));
    return true;
  }
  void OnNewRequest(TmRequestHook) override {}
  uint64_t TransactionId(MsgContext&) override { return 0; }
  // Runs every callback registered for p.type.
  void Fire(const TmCbParams& p) {
    for (auto& [m, cb] : cbs)
      if (m & p.type) cb(p);
  }
  std::vector<std::pair<uint32_t, TmCallback>> cbs;
};

}  // namespace sipcapd::tm::testing
