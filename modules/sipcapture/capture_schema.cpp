#include "modules/sipcapture/capture_schema.h"

#include <set>

namespace sipcapd::sipcapture {
namespace {

// Column kinds by position in SipColumns() / ReportColumns().
enum class Col { kDate, kBigInt, kInt, kStr, kText };

Col SipCol(size_t i) {
  // 0 date, 1 micro_ts, 24/26/28/30 ports, 31 proto, 32 family, 34 type, 40 msg
  static const std::set<size_t> kInts = {24, 26, 28, 30, 31, 32, 34};
  if (i == 0) return Col::kDate;
  if (i == 1) return Col::kBigInt;
  if (kInts.count(i)) return Col::kInt;
  if (i == 40) return Col::kText;
  return Col::kStr;
}

// Report columns by name (HOMER 5 and HOMER 6 layouts of ReportColumns()).
Col ReportCol(const std::string& name) {
  static const std::set<std::string> kInts = {
      "source_port", "destination_port", "proto",  "family", "type",
      "tsu",         "payload_len",      "capt_id"};
  if (name == "date" || name == "tss") return Col::kDate;
  if (name == "micro_ts") return Col::kBigInt;
  if (kInts.count(name)) return Col::kInt;
  if (name == "msg" || name == "data") return Col::kText;
  return Col::kStr;
}

std::string TypeSql(bool mysql, Col c) {
  if (!mysql) {
    switch (c) {
      case Col::kDate: return "TEXT NOT NULL DEFAULT '1970-01-01 00:00:00'";
      case Col::kBigInt:
      case Col::kInt: return "INTEGER NOT NULL DEFAULT 0";
      case Col::kText: return "BLOB NOT NULL DEFAULT ''";
      default: return "TEXT NOT NULL DEFAULT ''";
    }
  }
  switch (c) {
    case Col::kDate: return "datetime(6) NOT NULL DEFAULT '1970-01-01 00:00:01'";
    case Col::kBigInt: return "bigint(18) NOT NULL DEFAULT 0";
    case Col::kInt: return "int(10) NOT NULL DEFAULT 0";
    case Col::kText: return "mediumblob NOT NULL";
    default: return "varchar(256) NOT NULL DEFAULT ''";
  }
}

}  // namespace

std::vector<std::string> CreateTableSql(const std::string& dialect, const std::string& table,
                                        TableKind kind, const std::vector<std::string>& columns) {
  bool mysql = dialect == "mysql";
  std::string q = mysql ? "`" : "\"";
  std::string sql = "CREATE TABLE IF NOT EXISTS " + q + table + q + " (";
  sql += mysql ? "`id` bigint(20) unsigned NOT NULL AUTO_INCREMENT"
               : "\"id\" INTEGER PRIMARY KEY AUTOINCREMENT";
  for (size_t i = 0; i < columns.size(); ++i) {
    Col c = kind == TableKind::kSip ? SipCol(i) : ReportCol(columns[i]);
    sql += ", " + q + columns[i] + q + " " + TypeSql(mysql, c);
  }
  std::vector<std::string> out;
  const std::string& date = columns.at(0);
  std::vector<std::string> idx = {date};
  if (kind == TableKind::kSip) {
    // callid, from_user, to_user, ruri_user (positions in SipColumns()).
    idx.push_back(columns.at(13));
    idx.push_back(columns.at(6));
    idx.push_back(columns.at(8));
    idx.push_back(columns.at(5));
  } else {
    idx.push_back(columns.at(2));
  }
  if (mysql) {
    sql += ", PRIMARY KEY (`id`, `" + date + "`)";
    for (const auto& c : idx) sql += ", KEY `" + c + "` (`" + c + "`)";
    sql += ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    out.push_back(sql);
  } else {
    sql += ")";
    out.push_back(sql);
    for (const auto& c : idx)
      out.push_back("CREATE INDEX IF NOT EXISTS \"" + table + "_" + c + "\" ON \"" + table +
                    "\" (\"" + c + "\")");
  }
  return out;
}

}  // namespace sipcapd::sipcapture
