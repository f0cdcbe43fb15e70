#include <cctype>

#include "modules/db_sqlite/sqlite_driver.h"

namespace sipcapd::db_sqlite {
namespace {

// Position just after the identifier `name` (optionally quoted with " ` [ )
// starting at or after `from` (skipping spaces); npos if not there.
size_t MatchIdent(const std::string& sql, size_t from, const std::string& name, size_t* start) {
  size_t p = from;
  while (p < sql.size() && std::isspace(static_cast<unsigned char>(sql[p]))) ++p;
  *start = p;
  char q = p < sql.size() ? sql[p] : 0;
  char close = q == '"' ? '"' : q == '`' ? '`' : q == '[' ? ']' : 0;
  if (close) ++p;
  if (sql.compare(p, name.size(), name) != 0) return std::string::npos;
  p += name.size();
  if (close) {
    if (p >= sql.size() || sql[p] != close) return std::string::npos;
    ++p;
  }
  return p;
}

size_t FindKeyword(const std::string& sql, const std::string& kw, size_t from = 0) {
  std::string up;
  up.reserve(sql.size());
  for (char c : sql) up.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return up.find(kw, from);
}

}  // namespace

Result<std::vector<std::string>> RewriteSchemaLike(const std::string& templ,
                                                   const std::string& table,
                                                   const std::string& table_sql,
                                                   const std::vector<std::string>& index_sql) {
  std::vector<std::string> out;
  size_t kw = FindKeyword(table_sql, "TABLE");
  if (kw == std::string::npos) return Status::Invalid("template schema has no CREATE TABLE");
  size_t start;
  size_t end = MatchIdent(table_sql, kw + 5, templ, &start);
  if (end == std::string::npos) return Status::Invalid("template schema: name not found");
  out.push_back("CREATE TABLE IF NOT EXISTS \"" + table + "\"" + table_sql.substr(end));
  for (const auto& isql : index_sql) {
    size_t on = FindKeyword(isql, " ON ");
    size_t ix = FindKeyword(isql, "INDEX");
    if (on == std::string::npos || ix == std::string::npos) continue;
    size_t s2;
    size_t e2 = MatchIdent(isql, on + 4, templ, &s2);
    if (e2 == std::string::npos) continue;
    // Index name: the token between INDEX and ON.
    std::string name = isql.substr(ix + 5, on - ix - 5);
    std::string clean;
    for (char c : name) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') clean.push_back(c);
    }
    std::string head = clean.substr(0, 11);
    for (char& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (head == "IFNOTEXISTS") clean = clean.substr(11);
    std::string unique =
        FindKeyword(isql.substr(0, ix), "UNIQUE") != std::string::npos ? "UNIQUE " : "";
    out.push_back("CREATE " + unique + "INDEX IF NOT EXISTS \"" + table + "__" + clean +
                  "\" ON \"" + table + "\"" + isql.substr(e2));
  }
  return out;
}

}  // namespace sipcapd::db_sqlite
