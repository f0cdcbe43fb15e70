// Column values and rows handed to the BatchWriter and to drivers.
//
// A Value is a small tagged union: NULL, 32-bit int, 64-bit int, double,
// text, blob (arbitrary bytes, including NUL), or a datetime held as UTC
// epoch microseconds (drivers store it in their native DATETIME/TIMESTAMP
// form, UTC). A Row is a list of values in the column order of its table
// spec plus the capture time used to expand strftime table names.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sipcapd::db {

enum class Type : uint8_t {
  kNull = 0,
  kInt = 1,
  kBigInt = 2,
  kDouble = 3,
  kString = 4,
  kBlob = 5,
  kDateTime = 6,  // epoch microseconds, UTC
};

struct Value {
  Type type = Type::kNull;
  int64_t i = 0;  // kInt, kBigInt, kDateTime
  double d = 0;   // kDouble
  std::string s;  // kString, kBlob

  static Value Null() { return {}; }
  static Value Int(int32_t v) {
    Value x;
    x.type = Type::kInt;
    x.i = v;
    return x;
  }
  static Value BigInt(int64_t v) {
    Value x;
    x.type = Type::kBigInt;
    x.i = v;
    return x;
  }
  static Value Double(double v) {
    Value x;
    x.type = Type::kDouble;
    x.d = v;
    return x;
  }
  static Value String(std::string v) {
    Value x;
    x.type = Type::kString;
    x.s = std::move(v);
    return x;
  }
  static Value Blob(std::string v) {
    Value x;
    x.type = Type::kBlob;
    x.s = std::move(v);
    return x;
  }
  static Value DateTime(int64_t epoch_us) {
    Value x;
    x.type = Type::kDateTime;
    x.i = epoch_us;
    return x;
  }

  bool is_null() const { return type == Type::kNull; }
  // Approximate memory footprint, used for the BatchWriter byte bounds.
  size_t Bytes() const { return sizeof(Value) + s.size(); }
  bool operator==(const Value& o) const {
    return type == o.type && i == o.i && d == o.d && s == o.s;
  }
};

struct Row {
  int64_t time_us = 0;        // capture time: selects the strftime table
  std::vector<Value> values;  // in the column order of the table spec

  size_t Bytes() const {
    size_t n = sizeof(Row);
    for (const auto& v : values) n += v.Bytes();
    return n;
  }
};

// "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (fraction only when non-zero).
std::string FormatDateTimeUtc(int64_t epoch_us);
// Same into `out` (at least kDateTimeBufSize bytes, NUL-terminated) without
// allocating; returns the length.
inline constexpr size_t kDateTimeBufSize = 48;
size_t FormatDateTimeUtc(int64_t epoch_us, char* out);

}  // namespace sipcapd::db
