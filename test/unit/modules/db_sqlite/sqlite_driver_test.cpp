// link: db_sqlite_logic
// db_sqlite: round trip of every type, hostile values, error mapping,
// CREATE-LIKE from the stored template schema, and BatchWriter on top of it
// with the HOMER schema from scripts/sql/sqlite.
#include "modules/db_sqlite/sqlite_driver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/db/batch_writer.h"

namespace sipcapd::db_sqlite {
namespace {

using db::Row;
using db::Value;
using namespace std::chrono_literals;

std::string SourceDir() {
  const char* s = getenv("SIPCAPD_SOURCE_DIR");
  if (s) return s;
  std::string f = __FILE__;
  return f.substr(0, f.rfind("/test/unit/"));
}

class SqliteDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sipcapd_sqlite_XXXXXX";
    dir_ = mkdtemp(tmpl);
    url_ = db::ParseUrl("sqlite://" + dir_ + "/t.db").value();
    auto c = drv_.Connect(url_, {});
    ASSERT_TRUE(c.ok()) << c.status().message();
    conn_ = std::move(c.value());
  }
  void Exec(const std::string& sql) {
    auto r = conn_->Query(sql);
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  void LoadSchema(const std::string& file) {
    std::ifstream in(SourceDir() + "/scripts/sql/sqlite/" + file);
    ASSERT_TRUE(in.good()) << file;
    std::stringstream ss;
    ss << in.rdbuf();
    Exec(ss.str());
  }
  std::string dir_;
  db::Url url_;
  SqliteDriver drv_;
  std::unique_ptr<db::Connection> conn_;
};

// Batches go in 32-row statements plus single-row ones for the rest: every
// row lands once, in order, with its own values; a bad row anywhere (in a
// multi-row statement or in the single-row tail) rolls back the whole call.
TEST_F(SqliteDriverTest, MultiRowStatementsAndAtomicFailure) {
  auto p = conn_->Query("PRAGMA cache_size");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->rows[0][0], "-2048");
  auto ps = conn_->Query("PRAGMA page_size");  // the fixture's file is new
  ASSERT_TRUE(ps.ok());
  EXPECT_EQ(*ps->rows[0][0], "8192");
  Exec("CREATE TABLE mr (id INTEGER NOT NULL, s TEXT, t TEXT)");
  std::vector<Row> rows(70);
  for (int i = 0; i < 70; ++i) {
    rows[i].values = {Value::Int(i), i % 5 ? Value::String("v" + std::to_string(i)) : Value::Null(),
                      Value::DateTime(1700000000000000LL + i * 1000000LL)};
  }
  ASSERT_TRUE(conn_->Insert("mr", {"id", "s", "t"}, rows).ok());
  auto q = conn_->Query("SELECT COUNT(*), SUM(id), SUM(s IS NULL), MAX(t) FROM mr");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->rows[0][0], "70");
  EXPECT_EQ(*q->rows[0][1], "2415");
  EXPECT_EQ(*q->rows[0][2], "14");
  EXPECT_EQ(*q->rows[0][3], "2023-11-14 22:14:29");
  auto one = conn_->Query("SELECT s FROM mr WHERE id = 41");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one->rows[0][0], "v41");
  for (int bad : {40, 68}) {  // inside a 32-row statement; in the single-row tail
    std::vector<Row> more = rows;
    more[bad].values[0] = Value::Null();  // NOT NULL violation
    Status st = conn_->Insert("mr", {"id", "s", "t"}, more);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.message();
    auto c = conn_->Query("SELECT COUNT(*) FROM mr");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(*c->rows[0][0], "70") << bad;
  }
}

TEST_F(SqliteDriverTest, WalAndRoundTripEveryType) {
  auto m = conn_->Query("PRAGMA journal_mode");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m->rows[0][0], "wal");
  Exec("CREATE TABLE rt (i INTEGER, b INTEGER, d REAL, s TEXT, bl BLOB, dt TEXT, n TEXT)");
  Row r;
  r.values = {Value::Int(-7),
              Value::BigInt(9007199254740993LL),
              Value::Double(0.125),
              Value::String("héllo"),
              Value::Blob(std::string("\x00\xff", 2)),
              Value::DateTime(1700000000123456),
              Value::Null()};
  ASSERT_TRUE(conn_->Insert("rt", {"i", "b", "d", "s", "bl", "dt", "n"}, {&r, 1}).ok());
  auto q = conn_->Query("SELECT i, b, d, s, bl, dt, n FROM rt");
  ASSERT_TRUE(q.ok());
  auto& v = q->rows.at(0);
  EXPECT_EQ(*v[0], "-7");
  EXPECT_EQ(*v[1], "9007199254740993");
  EXPECT_EQ(*v[2], "0.125");
  EXPECT_EQ(*v[3], "héllo");
  EXPECT_EQ(*v[4], std::string("\x00\xff", 2));
  EXPECT_EQ(*v[5], "2023-11-14 22:13:20.123456");
  EXPECT_FALSE(v[6].has_value());
}

