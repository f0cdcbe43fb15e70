// Database URLs (db_url / db_default_url / modparam "db_url").
//
// Accepted forms:
//   mysql://user:pass@host[:port]/db[?opt=v&...]
//   mysql://user:pass@unix(/path/to/socket)/db        (unix socket)
//   mysql://user:pass@localhost/db?socket=/path/sock   (unix socket, alt.)
//   sqlite:///abs/path/file.db     (absolute path)
//   sqlite://relative/file.db      (relative to the working directory)
// User and password may be empty or absent ("mysql://host/db"); they are
// percent-decoded (%40 -> '@'). Query options are kept as key/value pairs
// for the driver (e.g. connect_timeout=3, read_timeout=30).
// ParseUrl is a pure function; errors carry a reason suitable for a cfg
// error message. Thread-safety: plain values.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/base/status.h"

namespace sipcapd::db {

struct Url {
  std::string scheme;  // "mysql", "sqlite"
  std::string user;
  std::string password;
  std::string host;      // empty for unix socket / sqlite
  int port = 0;          // 0: driver default
  std::string socket;    // unix socket path (mysql)
  std::string database;  // mysql database name; sqlite: the file path
  std::map<std::string, std::string> options;

  // The URL with the password replaced by "***" (for logs and MI).
  std::string Redacted() const;
  // Option value or `def`.
  std::string Option(const std::string& key, const std::string& def = "") const;
};

Result<Url> ParseUrl(std::string_view text);

}  // namespace sipcapd::db
