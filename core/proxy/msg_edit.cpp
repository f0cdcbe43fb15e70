#include "core/proxy/msg_edit.h"

#include <strings.h>

#include "core/sip/headers.h"
#include "core/sip/msg_helpers.h"

namespace sipcapd::proxy {

size_t HeadersEnd(std::string_view buf) {
  size_t p = buf.find("\r\n\r\n");
  if (p != std::string_view::npos) return p + 2;
  p = buf.find("\n\n");
  if (p != std::string_view::npos) return p + 1;
  return std::string_view::npos;
}

void FixContentLength(std::string& buf) {
  size_t he = HeadersEnd(buf);
  if (he == std::string::npos) return;
  size_t body_start = he + (buf.compare(he, 2, "\r\n") == 0 ? 2 : 1);
  auto m = sip::Message::Parse(buf);
  const sip::Header* h = m->Find(sip::HeaderType::kContentLength);
  if (!h) return;
  size_t off = OffsetIn(*m, h->value);
  size_t len = h->value.size();
  std::string n = std::to_string(buf.size() - body_start);
  if (h->value == n) return;
  buf.replace(off, len, n);
}

Status ReplaceRuri(std::string& buf, std::string_view new_uri) {
  auto m = sip::Message::Parse(buf);
  if (!m->is_request()) return Status::Invalid("not a request");
  size_t off = OffsetIn(*m, m->ruri());
  buf.replace(off, m->ruri().size(), new_uri);
  return Status::Ok();
}

Status AppendHeader(MsgContext& ctx, std::string_view text) {
  size_t he = HeadersEnd(ctx.buf);
  if (he == std::string::npos) return Status::Invalid("unterminated header section");
  std::string line(text);
  if (line.size() < 2 || line.compare(line.size() - 2, 2, "\r\n") != 0) {
    if (!line.empty() && line.back() == '\n') line.pop_back();
    line += "\r\n";
  }
  ctx.buf.insert(he, line);
  ctx.sip.reset();
  return Status::Ok();
}

int RemoveHeaders(MsgContext& ctx, std::string_view name) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return 0;
  sip::HeaderType want = sip::LookupHeader(name);
  std::string out;
  out.reserve(ctx.buf.size());
  size_t pos = 0, removed = 0;
  for (const auto& h : m->headers()) {
    bool match = want != sip::HeaderType::kOther
                     ? h.type == want
                     : (h.name.size() == name.size() &&
                        strncasecmp(h.name.data(), name.data(), name.size()) == 0);
    if (!match) continue;
    size_t off = OffsetIn(*m, h.raw);
    if (off < pos || off + h.raw.size() > ctx.buf.size()) continue;
    out.append(ctx.buf, pos, off - pos);
    pos = off + h.raw.size();
    ++removed;
  }
  if (removed == 0) return 0;
  out.append(ctx.buf, pos, std::string::npos);
  ctx.buf = std::move(out);
  ctx.sip.reset();
  return static_cast<int>(removed);
}

void SetBuffer(MsgContext& ctx, std::string text) {
  ctx.buf = std::move(text);
  FixContentLength(ctx.buf);
  ctx.sip.reset();
}

}  // namespace sipcapd::proxy
