// CREATE TABLE IF NOT EXISTS statements for sipcapture's template tables
// (HOMER 5 sip_capture layout with the columns sipcapd writes, and the
// report_capture layout), per SQL dialect. Used at startup when
// create_tables is on, so a fresh node stores on first start. Pure.
#pragma once

#include <string>
#include <vector>

namespace sipcapd::sipcapture {

enum class TableKind { kSip, kReport };

// `columns` as from SipColumns()/ReportColumns() (either report layout);
// `dialect` "sqlite" or "mysql". Returns the statements (table, then
// indexes: date/tss, and callid... or correlation_id/transaction_id).
std::vector<std::string> CreateTableSql(const std::string& dialect, const std::string& table,
                                        TableKind kind, const std::vector<std::string>& columns);

}  // namespace sipcapd::sipcapture
