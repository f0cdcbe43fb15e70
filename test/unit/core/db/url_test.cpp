#include "core/db/url.h"

#include <gtest/gtest.h>

namespace sipcapd::db {
namespace {

TEST(DbUrl, MysqlFull) {
  auto u = ParseUrl("mysql://homer:s3cr%40t@db.example.com:3307/homer_data");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->scheme, "mysql");
  EXPECT_EQ(u->user, "homer");
  EXPECT_EQ(u->password, "s3cr@t");
  EXPECT_EQ(u->host, "db.example.com");
  EXPECT_EQ(u->port, 3307);
  EXPECT_EQ(u->database, "homer_data");
  EXPECT_EQ(u->Redacted(), "mysql://homer:***@db.example.com:3307/homer_data");
}

TEST(DbUrl, MysqlNoPortNoPassword) {
  auto u = ParseUrl("mysql://root@127.0.0.1/opensips");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->user, "root");
  EXPECT_EQ(u->password, "");
  EXPECT_EQ(u->port, 0);
  auto v = ParseUrl("mysql://localhost/db");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->user, "");
}

TEST(DbUrl, PasswordWithAt) {
  auto u = ParseUrl("mysql://u:p@ss@host/db");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->host, "host");
}

TEST(DbUrl, UnixSocket) {
  auto u = ParseUrl("mysql://u:p@unix(/run/mysqld/mysqld.sock)/homer");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(u->database, "homer");
  auto v = ParseUrl("mysql://u:p@localhost/homer?socket=/tmp/x.sock&connect_timeout=2");
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->socket, "/tmp/x.sock");
  EXPECT_EQ(v->Option("connect_timeout"), "2");
}

TEST(DbUrl, Ipv6) {
  auto u = ParseUrl("mysql://u@[::1]:3306/d");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 3306);
}

TEST(DbUrl, Sqlite) {
  auto a = ParseUrl("sqlite:///var/lib/sipcapd/homer.db");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->scheme, "sqlite");
  EXPECT_EQ(a->database, "/var/lib/sipcapd/homer.db");
  auto r = ParseUrl("sqlite://data/homer.db");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->database, "data/homer.db");
}

struct Bad {
  const char* url;
  const char* reason;
};

TEST(DbUrl, ErrorsCarryReason) {
  const Bad cases[] = {
      {"homer", "missing scheme"},
      {"://x/y", "missing scheme"},
      {"postgres://u@h/d", "unsupported scheme"},
      {"mysql://u@h", "missing /database"},
      {"mysql://u@h/", "missing database name"},
      {"mysql://u@h:0/d", "bad port"},
      {"mysql://u@h:70000/d", "bad port"},
      {"mysql://u@h:12x/d", "bad port"},
      {"mysql://u@/d", "missing host"},
      {"mysql://u@unix(/x/d", "unterminated unix("},
      {"mysql://u@unix(rel)/d", "must be absolute"},
      {"mysql://u%zz@h/d", "bad %-escape"},
      {"mysql://u%4@h/d", "truncated %-escape"},
      {"mysql://u@h/d;drop", "bad character in database"},
      {"mysql://u@h/d?novalue", "not key=value"},
      {"sqlite://", "no file path"},
      {"sqlite:///tmp/", "directory"},
  };
  for (const auto& c : cases) {
    auto u = ParseUrl(c.url);
    ASSERT_FALSE(u.ok()) << c.url;
    EXPECT_NE(u.status().message().find(c.reason), std::string::npos)
        << c.url << " -> " << u.status().message();
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace sipcapd::db
