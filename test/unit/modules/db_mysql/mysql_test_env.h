// Finds (or starts) the private test MariaDB: MYSQL_TEST_URL from the env,
// else runs scripts/test-mariadb.sh start (with optional overrides for a
// second, private instance used by the fault tests that restart it).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace sipcapd::db::testing {

inline std::string SourceDir() {
  const char* s = getenv("SIPCAPD_SOURCE_DIR");
  if (s) return s;
  std::string f = __FILE__;  // <src>/test/unit/modules/db_mysql/mysql_test_env.h
  return f.substr(0, f.rfind("/test/unit/"));
}

// Runs test-mariadb.sh <cmd> with an optional env prefix; returns stdout.
inline std::string MariaDbScript(const std::string& cmd, const std::string& env = "") {
  std::string c = env + " bash " + SourceDir() + "/scripts/test-mariadb.sh " + cmd + " 2>&1";
  std::string out;
  FILE* p = popen(c.c_str(), "r");
  if (!p) return out;
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) out += buf;
  int rc = pclose(p);
  if (rc != 0) out = "ERROR: " + out;
  return out;
}

inline std::string MysqlTestUrl() {
  const char* u = getenv("MYSQL_TEST_URL");
  if (u && *u) return u;
  std::string s = MariaDbScript("start");
  if (s.rfind("ERROR", 0) == 0) return "";
  std::string url = MariaDbScript("url");
  while (!url.empty() && (url.back() == '\n' || url.back() == ' ')) url.pop_back();
  return url;
}

}  // namespace sipcapd::db::testing
