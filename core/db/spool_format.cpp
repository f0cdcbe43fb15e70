#include "core/db/spool_format.h"

#include <array>
#include <cstring>

namespace sipcapd::db {
namespace {

std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}

void PutU32(std::string* o, uint32_t v) {
  for (int i = 0; i < 4; ++i) o->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* o, uint64_t v) {
  for (int i = 0; i < 8; ++i) o->push_back(static_cast<char>(v >> (8 * i)));
}
void PutStr(std::string* o, std::string_view s) {
  PutU32(o, static_cast<uint32_t>(s.size()));
  o->append(s);
}

// Bounds-checked little-endian reader.
class Cursor {
 public:
  explicit Cursor(std::string_view d) : d_(d) {}
  bool U8(uint8_t* v) {
    if (d_.size() - p_ < 1) return false;
    *v = static_cast<uint8_t>(d_[p_++]);
    return true;
  }
  bool U16(uint16_t* v) {
    uint64_t x;
    if (!Le(2, &x)) return false;
    *v = static_cast<uint16_t>(x);
    return true;
  }
  bool U32(uint32_t* v) {
    uint64_t x;
    if (!Le(4, &x)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool U64(uint64_t* v) { return Le(8, v); }
  bool Str(std::string* s) {
    uint32_t n;
    if (!U32(&n) || d_.size() - p_ < n) return false;
    s->assign(d_.data() + p_, n);
    p_ += n;
    return true;
  }
  bool done() const { return p_ == d_.size(); }

 private:
  bool Le(int n, uint64_t* v) {
    if (d_.size() - p_ < static_cast<size_t>(n)) return false;
    uint64_t x = 0;
    for (int i = 0; i < n; ++i) x |= uint64_t(static_cast<uint8_t>(d_[p_ + i])) << (8 * i);
    p_ += n;
    *v = x;
    return true;
  }
  std::string_view d_;
  size_t p_ = 0;
};

}  // namespace

uint32_t Crc32c(const void* data, size_t n, uint32_t crc) {
  static const std::array<uint32_t, 256> kTable = MakeTable();
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = kTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::string EncodeBatch(const std::string& table, const std::vector<std::string>& columns,
                        std::span<const Row> rows) {
  std::string o;
  PutStr(&o, table);
  o.push_back(static_cast<char>(columns.size() & 0xff));
  o.push_back(static_cast<char>(columns.size() >> 8));
  for (const auto& c : columns) PutStr(&o, c);
  PutU32(&o, static_cast<uint32_t>(rows.size()));
  for (const Row& r : rows) {
    PutU64(&o, static_cast<uint64_t>(r.time_us));
    for (size_t i = 0; i < columns.size(); ++i) {
      const Value& v = i < r.values.size() ? r.values[i] : Value();
      o.push_back(static_cast<char>(v.type));
      switch (v.type) {
        case Type::kNull: break;
        case Type::kInt:
        case Type::kBigInt:
        case Type::kDateTime: PutU64(&o, static_cast<uint64_t>(v.i)); break;
        case Type::kDouble: {
          uint64_t bits;
          memcpy(&bits, &v.d, 8);
          PutU64(&o, bits);
          break;
        }
        case Type::kString:
        case Type::kBlob: PutStr(&o, v.s); break;
      }
    }
  }
  return o;
}

Result<DecodedBatch> DecodeBatch(std::string_view payload) {
  Cursor c(payload);
  DecodedBatch b;
  uint16_t ncols;
  if (!c.Str(&b.table)) return Status::Truncated("spool batch: truncated table name");
  if (!c.U16(&ncols) || ncols == 0) return Status::Invalid("spool batch: bad column count");
  b.columns.resize(ncols);
  for (auto& col : b.columns) {
    if (!c.Str(&col)) return Status::Truncated("spool batch: truncated column name");
  }
  uint32_t nrows;
  if (!c.U32(&nrows)) return Status::Truncated("spool batch: truncated row count");
  if (nrows > payload.size()) return Status::Invalid("spool batch: row count too large");
  b.rows.resize(nrows);
  for (Row& r : b.rows) {
    uint64_t t;
    if (!c.U64(&t)) return Status::Truncated("spool batch: truncated row time");
    r.time_us = static_cast<int64_t>(t);
    r.values.resize(ncols);
    for (Value& v : r.values) {
      uint8_t ty;
      if (!c.U8(&ty) || ty > static_cast<uint8_t>(Type::kDateTime)) {
        return Status::Invalid("spool batch: bad value type");
      }
      v.type = static_cast<Type>(ty);
      uint64_t x = 0;
      switch (v.type) {
        case Type::kNull: break;
        case Type::kInt:
        case Type::kBigInt:
        case Type::kDateTime:
          if (!c.U64(&x)) return Status::Truncated("spool batch: truncated integer");
          v.i = static_cast<int64_t>(x);
          break;
        case Type::kDouble:
          if (!c.U64(&x)) return Status::Truncated("spool batch: truncated double");
          memcpy(&v.d, &x, 8);
          break;
        case Type::kString:
        case Type::kBlob:
          if (!c.Str(&v.s)) return Status::Truncated("spool batch: truncated string");
          break;
      }
    }
  }
  if (!c.done()) return Status::Invalid("spool batch: trailing bytes");
  return b;
}

}  // namespace sipcapd::db
