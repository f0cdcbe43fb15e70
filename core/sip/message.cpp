#include "core/sip/message.h"

#include "core/sip/scan.h"

namespace sipcapd::sip {

const char* ParseErrorName(ParseError e) {
  switch (e) {
    case ParseError::kNone: return "none";
    case ParseError::kEmpty: return "empty";
    case ParseError::kBadFirstLine: return "bad_first_line";
    case ParseError::kBadMethod: return "bad_method";
    case ParseError::kBadRequestUri: return "bad_request_uri";
    case ParseError::kBadVersion: return "bad_version";
    case ParseError::kBadStatusCode: return "bad_status_code";
    case ParseError::kBadHeaderName: return "bad_header_name";
    case ParseError::kNoHeaderColon: return "no_header_colon";
    case ParseError::kHeadersUnterminated: return "headers_unterminated";
    case ParseError::kBadContentLength: return "bad_content_length";
    case ParseError::kBodyTruncated: return "body_truncated";
    case ParseError::kBadHeaderValue: return "bad_header_value";
    case ParseError::kMissingHeader: return "missing_header";
    case ParseError::kCSeqMismatch: return "cseq_mismatch";
  }
  return "unknown";
}

std::shared_ptr<Message> Message::Parse(std::string_view data) {
  std::shared_ptr<Message> m(new Message());
  m->data_.assign(data.data(), data.size());
  m->DoParse();
  return m;
}

void Message::SetError(ParseError e, const char* why) {
  if (error_ != ParseError::kNone) return;
  error_ = e;
  error_text_ = why;
}

void Message::DoParse() {
  std::string_view d = data_;
  if (d.empty()) {
    SetError(ParseError::kEmpty, "empty message");
    return;
  }
  // Tolerate leading CRLFs (RFC 3261 §7.5: keep-alives before a message).
  size_t start = 0;
  while (start < d.size() && (d[start] == '\r' || d[start] == '\n')) ++start;
  size_t lf = d.find('\n', start);
  size_t line_end = lf == std::string_view::npos ? d.size() : lf;
  std::string_view line = d.substr(start, line_end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  first_line_ = line;
  first_line_ok_ = ParseFirstLine(line);
  if (!first_line_ok_) return;
  if (lf == std::string_view::npos) {
    SetError(ParseError::kHeadersUnterminated, "no line end after the first line");
    return;
  }
  ParseHeaders(lf + 1);
}

bool Message::ParseFirstLine(std::string_view line) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) {
    SetError(ParseError::kBadFirstLine, "first line has no SP separated parts");
    return false;
  }
  if (line.size() >= 4 && EqualsNoCase(line.substr(0, 4), "SIP/")) {
    is_request_ = false;
    version_ = line.substr(0, sp1);
    std::string_view rest = line.substr(sp1 + 1);
    size_t sp2 = rest.find(' ');
    std::string_view code = rest.substr(0, sp2);
    reason_ = sp2 == std::string_view::npos ? std::string_view() : rest.substr(sp2 + 1);
    auto c = ParseUint(code, 999);
    if (code.size() != 3 || !c || *c < 100 || *c > 699) {
      SetError(ParseError::kBadStatusCode, "status code is not 3 digits in 100..699");
      return false;
    }
    status_code_ = static_cast<int>(*c);
    if (!EqualsNoCase(version_, "SIP/2.0"))
      SetError(ParseError::kBadVersion, "version is not SIP/2.0");
    return true;
  }
  is_request_ = true;
  size_t sp2 = line.rfind(' ');
  method_ = line.substr(0, sp1);
  for (char c : method_) {
    if (!IsTokenChar(c)) {
      SetError(ParseError::kBadMethod, "method is not a token");
      return false;
    }
  }
  if (sp2 == sp1) {
    SetError(ParseError::kBadFirstLine, "request line has no version");
    return false;
  }
  ruri_text_ = line.substr(sp1 + 1, sp2 - sp1 - 1);
  version_ = line.substr(sp2 + 1);
  if (version_.empty() || ruri_text_.empty() || IsWs(ruri_text_.front()) ||
      IsWs(ruri_text_.back())) {
    SetError(ParseError::kBadFirstLine, "extra whitespace in the request line");
    return true;  // the method is still usable
  }
  if (version_.size() < 5 || !EqualsNoCase(version_.substr(0, 4), "SIP/")) {
    SetError(ParseError::kBadFirstLine, "request line does not end with SIP/<version>");
    return false;
  }
  if (!EqualsNoCase(version_, "SIP/2.0"))
    SetError(ParseError::kBadVersion, "version is not SIP/2.0");
  if (const char* why = ParseUriInto(ruri_text_, &ruri_)) {
    SetError(ParseError::kBadRequestUri, why);
  } else if (!ruri_.headers.empty()) {
    SetError(ParseError::kBadRequestUri, "headers in the Request-URI");
    ruri_ok_ = true;
  } else {
    ruri_ok_ = true;
  }
  return true;
}

