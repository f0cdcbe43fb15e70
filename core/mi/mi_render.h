// MI reply renderers: one MiResult (a JSON body) rendered for each
// transport. Pure functions; thread-safe.
//
// How a JSON body maps to the OpenSIPS 2.x MI tree (text form), so that
// handlers can produce the exact 2.4 reply shapes (doc/mi.md):
//   * null body              -> no nodes ("200 OK\n\n")
//   * scalar body            -> one unnamed node:            "on"
//   * array body             -> one unnamed node per element
//   * object body            -> one node per member, named by the key
//   * member scalar          -> "name:: value"
//   * member null            -> "name:: "                    (no value)
//   * member array           -> one node per element, all named "name"
//   * member object          -> "name:: [@value][ k=v]..." then its other
//                               members as children, one indent deeper.
//                               "@value" is the node's value, "@attrs" an
//                               object of scalar attributes.
//   e.g. {"Process":[{"@attrs":{"ID":0,"PID":7,"Type":"main"}}]}
//        -> "Process::  ID=0 PID=7 Type=main"
// In JSON-RPC replies the hints are flattened: "@attrs" members are merged
// into their object and "@value" becomes "value".
#pragma once

#include <string>
#include <string_view>

#include "core/module/module_api.h"

namespace sipcapd::mi {

// "<code> <reason>\n" + nodes + "\n" (an empty line ends every reply).
std::string RenderText(const MiResult& result, std::string_view indent = "\t");

// A JSON-RPC 2.0 response (compact unless `pretty`). Success codes
// (200..299) give {"result": body or "OK"}; others give
// {"error": {"code": code, "message": reason}}.
std::string RenderJsonRpc(const MiResult& result, const cJSON* id, bool pretty = false);
// A JSON-RPC error response; `data` is omitted when empty.
std::string RenderJsonRpcError(int code, std::string_view message, std::string_view data,
                               const cJSON* id, bool pretty = false);

// A deep copy of `body` with the text-form hints flattened (see above).
JsonPtr FlattenHints(const cJSON* body);

// Text of a scalar JSON value: strings as is, integral numbers without a
// fraction, other numbers with up to 17 significant digits, booleans as
// "true"/"false", null as "".
std::string ScalarText(const cJSON* j);

}  // namespace sipcapd::mi
