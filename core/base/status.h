// Status and Result<T>: the error type for everything that can fail.
// No exceptions cross the packet path or the module boundary; a failing
// operation returns a Status carrying a code and a human-readable reason
// that tests can assert on. Thread-safety: plain values, copyable.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sipcapd {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input (cfg, wire, URL ...)
  kNotFound,
  kAlreadyExists,
  kUnavailable,  // transient: peer down, DB down, queue full
  kInternal,
  kTruncated,  // input shorter than it declares
  kUnsupported,
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string msg) : code_(code), msg_(std::move(msg)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Truncated(std::string m) { return {StatusCode::kTruncated, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return msg_; }
  std::string ToString() const { return ok() ? "OK" : msg_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string msg_;
};

// Result<T>: a T or a non-OK Status.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define SIPCAPD_RETURN_IF_ERROR(expr) \
  do {                                \
    ::sipcapd::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)

}  // namespace sipcapd
