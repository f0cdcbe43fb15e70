#include "modules/db_mysql/mysql_driver.h"

namespace sipcapd::db_mysql {

Result<InsertMode> ParseInsertMode(std::string_view s) {
  if (s == "bulk") return InsertMode::kBulk;
  if (s == "multi_row" || s == "multirow") return InsertMode::kMultiRow;
  return Status::Invalid("db_mysql insert_mode must be bulk or multi_row, not '" + std::string(s) +
                         "'");
}

const char* InsertModeName(InsertMode m) { return m == InsertMode::kBulk ? "bulk" : "multi_row"; }

StatusCode ClassifyMysqlError(unsigned int err) {
  if (err >= 2000 && err < 3000) return StatusCode::kUnavailable;  // client: CR_*
  switch (err) {
    case 1146:  // ER_NO_SUCH_TABLE
      return StatusCode::kNotFound;
    case 1021:  // disk full
    case 1037:  // out of memory
    case 1038:
    case 1040:  // too many connections
    case 1041:
    case 1044:  // access denied
    case 1045:
    case 1049:  // unknown database
    case 1053:  // server shutdown
    case 1077:
    case 1081:
    case 1114:  // table full
    case 1129:  // host blocked
    case 1130:
    case 1152:  // aborted connection
    case 1158:  // network errors
    case 1159:
    case 1160:
    case 1161:
    case 1180:  // commit failed
    case 1181:
    case 1203:  // max user connections
    case 1205:  // lock wait timeout
    case 1213:  // deadlock
    case 1223:  // read lock conflict
    case 1290:  // --read-only
    case 1317:  // query interrupted
    case 1836:  // read-only mode
    case 1927:  // connection killed
    case 1969:  // statement timeout
    case 3024:  // max execution time
    case 4031:  // disconnected by server
      return StatusCode::kUnavailable;
    default: return StatusCode::kInvalidArgument;
  }
}

void AppendValidUtf8(std::string* out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (ok) {
      // Reject overlongs, surrogates and > U+10FFFF.
      if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
          (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        ok = false;
      }
    }
    if (ok) {
      out->append(s.substr(i, len));
      i += len;
    } else {
      out->append("\xEF\xBF\xBD");
      ++i;
    }
  }
}

}  // namespace sipcapd::db_mysql
