// MI FIFO request framing and parsing: pure functions over bytes.
//
// Two request forms arrive on the same FIFO (doc/mi.md has the grammar):
//   2.x text:   ":<command>:<reply_fifo>\n" <arg line>* "\n"
//   3.x JSON:   ":<reply_fifo>:" <JSON-RPC 2.0 object>
// told apart by the byte after the second ':' ('{' means JSON-RPC).
// NextFifoRequest() cuts one request off the front of a byte stream;
// ParseTextArgs() and ParseJsonRpc() turn a framed request into MiParams.
// No logging, no allocation beyond the results, never reads past the input.
// Thread-safety: stateless.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/module/module_api.h"

namespace sipcapd::mi {

// Bytes one request may take (first line + args, or the whole JSON text).
constexpr size_t kMaxFifoRequest = 64 * 1024;

enum class FifoProto { kText, kJsonRpc };

struct FifoFrame {
  FifoProto proto = FifoProto::kText;
  std::string command;     // text form only
  std::string reply_fifo;  // plain file name; empty: the client wants no reply
  std::string body;        // text: the argument lines; JSON: the JSON text
};

enum class FrameState {
  kComplete,   // `frame` holds one request; drop `consumed` bytes
  kNeedMore,   // wait for more bytes; `consumed` leading bytes are blank and may be dropped
  kMalformed,  // drop `consumed` bytes; `error` says why; `frame.reply_fifo`
               // (and command) are set when the header was readable
};

struct FrameResult {
  FrameState state = FrameState::kNeedMore;
  size_t consumed = 0;
  bool header_ok = false;  // frame.reply_fifo / command are meaningful
  FifoFrame frame;
  std::string error;
};

// Cuts the first request off `buf`. Blank bytes between requests are
// skipped. A request longer than kMaxFifoRequest is reported kMalformed
// only once the caller's buffer holds that many bytes (the caller caps
// its buffer at kMaxFifoRequest and resynchronises on the next blank line).
FrameResult NextFifoRequest(std::string_view buf);

// True if `name` is acceptable as a reply FIFO name: non-empty, at most
// 255 bytes, no '/', '\\', '.', control characters or spaces.
bool ValidReplyFifoName(std::string_view name);

// Parses the argument lines of a 2.x text request. Each line is a node:
//   [name::] value   |   [name::] "quoted value" (may span lines, \" escapes)
// An empty line always ends a request, also inside a quoted value (so a
// client that never closes its quote cannot swallow later requests).
// `name:: value` is a named parameter, anything else a positional one
// (trimmed). Error: unterminated quote, empty name before "::".
Result<MiParams> ParseTextArgs(std::string_view lines);

// JSON-RPC 2.0 error codes used by the 3.x MI.
constexpr int kJsonParseError = -32700;
constexpr int kJsonInvalidRequest = -32600;
constexpr int kJsonMethodNotFound = -32601;
constexpr int kJsonInvalidParams = -32602;
constexpr int kJsonServerError = -32000;

struct JsonRpcRequest {
  std::string method;
  MiParams params;
  JsonPtr id;           // a copy of the request id (null JSON when absent)
  bool has_id = false;  // false: a notification, no reply is sent
  int error_code = 0;   // != 0: the request is invalid; reply with this error
  std::string error_message;
  std::string error_data;
};

// Parses one JSON-RPC request. `params` may be absent, an array (values
// become positional parameters; a nested array of scalars is flattened)
// or an object (members become named parameters; an array value gives one
// named entry per element). Scalars are converted to their text form.
JsonRpcRequest ParseJsonRpc(std::string_view json);

}  // namespace sipcapd::mi
