#include "core/db/spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/db/spool_format.h"

namespace sipcapd::db {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/sipcapd_spool_XXXXXX";
  return mkdtemp(tmpl);
}

std::vector<Row> SomeRows(int n, int base) {
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    Row r;
    r.time_us = 1700000000000000 + base + i;
    r.values = {
        Value::Int(base + i), Value::String(std::string("v'\\\0x", 5)), Value::Null(),
        Value::Double(1.5),   Value::Blob(std::string(300, '\xff')),    Value::DateTime(r.time_us),
        Value::BigInt(-5)};
    rows.push_back(std::move(r));
  }
  return rows;
}

const std::vector<std::string> kCols = {"a", "b", "c", "d", "e", "f", "g"};

TEST(SpoolFormat, RoundTrip) {
  auto rows = SomeRows(3, 0);
  std::string p = EncodeBatch("t_1", kCols, rows);
  auto d = DecodeBatch(p);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->table, "t_1");
  EXPECT_EQ(d->columns, kCols);
  ASSERT_EQ(d->rows.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(d->rows[i].time_us, rows[i].time_us);
    EXPECT_EQ(d->rows[i].values, rows[i].values);
  }
}

TEST(SpoolFormat, EveryTruncationFailsCleanly) {
  std::string p = EncodeBatch("t", kCols, SomeRows(2, 0));
  for (size_t n = 0; n < p.size(); ++n) {
    auto d = DecodeBatch(std::string_view(p.data(), n));
    EXPECT_FALSE(d.ok()) << n;
  }
  std::string bad = p;
  bad[bad.size() - 1] ^= 0;  // unchanged: still fine
  EXPECT_TRUE(DecodeBatch(bad).ok());
  EXPECT_FALSE(DecodeBatch(p + "x").ok());
}

TEST(Spool, AppendPeekConsumeAcrossReopen) {
  std::string dir = TempDir();
  {
    Spool s;
    ASSERT_TRUE(s.Open(dir, "w", 1 << 20, FsyncPolicy::kAlways).ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.Append("rec" + std::to_string(i)).ok());
    std::string out;
    ASSERT_TRUE(s.Peek(&out));
    EXPECT_EQ(out, "rec0");
    s.Consume();
    ASSERT_TRUE(s.Peek(&out));
    EXPECT_EQ(out, "rec1");
    s.Consume();
  }
  Spool s;
  ASSERT_TRUE(s.Open(dir, "w", 1 << 20, FsyncPolicy::kAlways).ok());
  EXPECT_EQ(s.pending_records(), 3u);
  std::string out;
  for (int i = 2; i < 5; ++i) {
    ASSERT_TRUE(s.Peek(&out));
    EXPECT_EQ(out, "rec" + std::to_string(i));
    s.Consume();
  }
  EXPECT_FALSE(s.Peek(&out));
  EXPECT_EQ(s.file_bytes(), 0u);  // fully consumed -> truncated
}

TEST(Spool, SizeBound) {
  std::string dir = TempDir();
  Spool s;
  ASSERT_TRUE(s.Open(dir, "w", 100, FsyncPolicy::kNever).ok());
  EXPECT_TRUE(s.Append(std::string(50, 'x')).ok());
  Status st = s.Append(std::string(50, 'y'));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.pending_records(), 1u);
}

// kill -9 in the middle of a write: every possible torn length of the last
// record is detected and cut; the earlier records replay intact.
TEST(Spool, TornTailIsTruncated) {
  std::string dir = TempDir();
  std::string path = dir + "/w.spool";
  uint64_t good_size;
  {
    Spool s;
    ASSERT_TRUE(s.Open(dir, "w", 1 << 20, FsyncPolicy::kAlways).ok());
    ASSERT_TRUE(s.Append(EncodeBatch("t", kCols, SomeRows(2, 0))).ok());
    ASSERT_TRUE(s.Append(EncodeBatch("t", kCols, SomeRows(2, 10))).ok());
    good_size = s.file_bytes();
    ASSERT_TRUE(s.Append(EncodeBatch("t", kCols, SomeRows(2, 20))).ok());
  }
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  uint64_t full = static_cast<uint64_t>(st.st_size);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (uint64_t cut = good_size + 1; cut < full; cut += 7) {
    {
      std::ofstream o(path, std::ios::binary | std::ios::trunc);
      o.write(bytes.data(), static_cast<std::streamsize>(cut));
    }
    unlink((dir + "/w.pos").c_str());
    Spool s;
    ASSERT_TRUE(s.Open(dir, "w", 1 << 20, FsyncPolicy::kNever).ok());
    EXPECT_EQ(s.truncated_bytes(), cut - good_size) << cut;
    EXPECT_EQ(s.pending_records(), 2u) << cut;
    std::string out;
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(s.Peek(&out));
      auto d = DecodeBatch(out);
      ASSERT_TRUE(d.ok());
      EXPECT_EQ(d->rows[0].values[0].i, i * 10);
      s.Consume();
    }
  }
}

TEST(Spool, CorruptChecksumIsCut) {
  std::string dir = TempDir();
  {
    Spool s;
    ASSERT_TRUE(s.Open(dir, "w", 1 << 20, FsyncPolicy::kNever).ok());
    ASSERT_TRUE(s.Append("first").ok());
    ASSERT_TRUE(s.Append("second").ok());
  }
  {
    std::fstream f(dir + "/w.spool", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(kSpoolHeaderSize + 5 + kSpoolHeaderSize + 2);
    f.put('X');
  }
  Spool s;
  ASSERT_TRUE(s.Open(dir, "w", 1 << 20, FsyncPolicy::kNever).ok());
  EXPECT_EQ(s.pending_records(), 1u);
  EXPECT_EQ(s.truncated_bytes(), kSpoolHeaderSize + 6u);
}

TEST(Crc32c, KnownVector) { EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u); }

}  // namespace
}  // namespace sipcapd::db
