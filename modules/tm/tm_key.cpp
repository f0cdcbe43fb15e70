#include "modules/tm/tm_key.h"

#include <charconv>
#include <cstdio>

#include "core/sip/msg_helpers.h"

namespace sipcapd::tm {
namespace {

constexpr std::string_view kMagic = "z9hG4bK";
constexpr std::string_view kOurPrefix = "z9hG4bKtm";

std::string Lower(std::string_view s) {
  std::string o(s);
  for (char& c : o)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return o;
}

// Request line and first Via of a request we built ourselves.
void AppendHeaderLines(const sip::Message& m, sip::HeaderType t, std::string& out) {
  for (const auto& h : m.headers())
    if (h.type == t) {
      out.append(h.name);
      out += ": ";
      out.append(h.value);
      out += "\r\n";
    }
}

}  // namespace

Result<std::string> ServerKey(const sip::Message& req, std::string_view as_method) {
  if (!req.is_request()) return Status::Invalid("not a request");
  const sip::ViaBody* via = req.FirstVia();
  const sip::CSeqBody* cseq = req.CSeq();
  if (!via) return Status::Invalid("no Via");
  if (!cseq) return Status::Invalid("no CSeq");
  std::string method(as_method.empty() ? req.method() : as_method);
  if (method == "ACK") method = "INVITE";
  std::string key;
  if (via->branch.size() > kMagic.size() && via->branch.substr(0, kMagic.size()) == kMagic) {
    key = "3261|";
    key.append(via->branch);
    key += '|';
    key += Lower(via->host);
    key += ':';
    key += std::to_string(via->port ? via->port : 5060);
    key += '|';
    key += method;
    return key;
  }
  key = "2543|";
  key.append(sip::CallId(req));
  key += '|';
  key += std::to_string(cseq->number);
  key += '|';
  key.append(sip::FromTag(req));
  key += '|';
  key.append(via->raw);
  key += '|';
  key += method;
  return key;
}

std::string MakeBranch(uint64_t id, uint32_t index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*s%llx.%u", static_cast<int>(kOurPrefix.size()),
                kOurPrefix.data(), static_cast<unsigned long long>(id), index);
  return buf;
}

std::optional<BranchRef> ParseBranch(std::string_view b) {
  if (b.size() <= kOurPrefix.size() || b.substr(0, kOurPrefix.size()) != kOurPrefix)
    return std::nullopt;
  b.remove_prefix(kOurPrefix.size());
  size_t dot = b.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= b.size()) return std::nullopt;
  BranchRef r;
  auto a = std::from_chars(b.data(), b.data() + dot, r.id, 16);
  if (a.ec != std::errc() || a.ptr != b.data() + dot) return std::nullopt;
  auto c = std::from_chars(b.data() + dot + 1, b.data() + b.size(), r.index);
  if (c.ec != std::errc() || c.ptr != b.data() + b.size()) return std::nullopt;
  return r;
}

int64_t RetransmitIntervalMs(int sent, int64_t t1_ms, int64_t t2_ms, bool capped) {
  int64_t v = t1_ms;
  for (int i = 1; i < sent && v < (int64_t{1} << 40); ++i) v *= 2;
  if (capped && v > t2_ms) v = t2_ms;
  return v;
}

Result<std::string> BuildAck(const sip::Message& req, const sip::Message& reply) {
  if (!req.is_request() || !reply.is_reply()) return Status::Invalid("need request and reply");
  const sip::ViaBody* via = req.FirstVia();
  const sip::CSeqBody* cseq = req.CSeq();
  const sip::Header* to = reply.Find(sip::HeaderType::kTo);
  if (!via || !cseq || !to) return Status::Invalid("request without Via/CSeq or reply without To");
  std::string out = "ACK ";
  out.append(req.ruri());
  out += " SIP/2.0\r\nVia: ";
  out.append(via->raw);
  out += "\r\n";
  AppendHeaderLines(req, sip::HeaderType::kRoute, out);
  AppendHeaderLines(req, sip::HeaderType::kFrom, out);
  out += "To: ";
  out.append(to->value);
  out += "\r\nCall-ID: ";
  out.append(sip::CallId(req));
  out += "\r\nCSeq: " + std::to_string(cseq->number) + " ACK\r\nMax-Forwards: 70\r\n";
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

Result<std::string> BuildCancel(const sip::Message& req) {
  if (!req.is_request()) return Status::Invalid("not a request");
  const sip::ViaBody* via = req.FirstVia();
  const sip::CSeqBody* cseq = req.CSeq();
  if (!via || !cseq) return Status::Invalid("request without Via/CSeq");
  std::string out = "CANCEL ";
  out.append(req.ruri());
  out += " SIP/2.0\r\nVia: ";
  out.append(via->raw);
  out += "\r\n";
  AppendHeaderLines(req, sip::HeaderType::kRoute, out);
  AppendHeaderLines(req, sip::HeaderType::kFrom, out);
  AppendHeaderLines(req, sip::HeaderType::kTo, out);
  out += "Call-ID: ";
  out.append(sip::CallId(req));
  out += "\r\nCSeq: " + std::to_string(cseq->number) + " CANCEL\r\nMax-Forwards: 70\r\n";
  out += "Content-Length: 0\r\n\r\n";
  return out;
}

}  // namespace sipcapd::tm
