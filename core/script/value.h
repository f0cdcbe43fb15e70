// Value: what a pseudo-variable, an expression or a function argument
// evaluates to in the script: null, an integer or a string (OpenSIPS's
// pv_value_t with its PV_VAL_NULL / PV_VAL_INT / PV_VAL_STR flags).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipcapd {

class Value {
 public:
  enum class Type { kNull, kInt, kStr };

  Value() = default;
  static Value Null() { return Value(); }
  static Value Int(int64_t i) {
    Value v;
    v.type_ = Type::kInt;
    v.i_ = i;
    return v;
  }
  static Value Str(std::string s) {
    Value v;
    v.type_ = Type::kStr;
    v.s_ = std::move(s);
    return v;
  }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_str() const { return type_ == Type::kStr; }

  int64_t int_value() const { return i_; }
  const std::string& str_value() const { return s_; }

  // String form: ints printed in decimal, null as "<null>" (OpenSIPS prints
  // "<null>" when a null PV is formatted into a string).
  std::string AsString() const {
    switch (type_) {
      case Type::kInt: return std::to_string(i_);
      case Type::kStr: return s_;
      default: return "<null>";
    }
  }
  // Integer form: ints as is; strings if they hold a (signed) decimal
  // integer that fits in int64 (else nullopt); null is nullopt.
  std::optional<int64_t> AsInt() const {
    if (type_ == Type::kInt) return i_;
    if (type_ != Type::kStr || s_.empty()) return std::nullopt;
    size_t p = 0;
    bool neg = false;
    if (s_[0] == '-' || s_[0] == '+') {
      neg = s_[0] == '-';
      p = 1;
    }
    if (p == s_.size()) return std::nullopt;
    int64_t r = 0;
    for (; p < s_.size(); ++p) {
      char c = s_[p];
      if (c < '0' || c > '9') return std::nullopt;
      if (r > (INT64_MAX - (c - '0')) / 10) return std::nullopt;  // overflow
      r = r * 10 + (c - '0');
    }
    return neg ? -r : r;
  }

  bool operator==(const Value& o) const { return type_ == o.type_ && i_ == o.i_ && s_ == o.s_; }

 private:
  Type type_ = Type::kNull;
  int64_t i_ = 0;
  std::string s_;
};

}  // namespace sipcapd
