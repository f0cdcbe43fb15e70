#include "core/db/spool.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
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
  std::string path = dir + "/w.spool.0000000000";
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
    std::fstream f(dir + "/w.spool.0000000000", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(kSpoolHeaderSize + 5 + kSpoolHeaderSize + 2);
    f.put('X');
  }
  Spool s;
  ASSERT_TRUE(s.Open(dir, "w", 1 << 20, FsyncPolicy::kNever).ok());
  EXPECT_EQ(s.pending_records(), 1u);
  EXPECT_EQ(s.truncated_bytes(), kSpoolHeaderSize + 6u);
}

uint64_t DiskBytes(const std::string& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().find(".spool") != std::string::npos) n += e.file_size();
  }
  return n;
}

SpoolOptions SegOpts(uint64_t seg, FsyncPolicy f = FsyncPolicy::kNever) {
  SpoolOptions o;
  o.max_bytes = 64u << 20;
  o.fsync = f;
  o.segment_bytes = seg;
  return o;
}

// Fixed-size records (the number is zero-padded).
std::string Rec(int i) {
  char num[16];
  snprintf(num, sizeof(num), "%06d", i);
  return "record-" + std::string(num) + std::string(200, 'p');
}

// A long outage fills many segments; replay deletes each segment as soon as
// its last record is consumed, so disk usage falls while replaying.
TEST(SpoolSegments, RotateAndReclaimDuringReplay) {
  std::string dir = TempDir();
  Spool s;
  ASSERT_TRUE(s.Open(dir, "w", SegOpts(4096)).ok());
  const int n = 400;  // ~85 KB: about 21 segments of 4 KB
  for (int i = 0; i < n; ++i) ASSERT_TRUE(s.Append(Rec(i)).ok());
  size_t segs = s.segment_count();
  EXPECT_GE(segs, 15u);
  EXPECT_EQ(s.segment_paths().size(), segs);
  uint64_t full = DiskBytes(dir);
  EXPECT_EQ(full, s.file_bytes());
  std::string out;
  uint64_t last = full;
  int drops = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(s.Peek(&out));
    ASSERT_EQ(out, Rec(i));
    s.Consume();
    uint64_t now = DiskBytes(dir);
    ASSERT_LE(now, last);
    if (now < last) ++drops;
    last = now;
    EXPECT_EQ(now, s.file_bytes());
    if (i == n / 2) {
      EXPECT_LT(now, full * 6 / 10);  // half replayed: about half the space
    }
  }
  EXPECT_GE(drops, static_cast<int>(segs) - 1);
  EXPECT_FALSE(s.Peek(&out));
  EXPECT_EQ(DiskBytes(dir), 0u);
  EXPECT_EQ(s.segment_count(), 1u);
}

// Appends keep going while replay consumes (outage ends under load): the
// order is preserved across segment boundaries and the bound counts files.
TEST(SpoolSegments, InterleavedAppendAndReplayKeepOrderAndBound) {
  std::string dir = TempDir();
  Spool s;
  SpoolOptions o = SegOpts(2048);
  o.max_bytes = 8192;
  ASSERT_TRUE(s.Open(dir, "w", o).ok());
  int next_in = 0, next_out = 0, full_hits = 0;
  std::string out;
  for (int round = 0; round < 200; ++round) {
    for (int k = 0; k < 3; ++k) {
      if (s.Append(Rec(next_in)).ok()) {
        ++next_in;
      } else {
        ++full_hits;
      }
    }
    EXPECT_LE(DiskBytes(dir), o.max_bytes);
    for (int k = 0; k < 2 && s.Peek(&out); ++k) {
      ASSERT_EQ(out, Rec(next_out));
      s.Consume();
      ++next_out;
    }
  }
  EXPECT_GT(full_hits, 0);  // the bound was hit and then space came back
  while (s.Peek(&out)) {
    ASSERT_EQ(out, Rec(next_out));
    s.Consume();
    ++next_out;
  }
  EXPECT_EQ(next_out, next_in);
  EXPECT_GT(next_in, 300);  // well above what fits at once: reclaimed space was reused
}

