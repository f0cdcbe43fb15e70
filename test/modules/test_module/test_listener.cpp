#include "test/modules/test_module/test_listener.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sipcapd::testmod {
namespace {

class TestListener : public Listener {
 public:
  TestListener(ListenSpec spec, Registrar& reg, Stat* received)
      : spec_(std::move(spec)), reg_(reg), received_(received) {}
  ~TestListener() override {
    if (fd_ >= 0) close(fd_);
  }
  Status Open() override {
    auto ip = IpAddr::Parse(spec_.host);
    if (!ip) return Status::Invalid("bad address " + spec_.host);
    SockAddr a{*ip, spec_.port};
    sockaddr_storage ss;
    socklen_t len = a.ToSockaddr(&ss);
    fd_ = socket(ip->family, SOCK_DGRAM, 0);
    if (fd_ < 0) return Status::Unavailable(strerror(errno));
    if (bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0)
      return Status::Unavailable(std::string("bind: ") + strerror(errno));
    local_ = a;
    return Status::Ok();
  }
  int Workers() const override { return spec_.children > 0 ? spec_.children : 1; }
  void Serve(int, const std::atomic<bool>& stop) override {
    char buf[65536];
    while (!stop.load()) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      sockaddr_storage from;
      socklen_t fl = sizeof from;
      ssize_t n =
          recvfrom(fd_, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 0) continue;
      received_->Inc();
      MsgContext ctx;
      ctx.buf.assign(buf, static_cast<size_t>(n));
      ctx.rcv.src = SockAddr::FromSockaddr(reinterpret_cast<sockaddr*>(&from));
      ctx.rcv.dst = local_;
      ctx.rcv.proto = Proto::kUdp;
      ctx.rcv.listener = Name();
      ctx.vars = reg_.WorkerVars();
      ctx.route_type = kRequestRoute;
      reg_.script().RunRoute(kRequestRoute, "", ctx);
    }
  }
  void Shutdown() override {}
  std::string Name() const override { return "test_udp:" + local_.ToString(); }

 private:
  ListenSpec spec_;
  Registrar& reg_;
  Stat* received_;
  int fd_ = -1;
  SockAddr local_;
};

}  // namespace

Result<std::unique_ptr<Listener>> MakeTestListener(const ListenSpec& spec, Registrar& reg,
                                                   Stat* received) {
  return std::unique_ptr<Listener>(new TestListener(spec, reg, received));
}

}  // namespace sipcapd::testmod
