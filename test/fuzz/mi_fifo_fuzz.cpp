// Fuzzes the MI FIFO request path: stream framing (both forms), the 2.x
// argument-line parser and the JSON-RPC parser, then renders a reply.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/mi/mi_render.h"
#include "core/mi/mi_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sipcapd;
  std::string buf(reinterpret_cast<const char*>(data), size);
  for (int rounds = 0; rounds < 64 && !buf.empty(); ++rounds) {
    mi::FrameResult r = mi::NextFifoRequest(buf);
    if (r.consumed > buf.size()) __builtin_trap();
    if (r.state == mi::FrameState::kNeedMore) break;
    if (r.state == mi::FrameState::kComplete) {
      if (r.frame.proto == mi::FifoProto::kText) {
        Result<MiParams> p = mi::ParseTextArgs(r.frame.body);
        (void)p;
      } else {
        mi::JsonRpcRequest j = mi::ParseJsonRpc(r.frame.body);
        mi::RenderJsonRpcError(j.error_code, j.error_message, j.error_data, j.id.get());
      }
    }
    if (r.consumed == 0) break;
    buf.erase(0, r.consumed);
  }
  mi::ParseTextArgs(std::string_view(reinterpret_cast<const char*>(data), size));
  mi::JsonRpcRequest j =
      mi::ParseJsonRpc(std::string_view(reinterpret_cast<const char*>(data), size));
  if (j.error_code == 0) {
    MiResult res = MiResult::Ok();
    mi::RenderText(res);
  }
  return 0;
}
