// Spool record format (little-endian):
//   u32 magic   = kSpoolMagic ("SCSP")
//   u32 length  = payload length (<= kSpoolMaxRecord)
//   u32 crc     = CRC-32C of the payload
//   payload     = EncodeBatch() output:
//     str table, u16 ncols, ncols x str column, u32 nrows,
//     nrows x (i64 time_us, ncols x value)
//     value = u8 type, then: int/bigint/datetime i64, double 8 bytes,
//             string/blob str, null nothing
//     str = u32 length + bytes
// Position file: u64 read offset + u32 CRC-32C of those 8 bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/db/value.h"

namespace sipcapd::db {

inline constexpr uint32_t kSpoolMagic = 0x50534353;  // "SCSP"
inline constexpr uint32_t kSpoolHeaderSize = 12;
inline constexpr uint32_t kSpoolMaxRecord = 256u << 20;

uint32_t Crc32c(const void* data, size_t n, uint32_t crc = 0);

struct DecodedBatch {
  std::string table;
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

std::string EncodeBatch(const std::string& table, const std::vector<std::string>& columns,
                        std::span<const Row> rows);
// Pure parser: bounds-checked, errors carry a reason.
Result<DecodedBatch> DecodeBatch(std::string_view payload);

}  // namespace sipcapd::db