void Message::ParseHeaders(size_t pos) {
  std::string_view d = data_;
  headers_.reserve(24);
  bool terminated = false;
  while (pos < d.size()) {
    size_t lf = d.find('\n', pos);
    size_t end = lf == std::string_view::npos ? d.size() : lf;
    std::string_view line = d.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t next = lf == std::string_view::npos ? d.size() : lf + 1;
    if (line.empty()) {  // end of headers
      terminated = true;
      pos = next;
      break;
    }
    if (IsWs(line.front())) {  // folded continuation line
      if (!headers_.empty()) {
        Header& h = headers_.back();
        const char* vb = h.value.empty() ? line.data() : h.value.data();
        h.value = TrimWs(std::string_view(vb, (line.data() + line.size()) - vb));
        h.raw = std::string_view(h.raw.data(), (d.data() + next) - h.raw.data());
      } else {
        SetError(ParseError::kBadHeaderName, "continuation line before any header");
      }
      pos = next;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      SetError(ParseError::kNoHeaderColon, "header line without ':'");
      pos = next;
      continue;
    }
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    bool good = !name.empty();
    for (char c : name) good = good && IsTokenChar(c);
    if (!good) {
      SetError(ParseError::kBadHeaderName, "header name is not a token");
      pos = next;
      continue;
    }
    Header h;
    h.name = name;
    h.type = LookupHeader(name);
    h.value = TrimWs(line.substr(colon + 1));
    if (h.value.empty()) h.value = std::string_view(line.data() + line.size(), 0);
    h.raw = d.substr(pos, next - pos);
    headers_.push_back(h);
    pos = next;
  }
  if (!terminated) {
    SetError(ParseError::kHeadersUnterminated, "no empty line after the headers");
    body_ = std::string_view(d.data() + d.size(), 0);
    return;
  }
  std::string_view rest = d.substr(pos);
  if (const Header* cl = Find(HeaderType::kContentLength)) {
    auto n = ParseUint(cl->value, UINT32_MAX);
    if (!n) {
      SetError(ParseError::kBadContentLength, "Content-Length is not a number");
      body_ = rest;
      return;
    }
    content_length_ = *n;
    if (*n > rest.size()) {
      body_ = rest;
      body_truncated_ = true;
      SetError(ParseError::kBodyTruncated, "Content-Length larger than the bytes present");
    } else {
      body_ = rest.substr(0, *n);
      trailing_ = rest.substr(*n);
    }
  } else {
    body_ = rest;
  }
}

const Header* Message::Find(HeaderType t) const {
  for (const auto& h : headers_)
    if (h.type == t) return &h;
  return nullptr;
}

size_t Message::Count(HeaderType t) const {
  size_t n = 0;
  for (const auto& h : headers_) n += h.type == t;
  return n;
}

const Header* Message::FindByName(std::string_view name, int n) const {
  HeaderType t = LookupHeader(name);
  auto match = [&](const Header& h) {
    return t != HeaderType::kOther ? h.type == t : EqualsNoCase(h.name, name);
  };
  if (n >= 0) {
    for (const auto& h : headers_)
      if (match(h) && n-- == 0) return &h;
  } else {
    for (auto it = headers_.rbegin(); it != headers_.rend(); ++it)
      if (match(*it) && ++n == 0) return &*it;
  }
  return nullptr;
}

void Message::NoteHeaderError(HeaderType t, const char* why) const {
  header_errors_[static_cast<size_t>(t)] = why;
}

const char* Message::HeaderError(HeaderType t) const {
  return header_errors_[static_cast<size_t>(t)];
}

}  // namespace sipcapd::sip
