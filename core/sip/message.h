// sip::Message: one SIP message parsed from a byte span.
//
// Parse() copies the bytes once into the Message (so the views stay valid
// whatever happens to the caller's buffer) and splits the first line and the
// header lines eagerly; typed header bodies (Via, From, CSeq, ...) are parsed
// lazily on first access and cached. All views point into the Message's own
// copy; no allocation per header on this path (one vector of headers, one
// vector for Via/Contact/Route lists when asked for).
//
// Damaged input never makes Parse fail outright: it records the first error
// (error(), error_text()) and keeps everything it could parse, so a capture
// node can still store method, Call-ID, From... of a broken message. The
// first line is the only hard requirement (first_line_ok()).
//
// Thread-safety: none; a Message is used by one thread at a time (the lazy
// caches are mutable). Not copyable or movable (views into data_).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sip/headers.h"
#include "core/sip/uri.h"

namespace sipcapd::sip {

enum class ParseError : uint8_t {
  kNone = 0,
  kEmpty,                // no bytes
  kBadFirstLine,         // not "METHOD SP URI SP VERSION" nor "VERSION SP CODE SP REASON"
  kBadMethod,            // method is not a token
  kBadRequestUri,        // R-URI does not parse (or carries ?headers)
  kBadVersion,           // not SIP/2.0
  kBadStatusCode,        // not 3 digits in 100..699
  kBadHeaderName,        // header line with an empty or non-token name
  kNoHeaderColon,        // header line without ':'
  kHeadersUnterminated,  // no empty line after the headers
  kBadContentLength,     // Content-Length not a number
  kBodyTruncated,        // Content-Length larger than the bytes present
  kBadHeaderValue,       // a typed header failed to parse (Validate / accessors)
  kMissingHeader,        // a mandatory header is absent (Validate)
  kCSeqMismatch,         // CSeq method differs from the request method (Validate)
};
const char* ParseErrorName(ParseError e);  // "bad_first_line", ...

struct Header {
  HeaderType type = HeaderType::kOther;
  std::string_view name;   // as written ("v", "VIA")
  std::string_view value;  // trimmed; folded lines keep their inner CRLF+WS
  std::string_view raw;    // the whole header including the line end
};

class Message {
 public:
  // Parses `data`; never returns null.
  static std::shared_ptr<Message> Parse(std::string_view data);

  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  // --- status
  bool ok() const { return error_ == ParseError::kNone; }
  ParseError error() const { return error_; }
  std::string_view error_text() const { return error_text_; }
  bool first_line_ok() const { return first_line_ok_; }

  // --- first line
  bool is_request() const { return first_line_ok_ && is_request_; }
  bool is_reply() const { return first_line_ok_ && !is_request_; }
  std::string_view first_line() const { return first_line_; }
  std::string_view method() const { return method_; }   // requests
  std::string_view ruri() const { return ruri_text_; }  // requests
  const Uri* RequestUri() const { return ruri_ok_ ? &ruri_ : nullptr; }
  std::string_view version() const { return version_; }
  int status_code() const { return status_code_; }     // replies, else 0
  std::string_view reason() const { return reason_; }  // replies

  // --- raw headers
  const std::vector<Header>& headers() const { return headers_; }
  const Header* Find(HeaderType t) const;  // first of that type
  // n-th header with this name (full or compact, any case); n < 0 counts
  // from the end (-1 = last). nullptr if there is none.
  const Header* FindByName(std::string_view name, int n = 0) const;
  size_t Count(HeaderType t) const;

  // --- body
  std::string_view raw() const { return data_; }
  std::string_view body() const { return body_; }
  bool body_truncated() const { return body_truncated_; }
  std::optional<uint64_t> content_length() const { return content_length_; }
  std::string_view trailing() const { return trailing_; }  // bytes after the body

  // --- typed headers (lazy; nullptr if absent or malformed)
  const std::vector<ViaBody>* Vias() const;  // every via-parm of every Via header
  const ViaBody* FirstVia() const;
  const NameAddr* From() const;
  const NameAddr* To() const;
  const NameAddr* PAssertedIdentity() const;   // first element
  const NameAddr* PPreferredIdentity() const;  // first element
  const NameAddr* RemotePartyId() const;       // first element
  const NameAddr* Diversion() const;           // first element
  const std::vector<NameAddr>* Contacts() const;
  const std::vector<NameAddr>* Routes() const;
  const std::vector<NameAddr>* RecordRoutes() const;
  const CSeqBody* CSeq() const;
  const AuthBody* Authorization() const;
  const AuthBody* ProxyAuthorization() const;
  const ContentTypeBody* ContentType() const;
  const ReasonBody* Reason() const;
  const EventBody* Event() const;
  std::optional<uint32_t> MaxForwards() const;  // 0..255
  std::optional<uint32_t> Expires() const;
  std::string_view CallId() const;  // empty if absent
  std::string_view UserAgent() const;
  std::string_view Server() const;
  bool Allows(std::string_view method) const;  // token in any Allow header
  // Reason of the last typed-header failure of this type (nullptr if none).
  const char* HeaderError(HeaderType t) const;

  // RFC 3261 §8.1.1 / §8.2 checks on top of parsing: mandatory headers
  // (To, From, CSeq, Call-ID, Via; Max-Forwards for requests), their syntax,
  // CSeq method == request method. Returns the structural error if any,
  // else the first semantic one; *why gets the reason text.
  ParseError Validate(std::string* why = nullptr) const;

 private:
  template <class T>
  struct Slot {
    uint8_t state = 0;  // 0 not parsed, 1 ok, 2 bad/absent
    T v{};
  };
  Message() = default;
  void DoParse();
  bool ParseFirstLine(std::string_view line);
  void ParseHeaders(size_t pos);
  void SetError(ParseError e, const char* why);
  const NameAddr* LazyNameAddr(Slot<NameAddr>& slot, HeaderType t) const;
  const std::vector<NameAddr>* LazyList(Slot<std::vector<NameAddr>>& s, HeaderType t) const;
  const AuthBody* LazyAuth(Slot<AuthBody>& slot, HeaderType t) const;
  void NoteHeaderError(HeaderType t, const char* why) const;

  std::string data_;
  ParseError error_ = ParseError::kNone;
  std::string_view error_text_;
  bool first_line_ok_ = false;
  bool is_request_ = false;
  std::string_view first_line_, method_, ruri_text_, version_, reason_;
  Uri ruri_;
  bool ruri_ok_ = false;
  int status_code_ = 0;
  std::vector<Header> headers_;
  std::string_view body_, trailing_;
  bool body_truncated_ = false;
  std::optional<uint64_t> content_length_;

  mutable Slot<std::vector<ViaBody>> vias_;
  mutable Slot<NameAddr> from_, to_, pai_, ppi_, rpid_, diversion_;
  mutable Slot<std::vector<NameAddr>> contacts_, routes_, rroutes_;
  mutable Slot<CSeqBody> cseq_;
  mutable Slot<AuthBody> auth_, proxy_auth_;
  mutable Slot<ContentTypeBody> ctype_;
  mutable Slot<ReasonBody> reason_hdr_;
  mutable Slot<EventBody> event_;
  mutable std::array<const char*, static_cast<size_t>(HeaderType::kCount)> header_errors_{};
};

}  // namespace sipcapd::sip
