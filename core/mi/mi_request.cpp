#include "core/mi/mi_request.h"

#include <cjson/cJSON.h>

#include "core/mi/mi_render.h"

namespace sipcapd::mi {

namespace {

// Longest first line accepted before its newline arrives.
constexpr size_t kMaxHeaderLine = 1024;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// Splits "name:: value" into name and value; false when the line has no
// named form (no "::", or the part before it is not a single word).
bool SplitNamed(std::string_view line, std::string_view* name, std::string_view* value) {
  size_t sep = line.find("::");
  if (sep == std::string_view::npos) return false;
  std::string_view n = Trim(line.substr(0, sep));
  for (char c : n)
    if (IsBlank(c) || c == '"') return false;
  *name = n;
  *value = Trim(line.substr(sep + 2));
  return true;
}

// Scans `text` for the closing unescaped quote of a quoted value. Appends
// the unescaped content to `out` (when not null). Returns the index just
// after the closing quote, or npos when the quote stays open.
size_t ScanQuoted(std::string_view text, std::string* out) {
  for (size_t k = 0; k < text.size(); ++k) {
    char c = text[k];
    if (c == '\\' && k + 1 < text.size() && text[k + 1] == '"') {
      if (out) out->push_back('"');
      ++k;
    } else if (c == '"') {
      return k + 1;
    } else if (out) {
      out->push_back(c);
    }
  }
  return std::string_view::npos;
}

FrameResult Malformed(size_t consumed, std::string error) {
  FrameResult r;
  r.state = FrameState::kMalformed;
  r.consumed = consumed;
  r.error = std::move(error);
  return r;
}

// Finds the end of the JSON value starting at s[0] == '{'; npos if not yet.
size_t JsonObjectEnd(std::string_view s) {
  int depth = 0;
  bool in_str = false;
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[k];
    if (in_str) {
      if (c == '\\')
        ++k;
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"')
      in_str = true;
    else if (c == '{' || c == '[')
      ++depth;
    else if (c == '}' || c == ']') {
      if (--depth == 0) return k + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool ValidReplyFifoName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (unsigned char c : name)
    if (c == '/' || c == '\\' || c == '.' || c <= ' ' || c == 0x7f) return false;
  return true;
}

FrameResult NextFifoRequest(std::string_view buf) {
  size_t skip = 0;
  while (skip < buf.size() && IsBlank(buf[skip])) ++skip;
  std::string_view s = buf.substr(skip);
  FrameResult need;
  need.consumed = skip;
  if (s.empty()) return need;

  size_t nl = s.find('\n');
  if (s.front() != ':') {
    if (nl == std::string_view::npos) {
      if (s.size() < kMaxHeaderLine) return need;
      return Malformed(buf.size(), "request does not start with ':'");
    }
    return Malformed(skip + nl + 1, "request does not start with ':'");
  }

  std::string_view first = nl == std::string_view::npos ? s : s.substr(0, nl);
  size_t c2 = first.find(':', 1);
  if (c2 == std::string_view::npos) {
    if (nl == std::string_view::npos && s.size() < kMaxHeaderLine) return need;
    size_t drop = nl == std::string_view::npos ? buf.size() : skip + nl + 1;
    return Malformed(drop, "request header has no second ':'");
  }
  if (c2 + 1 >= s.size()) return need;  // cannot tell the two forms apart yet

  if (s[c2 + 1] == '{') {
    FrameResult r;
    std::string_view reply = s.substr(1, c2 - 1);
    r.frame.proto = FifoProto::kJsonRpc;
    r.frame.reply_fifo = std::string(reply);
    r.header_ok = reply.empty() || ValidReplyFifoName(reply);
    size_t end = JsonObjectEnd(s.substr(c2 + 1));
    if (end == std::string_view::npos) {
      if (s.size() < kMaxFifoRequest) return need;
      r.state = FrameState::kMalformed;
      r.consumed = buf.size();
      r.error = "JSON-RPC request too long";
      return r;
    }
    r.frame.body = std::string(s.substr(c2 + 1, end));
    r.consumed = skip + c2 + 1 + end;
    if (!r.header_ok) {
      r.state = FrameState::kMalformed;
      r.error = "bad reply fifo name";
      return r;
    }
    r.state = FrameState::kComplete;
    return r;
  }

  // 2.x text form: the whole first line is needed.
  if (nl == std::string_view::npos) {
    if (s.size() < kMaxHeaderLine) return need;
    return Malformed(buf.size(), "request header line too long");
  }
  FrameResult r;
  std::string_view header = Trim(first);
  r.frame.proto = FifoProto::kText;
  r.frame.command = std::string(header.substr(1, c2 - 1));
  std::string_view reply = header.size() > c2 + 1 ? header.substr(c2 + 1) : std::string_view();
  r.frame.reply_fifo = std::string(reply);
  r.header_ok = reply.empty() || ValidReplyFifoName(reply);

  size_t p = nl + 1;
  while (true) {
    size_t e = s.find('\n', p);
    if (e == std::string_view::npos) {
      if (s.size() < kMaxFifoRequest) return need;
      r.state = FrameState::kMalformed;
      r.consumed = buf.size();
      r.error = "request too long";
      return r;
    }
    std::string_view line = s.substr(p, e - p);
    if (Trim(line).empty()) {
      r.frame.body = std::string(s.substr(nl + 1, p - (nl + 1)));
      r.consumed = skip + e + 1;
      break;
    }
    p = e + 1;
  }
  if (!r.header_ok) {
    r.state = FrameState::kMalformed;
    r.error = "bad reply fifo name";
  } else if (r.frame.command.empty()) {
    r.state = FrameState::kMalformed;
    r.error = "empty command name";
  } else {
    r.state = FrameState::kComplete;
  }
  return r;
}

Result<MiParams> ParseTextArgs(std::string_view lines) {
  MiParams params;
  size_t p = 0;
  while (p < lines.size()) {
    size_t e = lines.find('\n', p);
    if (e == std::string_view::npos) e = lines.size();
    std::string_view line = Trim(lines.substr(p, e - p));
    p = e + 1;
    if (line.empty()) continue;
    std::string_view name, value;
    bool named = SplitNamed(line, &name, &value);
    if (named && name.empty()) return Status::Invalid("empty parameter name before '::'");
    if (!named) value = line;
    std::string text;
    if (!value.empty() && value.front() == '"') {
      std::string_view rest = value.substr(1);
      while (ScanQuoted(rest, &text) == std::string_view::npos) {
        if (p > lines.size()) return Status::Invalid("unterminated quoted value");
        size_t e2 = lines.find('\n', p);
        if (e2 == std::string_view::npos) e2 = lines.size();
        rest = lines.substr(p, e2 - p);
        if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
        p = e2 + 1;
        text.push_back('\n');
      }
    } else {
      text = std::string(value);
    }
    if (named)
      params.named.emplace_back(std::string(name), std::move(text));
    else
      params.positional.push_back(std::move(text));
  }
  return params;
}

namespace {

bool IsScalar(const cJSON* j) {
  return cJSON_IsString(j) || cJSON_IsNumber(j) || cJSON_IsBool(j) || cJSON_IsNull(j);
}

void Fail(JsonRpcRequest& r, int code, std::string message, std::string data = "") {
  r.error_code = code;
  r.error_message = std::move(message);
  r.error_data = std::move(data);
}

}  // namespace

JsonRpcRequest ParseJsonRpc(std::string_view json) {
  JsonRpcRequest r;
  JsonPtr root(cJSON_ParseWithLength(json.data(), json.size()));
  if (!root) {
    r.has_id = true;  // errors before the id is known are answered with id null
    r.id.reset(cJSON_CreateNull());
    Fail(r, kJsonParseError, "Parse error");
    return r;
  }
  const cJSON* id = cJSON_GetObjectItemCaseSensitive(root.get(), "id");
  if (cJSON_IsObject(root.get()) && id) {
    r.has_id = true;
    if (cJSON_IsString(id) || cJSON_IsNumber(id) || cJSON_IsNull(id)) {
      r.id.reset(cJSON_Duplicate(id, true));
    } else {
      r.id.reset(cJSON_CreateNull());
      Fail(r, kJsonInvalidRequest, "Invalid Request");
      return r;
    }
  } else {
    r.id.reset(cJSON_CreateNull());
  }
  if (!cJSON_IsObject(root.get())) {
    r.has_id = true;
    Fail(r, kJsonInvalidRequest, "Invalid Request");
    return r;
  }
  const cJSON* ver = cJSON_GetObjectItemCaseSensitive(root.get(), "jsonrpc");
  const cJSON* method = cJSON_GetObjectItemCaseSensitive(root.get(), "method");
  if (!cJSON_IsString(ver) || std::string_view(ver->valuestring) != "2.0" ||
      !cJSON_IsString(method) || method->valuestring[0] == '\0') {
    Fail(r, kJsonInvalidRequest, "Invalid Request");
    return r;
  }
  r.method = method->valuestring;
  const cJSON* params = cJSON_GetObjectItemCaseSensitive(root.get(), "params");
  if (!params || cJSON_IsNull(params)) return r;
  if (cJSON_IsArray(params)) {
    const cJSON* el;
    cJSON_ArrayForEach(el, params) {
      if (IsScalar(el)) {
        r.params.positional.push_back(ScalarText(el));
      } else if (cJSON_IsArray(el)) {
        const cJSON* sub;
        cJSON_ArrayForEach(sub, el) {
          if (!IsScalar(sub)) {
            Fail(r, kJsonInvalidParams, "Invalid params", "Failed to handle parameter");
            return r;
          }
          r.params.positional.push_back(ScalarText(sub));
        }
      } else {
        Fail(r, kJsonInvalidParams, "Invalid params", "Failed to handle parameter");
        return r;
      }
    }
  } else if (cJSON_IsObject(params)) {
    const cJSON* el;
    cJSON_ArrayForEach(el, params) {
      if (IsScalar(el)) {
        r.params.named.emplace_back(el->string, ScalarText(el));
      } else if (cJSON_IsArray(el)) {
        const cJSON* sub;
        cJSON_ArrayForEach(sub, el) {
          if (!IsScalar(sub)) {
            Fail(r, kJsonInvalidParams, "Invalid params", "Failed to handle parameter");
            return r;
          }
          r.params.named.emplace_back(el->string, ScalarText(sub));
        }
      } else {
        Fail(r, kJsonInvalidParams, "Invalid params", "Failed to handle parameter");
        return r;
      }
    }
  } else {
    Fail(r, kJsonInvalidRequest, "Invalid Request");
  }
  return r;
}

}  // namespace sipcapd::mi
