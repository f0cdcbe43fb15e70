#include "modules/maxfwd/maxfwd_funcs.h"

#include <string>

#include "core/proxy/msg_edit.h"
#include "core/sip/msg_helpers.h"

namespace sipcapd::maxfwd {

int ProcessMaxFwd(MsgContext& ctx, int max, int limit) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_request()) return -2;
  const sip::Header* h = m->Find(sip::HeaderType::kMaxForwards);
  if (!h) {
    return proxy::AppendHeader(ctx, "Max-Forwards: " + std::to_string(max)).ok() ? 2 : -2;
  }
  auto v = m->MaxForwards();
  if (!v) return -2;
  uint32_t n = *v;
  if (n == 0) return -1;
  if (limit > 0 && n > static_cast<uint32_t>(limit)) n = static_cast<uint32_t>(limit);
  size_t off = proxy::OffsetIn(*m, h->value);
  size_t len = h->value.size();
  ctx.buf.replace(off, len, std::to_string(n - 1));
  ctx.sip.reset();
  return 1;
}

}  // namespace sipcapd::maxfwd
