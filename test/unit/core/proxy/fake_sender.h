// A proxy::Sender for unit tests: records what would be sent instead of
// sending it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/proxy/proxy_core.h"

namespace sipcapd::proxy::testing {

class FakeSender : public Sender {
 public:
  // `name` defaults to "udp:<local>" / "tcp:<local>", as a listener's.
  FakeSender(Proto p, SockAddr local, std::string name = "")
      : p_(p), local_(local), name_(std::move(name)) {
    if (name_.empty()) name_ = std::string(p == Proto::kUdp ? "udp:" : "tcp:") + local.ToString();
  }
  Proto proto() const override { return p_; }
  const SockAddr& local() const override { return local_; }
  const std::string& name() const override { return name_; }
  Status Send(const SockAddr& dst, std::string_view data) override {
    sent.push_back({dst, std::string(data)});
    return Status::Ok();
  }
  struct Out {
    SockAddr dst;
    std::string data;
  };
  std::vector<Out> sent;
  // How many sent messages start with `first_line_prefix`.
  size_t Count(std::string_view first_line_prefix) const {
    size_t n = 0;
    for (const auto& o : sent) n += o.data.rfind(first_line_prefix, 0) == 0;
    return n;
  }

 private:
  Proto p_;
  SockAddr local_;
  std::string name_;
};

}  // namespace sipcapd::proxy::testing