TEST_F(SqliteDriverTest, HostileValues) {
  Exec("CREATE TABLE hv (id INTEGER, s TEXT)");
  std::vector<std::string> hostile = {"it's",
                                      "back\\slash",
                                      std::string("nul\0byte", 8),
                                      "'); DROP TABLE hv; --",
                                      std::string(65536, 'x'),
                                      "\xff\xfe invalid utf8"};
  std::vector<Row> rows;
  for (size_t i = 0; i < hostile.size(); ++i) {
    Row r;
    r.values = {Value::Int(static_cast<int>(i)), Value::String(hostile[i])};
    rows.push_back(r);
  }
  ASSERT_TRUE(conn_->Insert("hv", {"id", "s"}, rows).ok());
  auto q = conn_->Query("SELECT s FROM hv ORDER BY id");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->rows.size(), hostile.size());
  for (size_t i = 0; i < hostile.size(); ++i) EXPECT_EQ(*q->rows[i][0], hostile[i]) << i;
}

TEST_F(SqliteDriverTest, ErrorsAndAtomicity) {
  Row r;
  r.values = {Value::Int(1)};
  EXPECT_EQ(conn_->Insert("nope", {"id"}, {&r, 1}).code(), StatusCode::kNotFound);
  Exec("CREATE TABLE nn (id INTEGER NOT NULL)");
  std::vector<Row> rows(3, r);
  rows[1].values[0] = Value::Null();
  EXPECT_EQ(conn_->Insert("nn", {"id"}, rows).code(), StatusCode::kInvalidArgument);
  auto q = conn_->Query("SELECT COUNT(*) FROM nn");
  EXPECT_EQ(*q->rows[0][0], "0");  // all or nothing
}

TEST_F(SqliteDriverTest, CreateTableLikeCopiesIndexes) {
  LoadSchema("sip_capture_daily.sql");
  ASSERT_TRUE(conn_->CreateTableLike("sip_capture_call_20240101", "sip_capture_call").ok());
  auto q = conn_->Query(
      "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND "
      "tbl_name='sip_capture_call_20240101'");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->rows[0][0], "8");
  EXPECT_EQ(conn_->CreateTableLike("x_1", "no_template").code(), StatusCode::kNotFound);
}

TEST_F(SqliteDriverTest, BatchWriterDailyTablesCreatedFromTemplate) {
  LoadSchema("sip_capture_daily.sql");
  StatsRegistry stats;
  db::BatchWriterOptions o;
  o.stats_group = "sq";
  o.spool_dir = dir_;
  o.flush_interval_ms = 20;
  db::BatchWriter w(&drv_, url_, o, &stats);
  auto id = w.AddTable({"sip_capture_call_%Y%m%d",
                        {"date", "micro_ts", "method", "callid", "msg"},
                        false,
                        "sip_capture_call"});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(w.Start().ok());
  for (int i = 0; i < 2000; ++i) {
    Row r;
    r.time_us = 1700006399000000LL + i * 1000;  // crosses midnight UTC at i=1000
    r.values = {Value::DateTime(r.time_us), Value::BigInt(r.time_us), Value::String("INVITE"),
                Value::String("call-" + std::to_string(i)), Value::String("INVITE sip:x SIP/2.0")};
    ASSERT_TRUE(w.Enqueue(id.value(), std::move(r)).ok());
  }
  ASSERT_TRUE(w.WaitIdle(10s));
  w.Stop();
  auto a = conn_->Query("SELECT COUNT(*) FROM sip_capture_call_20231114");
  auto b = conn_->Query("SELECT COUNT(*) FROM sip_capture_call_20231115");
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().message() << b.status().message();
  EXPECT_EQ(*a->rows[0][0], "1000");
  EXPECT_EQ(*b->rows[0][0], "1000");
}

TEST(SqliteSchema, RewriteLike) {
  auto r = RewriteSchemaLike("tpl", "tpl_1", "CREATE TABLE \"tpl\" (id INTEGER)",
                             {"CREATE UNIQUE INDEX tpl_id ON tpl (id)"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], "CREATE TABLE IF NOT EXISTS \"tpl_1\" (id INTEGER)");
  EXPECT_EQ((*r)[1], "CREATE UNIQUE INDEX IF NOT EXISTS \"tpl_1__tpl_id\" ON \"tpl_1\" (id)");
}

}  // namespace
}  // namespace sipcapd::db_sqlite
