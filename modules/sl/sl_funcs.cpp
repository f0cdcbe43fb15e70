#include "modules/sl/sl_funcs.h"

#include <charconv>

#include "core/base/log.h"
#include "core/proxy/reply.h"
#include "core/sip/msg_helpers.h"

namespace sipcapd::sl {

int CodeArg(const Value& v) {
  int64_t c = -1;
  if (v.is_int()) {
    c = v.int_value();
  } else if (v.is_str()) {
    const std::string& s = v.str_value();
    auto r = std::from_chars(s.data(), s.data() + s.size(), c);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return -1;
  }
  return c >= 100 && c <= 699 ? static_cast<int>(c) : -1;
}

int SendStatelessReply(proxy::ProxyCore& core, MsgContext& ctx, int code, std::string_view reason) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_request()) {
    LOG_ERR("sl", "cannot reply: not a SIP request");
    return -1;
  }
  if (m->method() == "ACK") return 1;
  auto r = proxy::BuildReply(*m, ctx.rcv.src, code, reason);
  if (!r.ok()) {
    LOG_ERR("sl", "cannot build reply: %s", r.status().message().c_str());
    return -1;
  }
  Status st = core.SendReply(ctx, *r);
  if (!st.ok()) {
    LOG_ERR("sl", "cannot send reply: %s", st.message().c_str());
    return -1;
  }
  return 1;
}

int ReplyError(proxy::ProxyCore& core, MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  if (m && m->ok()) return SendStatelessReply(core, ctx, 500, "Server Internal Error");
  return SendStatelessReply(core, ctx, 400, "Bad Request");
}

}  // namespace sipcapd::sl
