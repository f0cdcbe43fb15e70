// link: db_mysql_logic
// db_mysql against the real private MariaDB (scripts/test-mariadb.sh).
#include "modules/db_mysql/mysql_driver.h"

#include <gtest/gtest.h>

#include "test/unit/modules/db_mysql/mysql_test_env.h"

namespace sipcapd::db_mysql {
namespace {

using db::Row;
using db::Value;

// Every test runs in both insert modes (bulk array binding, multi-row text).
class MysqlDriverTest : public ::testing::TestWithParam<InsertMode> {
 protected:
  void SetUp() override {
    drv_.set_insert_mode(GetParam());
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
  int64_t SessionStatus(const std::string& var) {
    auto r = conn_->Query("SHOW SESSION STATUS LIKE '" + var + "'");
    if (!r.ok() || r->rows.empty() || !r->rows[0][1]) return -1;
    return atoll(r->rows[0][1]->c_str());
  }
  MysqlDriver drv_;
  db::Url url_;
  std::unique_ptr<db::Connection> conn_;
};

TEST_P(MysqlDriverTest, RoundTripEveryType) {
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

TEST_P(MysqlDriverTest, HostileValues) {
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

TEST_P(MysqlDriverTest, ErrorClassification) {
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

TEST_P(MysqlDriverTest, CreateTableLike) {
  Exec("DROP TABLE IF EXISTS tmpl_x");
  Exec("DROP TABLE IF EXISTS tmpl_x_20240101");
  Exec("CREATE TABLE tmpl_x (id INT, KEY k(id))");
  ASSERT_TRUE(conn_->CreateTableLike("tmpl_x_20240101", "tmpl_x").ok());
  auto q = conn_->Query("SHOW INDEX FROM tmpl_x_20240101");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->rows.size(), 1u);
  EXPECT_EQ(conn_->CreateTableLike("a_b", "no_template").code(), StatusCode::kNotFound);
}

// The mode really in use: bulk prepares once per table and executes
// statements; multi-row sends text INSERTs only.
TEST_P(MysqlDriverTest, ModeInUseAndStatementCache) {
  Exec("DROP TABLE IF EXISTS mc");
  Exec("CREATE TABLE mc (id INT, s VARCHAR(20), d DOUBLE, t DATETIME(6), n INT NULL)");
  int64_t prep0 = SessionStatus("Com_stmt_prepare");
  int64_t ins0 = SessionStatus("Com_insert");
  for (int k = 0; k < 3; ++k) {
    std::vector<Row> rows;
    for (int i = 0; i < 50; ++i) {
      Row r;
      r.values = {Value::Int(k * 100 + i), Value::String("s" + std::to_string(i)),
                  Value::Double(i / 4.0), Value::DateTime(1700000000000000LL + i),
                  i % 3 ? Value::Int(i) : Value::Null()};
      rows.push_back(r);
    }
    Status st = conn_->Insert("mc", {"id", "s", "d", "t", "n"}, rows);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  int64_t prep = SessionStatus("Com_stmt_prepare") - prep0;
  int64_t ins = SessionStatus("Com_insert") - ins0;
  if (GetParam() == InsertMode::kBulk) {
    EXPECT_EQ(prep, 1) << "one prepare for three batches";
  } else {
    EXPECT_EQ(prep, 0);
    EXPECT_EQ(ins, 3);
  }
  // The module statistics count what the server saw.
  bool bulk = GetParam() == InsertMode::kBulk;
  EXPECT_EQ(drv_.counters().bulk.Get(), bulk ? 3 : 0);
  EXPECT_EQ(drv_.counters().multi_row.Get(), bulk ? 0 : 3);
  auto q = conn_->Query(
      "SELECT COUNT(*), SUM(n IS NULL), SUM(d), MIN(t), MAX(s) FROM mc WHERE id < 100");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->rows[0][0], "50");
  EXPECT_EQ(*q->rows[0][1], "17");
  EXPECT_EQ(*q->rows[0][2], "306.25");
  EXPECT_EQ(*q->rows[0][3], "2023-11-14 22:13:20.000000");
  EXPECT_EQ(*q->rows[0][4], "s9");
}

// A column whose values mix types (int and text) is stored as text values.
TEST_P(MysqlDriverTest, MixedTypesInOneColumn) {
  Exec("DROP TABLE IF EXISTS mx");
  Exec("CREATE TABLE mx (id INT, v VARCHAR(40))");
  std::vector<Row> rows(3);
  rows[0].values = {Value::Int(0), Value::Int(42)};
  rows[1].values = {Value::Int(1), Value::String("x")};
  rows[2].values = {Value::Int(2), Value::Double(2.5)};
  ASSERT_TRUE(conn_->Insert("mx", {"id", "v"}, rows).ok());
  auto q = conn_->Query("SELECT v FROM mx ORDER BY id");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->rows.size(), 3u);
  EXPECT_EQ(*q->rows[0][0], "42");
  EXPECT_EQ(*q->rows[1][0], "x");
  EXPECT_EQ(*q->rows[2][0], "2.5");
}

// A batch over max_allowed_packet is refused as a data error (the
// BatchWriter splits it) and stores nothing; one bad row makes the whole
// call fail with no row stored (atomic, so splitting cannot duplicate).
TEST_P(MysqlDriverTest, OverMaxPacketAndAtomicFailure) {
  auto mp = conn_->Query("SELECT @@max_allowed_packet");
  ASSERT_TRUE(mp.ok());
  size_t max_packet = std::stoull(*mp->rows[0][0]);
  Exec("DROP TABLE IF EXISTS big");
  Exec("CREATE TABLE big (id INT, s LONGTEXT, v VARCHAR(5)) ENGINE=InnoDB");
  std::vector<Row> rows;
  size_t total = 0;
  for (int i = 0; total < max_packet + (1 << 20); ++i) {
    Row r;
    r.values = {Value::Int(i), Value::String(std::string(1 << 20, 'b')), Value::String("ok")};
    total += 1 << 20;
    rows.push_back(std::move(r));
  }
  Status st = conn_->Insert("big", {"id", "s", "v"}, rows);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.message();
  st = conn_->Insert("big", {"id", "s", "v"}, std::span<const Row>(rows).first(2));
  EXPECT_TRUE(st.ok()) << st.message();
  std::vector<Row> some(20);
  for (int i = 0; i < 20; ++i) {
    some[i].values = {Value::Int(100 + i), Value::String("x"),
                      Value::String(i == 13 ? "too long" : "ok")};
  }
  st = conn_->Insert("big", {"id", "s", "v"}, some);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.message();
  auto q = conn_->Query("SELECT COUNT(*) FROM big");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->rows[0][0], "2");
  // The connection (and a cached statement) still work after the error.
  some[13].values[2] = Value::String("fine");
  st = conn_->Insert("big", {"id", "s", "v"}, some);
  EXPECT_TRUE(st.ok()) << st.message();
}

INSTANTIATE_TEST_SUITE_P(Modes, MysqlDriverTest,
                         ::testing::Values(InsertMode::kBulk, InsertMode::kMultiRow),
                         [](const ::testing::TestParamInfo<InsertMode>& i) {
                           return std::string(InsertModeName(i.param));
                         });

// The URL option insert_mode overrides the driver's (module param) mode,
// per connection; a bad value fails ValidateUrl (BatchWriter::Start).
TEST(MysqlInsertMode, UrlOptionOverridesDriverMode) {
  std::string u = db::testing::MysqlTestUrl();
  ASSERT_FALSE(u.empty()) << "could not start the test MariaDB (scripts/test-mariadb.sh)";
  const char* sep = u.find('?') == std::string::npos ? "?" : "&";
  for (InsertMode driver_mode : {InsertMode::kBulk, InsertMode::kMultiRow}) {
    InsertMode other = driver_mode == InsertMode::kBulk ? InsertMode::kMultiRow : InsertMode::kBulk;
    SCOPED_TRACE(InsertModeName(driver_mode));
    MysqlDriver drv;
    drv.set_insert_mode(driver_mode);
    auto url = db::ParseUrl(u + sep + "insert_mode=" + InsertModeName(other));
    ASSERT_TRUE(url.ok());
    EXPECT_TRUE(drv.ValidateUrl(url.value()).ok());
    EXPECT_EQ(drv.ModeFor(url.value()).value(), other);
    EXPECT_EQ(drv.ModeFor(db::ParseUrl(u).value()).value(), driver_mode);
    auto c = drv.Connect(url.value(), {});
    ASSERT_TRUE(c.ok()) << c.status().message();
    ASSERT_TRUE(c.value()->Query("CREATE TABLE IF NOT EXISTS um (id INT)").ok());
    Row r;
    r.values = {Value::Int(1)};
    ASSERT_TRUE(c.value()->Insert("um", {"id"}, std::vector<Row>{r}).ok());
    EXPECT_EQ(drv.counters().bulk.Get(), other == InsertMode::kBulk ? 1 : 0);
    EXPECT_EQ(drv.counters().multi_row.Get(), other == InsertMode::kMultiRow ? 1 : 0);
  }
  MysqlDriver drv;
  auto bad = db::ParseUrl(u + sep + "insert_mode=fast");
  ASSERT_TRUE(bad.ok());
  Status st = drv.ValidateUrl(bad.value());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("insert_mode must be bulk or multi_row, not 'fast'"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(st.message().find(":" + bad->password + "@"), std::string::npos)
      << "password must be redacted: " << st.message();
}

TEST(MysqlInsertMode, Parse) {
  EXPECT_EQ(ParseInsertMode("bulk").value(), InsertMode::kBulk);
  EXPECT_EQ(ParseInsertMode("multi_row").value(), InsertMode::kMultiRow);
  EXPECT_FALSE(ParseInsertMode("fast").ok());
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
