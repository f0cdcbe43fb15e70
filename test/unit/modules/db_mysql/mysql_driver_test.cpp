// link: db_mysql_logic
// db_mysql against the real private MariaDB (scripts/test-mariadb.sh).
#include "modules/db_mysql/mysql_driver.h"

#include <gtest/gtest.h>

#include "test/unit/modules/db_mysql/mysql_test_env.h"

namespace sipcapd::db_mysql {
namespace {

using db::Row;
using db::Value;

class MysqlDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string u = db::testing::MysqlTestUrl();
    ASSERT_FALSE(u.empty()) << "could not start the test MariaDB (scripts/test-mariadb.sh)";
    auto url = db::ParseUrl(u);
    ASSERT_TRUE(url.ok()) << url.status().message();
    url_ = url.value();
    auto c = drv_.Connect(url_, {});
    ASSERT_TRUE(c.ok()) << c.status().message();
    conn_ = std::move(c.value());
  }
  void Exec(const std::string& sql) {
    auto r = conn_->Query(sql);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().message();
  }
  MysqlDriver drv_;
  db::Url url_;
  std::unique_ptr<db::Connection> conn_;
};

TEST_F(MysqlDriverTest, RoundTripEveryType) {
  Exec("DROP TABLE IF EXISTS rt");
  Exec(
      "CREATE TABLE rt (i INT, b BIGINT, d DOUBLE, s VARCHAR(100), bl BLOB, dt DATETIME(6),"
      " n VARCHAR(10) NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  Row r;
  r.time_us = 1700000000123456;
  r.values = {Value::Int(-2147483647),
              Value::BigInt(9007199254740993LL),
              Value::Double(0.125),
              Value::String("héllo"),
              Value::Blob(std::string("\x00\xff\x01'", 4)),
              Value::DateTime(1700000000123456),
              Value::Null()};
  ASSERT_TRUE(conn_->Insert("rt", {"i", "b", "d", "s", "bl", "dt", "n"}, {&r, 1}).ok());
  auto q = conn_->Query("SELECT i, b, d, s, bl, dt, n FROM rt");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->rows.size(), 1u);
  auto& v = q->rows[0];
  EXPECT_EQ(*v[0], "-2147483647");
  EXPECT_EQ(*v[1], "9007199254740993");
  EXPECT_EQ(*v[2], "0.125");
  EXPECT_EQ(*v[3], "héllo");
  EXPECT_EQ(*v[4], std::string("\x00\xff\x01'", 4));
  EXPECT_EQ(*v[5], "2023-11-14 22:13:20.123456");
  EXPECT_FALSE(v[6].has_value());
}

TEST_F(MysqlDriverTest, HostileValues) {
  Exec("DROP TABLE IF EXISTS hv");
  Exec("CREATE TABLE hv (id INT, s MEDIUMTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  std::vector<std::string> hostile = {"it's",
                                      "back\\slash",
                                      std::string("nul\0byte", 8),
                                      "'); DROP TABLE hv; --",
                                      "\"double\"",
                                      std::string(65536, 'x') + "'\\",
                                      "\xc3\xa9 ok utf8",
                                      "\x1a\r\n\t"};
  std::vector<Row> rows;
  for (size_t i = 0; i < hostile.size(); ++i) {
    Row r;
    r.values = {Value::Int(static_cast<int>(i)), Value::String(hostile[i])};
    rows.push_back(r);
  }
  Row bad;
  bad.values = {Value::Int(99), Value::String("bad \xff\xfe utf8 \xc3")};
  rows.push_back(bad);
  Status st = conn_->Insert("hv", {"id", "s"}, rows);
  ASSERT_TRUE(st.ok()) << st.message();
  auto q = conn_->Query("SELECT id, s FROM hv ORDER BY id");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->rows.size(), hostile.size() + 1);
  for (size_t i = 0; i < hostile.size(); ++i) EXPECT_EQ(*q->rows[i][1], hostile[i]) << i;
  EXPECT_EQ(*q->rows.back()[1], "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8 \xEF\xBF\xBD");
}

TEST_F(MysqlDriverTest, ErrorClassification) {
  Row r;
  r.values = {Value::Int(1)};
  Status st = conn_->Insert("no_such_table_xyz", {"id"}, {&r, 1});
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.message();
  Exec("DROP TABLE IF EXISTS small");
  Exec("CREATE TABLE small (s VARCHAR(3) NOT NULL)");
  r.values = {Value::String("toolong")};
  st = conn_->Insert("small", {"s"}, {&r, 1});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.message();
  EXPECT_EQ(ClassifyMysqlError(2013), StatusCode::kUnavailable);
  EXPECT_EQ(ClassifyMysqlError(1406), StatusCode::kInvalidArgument);
  auto bad = drv_.Connect(db::ParseUrl("mysql://u:p@127.0.0.1:1/x").value(), {});
  EXPECT_EQ(bad.status().code(), StatusCode::kUnavailable);
}

TEST_F(MysqlDriverTest, CreateTableLike) {
  Exec("DROP TABLE IF EXISTS tmpl_x");
  Exec("DROP TABLE IF EXISTS tmpl_x_20240101");
  Exec("CREATE TABLE tmpl_x (id INT, KEY k(id))");
  ASSERT_TRUE(conn_->CreateTableLike("tmpl_x_20240101", "tmpl_x").ok());
  auto q = conn_->Query("SHOW INDEX FROM tmpl_x_20240101");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->rows.size(), 1u);
  EXPECT_EQ(conn_->CreateTableLike("a_b", "no_template").code(), StatusCode::kNotFound);
}

TEST(MysqlUtf8, Sanitizer) {
  std::string o;
  AppendValidUtf8(&o,
                  "a\xc0\xaf"
                  "b\xed\xa0\x80"
                  "c\xf4\x90\x80\x80"
                  "d\xe2\x82\xac");
  EXPECT_EQ(o,
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "d\xe2\x82\xac");
}

}  // namespace
}  // namespace sipcapd::db_mysql