// A record torn in a middle segment (power loss with fsync=never): that
// segment is cut at the tear, later segments still replay, in order.
TEST(SpoolSegments, TornTailInMiddleSegment) {
  std::string dir = TempDir();
  std::vector<std::string> paths;
  {
    Spool s;
    ASSERT_TRUE(s.Open(dir, "w", SegOpts(1024)).ok());
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(s.Append(Rec(i)).ok());
    paths = s.segment_paths();
  }
  ASSERT_GE(paths.size(), 4u);
  // Count the records per segment, then tear the last record of segment 1.
  std::vector<int> per_seg;
  for (const auto& p : paths)
    per_seg.push_back(
        static_cast<int>(std::filesystem::file_size(p) / (kSpoolHeaderSize + Rec(0).size())));
  uint64_t sz = std::filesystem::file_size(paths[1]);
  ASSERT_EQ(truncate(paths[1].c_str(), static_cast<off_t>(sz - 10)), 0);
  Spool s;
  ASSERT_TRUE(s.Open(dir, "w", SegOpts(1024)).ok());
  uint64_t rec_bytes = kSpoolHeaderSize + Rec(0).size();
  EXPECT_EQ(s.truncated_bytes(), rec_bytes - 10);
  EXPECT_EQ(s.pending_records(), 29u);
  int lost = per_seg[0] + per_seg[1] - 1;  // index of the torn record
  std::string out;
  for (int i = 0; i < 30; ++i) {
    if (i == lost) continue;
    ASSERT_TRUE(s.Peek(&out)) << i;
    EXPECT_EQ(out, Rec(i));
    s.Consume();
  }
  EXPECT_FALSE(s.Peek(&out));
}

// Restart mid-replay (kill -9 after some consumes): replay resumes at the
// recorded position in the right segment; consumed segments are gone; a
// segment left behind by a crash between the position write and its unlink
// is removed at open.
TEST(SpoolSegments, RestartMidReplay) {
  std::string dir = TempDir();
  std::string stale;
  {
    Spool s;
    ASSERT_TRUE(s.Open(dir, "w", SegOpts(2048, FsyncPolicy::kAlways)).ok());
    for (int i = 0; i < 60; ++i) ASSERT_TRUE(s.Append(Rec(i)).ok());
    stale = s.segment_paths()[0];
    std::string out;
    for (int i = 0; i < 25; ++i) {
      ASSERT_TRUE(s.Peek(&out));
      s.Consume();
    }
    EXPECT_FALSE(std::filesystem::exists(stale));
    // Simulate the crash window: the head's file came back (not yet unlinked).
    std::ofstream(stale) << "leftover";
  }
  Spool s;
  ASSERT_TRUE(s.Open(dir, "w", SegOpts(2048)).ok());
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_EQ(s.pending_records(), 35u);
  EXPECT_EQ(s.truncated_bytes(), 0u);
  std::string out;
  for (int i = 25; i < 60; ++i) {
    ASSERT_TRUE(s.Peek(&out));
    EXPECT_EQ(out, Rec(i));
    s.Consume();
  }
  EXPECT_FALSE(s.Peek(&out));
  EXPECT_EQ(DiskBytes(dir), 0u);
}

// A spool written by the previous single-file format is adopted.
TEST(SpoolSegments, AdoptsLegacySingleFile) {
  std::string dir = TempDir();
  std::string file;
  for (int i = 0; i < 3; ++i) {
    std::string p = Rec(i);
    unsigned char h[kSpoolHeaderSize];
    uint32_t v[3] = {kSpoolMagic, static_cast<uint32_t>(p.size()), Crc32c(p.data(), p.size())};
    for (int k = 0; k < 3; ++k)
      for (int b = 0; b < 4; ++b) h[k * 4 + b] = static_cast<unsigned char>(v[k] >> (8 * b));
    file.append(reinterpret_cast<char*>(h), kSpoolHeaderSize).append(p);
  }
  std::ofstream(dir + "/w.spool", std::ios::binary) << file;
  // Legacy position: record 0 consumed.
  uint64_t off = kSpoolHeaderSize + Rec(0).size();
  unsigned char pb[12];
  for (int b = 0; b < 8; ++b) pb[b] = static_cast<unsigned char>(off >> (8 * b));
  uint32_t c = Crc32c(pb, 8);
  for (int b = 0; b < 4; ++b) pb[8 + b] = static_cast<unsigned char>(c >> (8 * b));
  std::ofstream(dir + "/w.pos", std::ios::binary).write(reinterpret_cast<char*>(pb), 12);
  Spool s;
  ASSERT_TRUE(s.Open(dir, "w", SegOpts(0)).ok());
  EXPECT_FALSE(std::filesystem::exists(dir + "/w.spool"));
  EXPECT_EQ(s.pending_records(), 2u);
  std::string out;
  ASSERT_TRUE(s.Peek(&out));
  EXPECT_EQ(out, Rec(1));
}

TEST(Crc32c, KnownVector) { EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u); }

}  // namespace
}  // namespace sipcapd::db
