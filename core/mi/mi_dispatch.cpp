#include "core/mi/mi_dispatch.h"

#include <cjson/cJSON.h>

#include <exception>

#include "core/base/log.h"
#include "core/mi/mi_render.h"
#include "core/mi/mi_request.h"

namespace sipcapd {

namespace {

std::string FailedReason(std::string_view command) {
  return "command '" + std::string(command) + "' failed";
}

// The 2.x reason handlers use for an argument count mismatch; JSON-RPC
// clients get the 3.x "Invalid params" error for it.
constexpr std::string_view kTooFewOrMany = "Too few or too many arguments";

}  // namespace

MiResult MiDispatcher::Run(std::string_view command, const MiParams& params,
                           std::string_view backend) const {
  MiResult result;
  const MiExport* mi = registry_.FindMi(command);
  if (!mi) {
    result = MiResult::Error(500, "command '" + std::string(command) + "' not available");
  } else {
    try {
      result = mi->handler(params);
    } catch (const std::exception& e) {
      LOG_ERR("mi", "MI command '%.*s' failed: %s", static_cast<int>(command.size()),
              command.data(), e.what());
      result = MiResult::Error(500, FailedReason(command));
    } catch (...) {
      result = MiResult::Error(500, FailedReason(command));
    }
  }
  for (const auto& obs : observers_) obs(MiCallInfo{command, backend, params, result});
  return result;
}

std::string MiDispatcher::HandleText(std::string_view command, std::string_view arg_lines,
                                     std::string_view indent, std::string_view backend) const {
  Result<MiParams> params = mi::ParseTextArgs(arg_lines);
  if (!params.ok()) {
    // Unknown commands are reported as such even when their args are bad.
    if (!registry_.FindMi(command))
      return mi::RenderText(
          MiResult::Error(500, "command '" + std::string(command) + "' not available"), indent);
    return mi::RenderText(
        MiResult::Error(400, "Parse error in command '" + std::string(command) + "'"), indent);
  }
  return mi::RenderText(Run(command, params.value(), backend), indent);
}

std::string MiDispatcher::HandleJsonRpc(std::string_view json, bool* reply, bool pretty,
                                        std::string_view backend) const {
  mi::JsonRpcRequest req = mi::ParseJsonRpc(json);
  *reply = req.has_id;
  std::string out;
  if (req.error_code != 0) {
    out = mi::RenderJsonRpcError(req.error_code, req.error_message, req.error_data, req.id.get(),
                                 pretty);
  } else if (!registry_.FindMi(req.method)) {
    out = mi::RenderJsonRpcError(mi::kJsonMethodNotFound, "Method not found", "", req.id.get(),
                                 pretty);
  } else {
    MiResult r = Run(req.method, req.params, backend);
    if (r.code == 500 && r.reason == FailedReason(req.method))
      out = mi::RenderJsonRpcError(mi::kJsonServerError, "Server error",
                                   "Command handler returned null", req.id.get(), pretty);
    else if (r.code == 400 && r.reason == kTooFewOrMany)
      out = mi::RenderJsonRpcError(mi::kJsonInvalidParams, "Invalid params",
                                   "Too few or too many parameters", req.id.get(), pretty);
    else
      out = mi::RenderJsonRpc(r, req.id.get(), pretty);
  }
  if (!*reply) return "";
  return out;
}

}  // namespace sipcapd
