#include "compactor/merged_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "block/reader.h"
#include "block/writer.h"
#include "head/head.h"
#include "testing/profile_builder.h"
#include "testing/source_rows.h"
#include "testing/status_matchers.h"

namespace flamedb::compactor {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::SourceRows;

// `reversed` puts other frames first in the pprof tables, so that each head numbers its
// symbols differently.
model::Profile Cpu(int64_t time, int64_t work, bool reversed = false) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  if (reversed) b.Sample({"gc", "runtime"}, {10});
  b.Sample({"work", "main"}, {work * 10}).Sample({"parse", "work", "main"}, {20});
  if (!reversed) b.Sample({"gc", "runtime"}, {10});
  model::Profile p = b.TimeNanos(time).Build();
  for (model::Location& l : p.locations) l.address = 0;  // As normalization leaves them.
  return p;
}

model::Labels Series(const std::string& service, const std::string& pod) {
  return {{"__name__", "process_cpu"}, {"pod", pod}, {"service_name", service}};
}

std::multiset<std::string> Union(std::multiset<std::string> a, const std::multiset<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

TEST(MergedSourceTest, HoldsEveryRowOfEverySourceWithItsFrames) {
  head::Head first, second;
  ASSERT_THAT(first.Append(Series("api", "a"), Cpu(3000, 1), {}), IsOk());
  ASSERT_THAT(first.Append(Series("db", "c"), Cpu(3000, 2), {}), IsOk());
  ASSERT_THAT(second.Append(Series("api", "b"), Cpu(1000, 3, true), {}), IsOk());
  ASSERT_THAT(second.Append(Series("api", "a"), Cpu(1000, 4, true), {}), IsOk());

  auto merged = MergedSource::Create({&first, &second});

  ASSERT_THAT(merged, IsOk());
  const MergedSource& m = **merged;
  EXPECT_EQ(SourceRows(m), Union(SourceRows(first), SourceRows(second)));
  EXPECT_EQ(m.SeriesCount(), 3u);  // api/a is in both.
  EXPECT_EQ(m.PartitionCount(), 2u);
  EXPECT_EQ(m.PartitionName(0), "api");
  EXPECT_THAT(m.LabelValues("pod"), ::testing::ElementsAre("a", "b", "c"));
  EXPECT_EQ(m.Range().min_nanos, 1000);
  EXPECT_EQ(m.Range().max_nanos, 3000);
  EXPECT_EQ(m.duplicates(), 0u);
}

TEST(MergedSourceTest, SpanIdsStayWithTheirSamples) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10);
  b.Sample({"work", "main"}, {10}, {{"span_id", "00000000000000a1"}});
  b.Sample({"work", "main"}, {20});
  b.Sample({"gc"}, {40}, {{"span_id", "00000000000000b2"},
                          {"trace_id", "0af7651916cd43dd8448eb211c80319c"}});
  model::Profile with_spans = b.TimeNanos(2000).Build();
  for (model::Location& l : with_spans.locations) l.address = 0;
  head::Head first, second;
  ASSERT_THAT(first.Append(Series("api", "a"), Cpu(1000, 1), {}), IsOk());  // No spans.
  ASSERT_THAT(second.Append(Series("api", "a"), with_spans, {}), IsOk());
  ASSERT_THAT(second.Append(Series("api", "a"), Cpu(3000, 2, true), {}), IsOk());

  auto merged = MergedSource::Create({&first, &second});

  ASSERT_THAT(merged, IsOk());
  const std::multiset<std::string> rows = SourceRows(**merged);
  EXPECT_EQ(rows, Union(SourceRows(first), SourceRows(second)));
  EXPECT_THAT(rows, ::testing::Contains(::testing::HasSubstr("@span161=10")));
  EXPECT_THAT(rows, ::testing::Contains(::testing::HasSubstr(
                        "gc;@span178@trace0af7651916cd43dd8448eb211c80319c=40")));
}

TEST(MergedSourceTest, ASeriesRowsComeInTimeOrderAcrossSources) {
  head::Head late, early;
  ASSERT_THAT(late.Append(Series("api", "a"), Cpu(3000, 1), {}), IsOk());
  ASSERT_THAT(early.Append(Series("api", "a"), Cpu(1000, 1), {}), IsOk());
  ASSERT_THAT(early.Append(Series("api", "a"), Cpu(2000, 1), {}), IsOk());
  auto merged = MergedSource::Create({&late, &early});
  ASSERT_THAT(merged, IsOk());
  std::vector<int64_t> times;

  ASSERT_THAT((*merged)->ForEachRow({}, {INT64_MIN, INT64_MAX},
                                    [&](const store::RowView& row) { times.push_back(row.time_nanos); }),
              IsOk());

  EXPECT_THAT(times, ::testing::ElementsAre(1000, 2000, 3000));
}

TEST(MergedSourceTest, AProfileInTwoSourcesIsKeptOnceButRepeatsWithinOneStay) {
  head::Head first, second;
  ASSERT_THAT(first.Append(Series("api", "a"), Cpu(1000, 1), {}), IsOk());
  ASSERT_THAT(first.Append(Series("api", "a"), Cpu(2000, 5), {}), IsOk());
  ASSERT_THAT(first.Append(Series("api", "a"), Cpu(2000, 5), {}), IsOk());  // A retried push.
  // The replica, numbered the other way round; and a different profile at the same time.
  ASSERT_THAT(second.Append(Series("api", "a"), Cpu(1000, 1, true), {}), IsOk());
  ASSERT_THAT(second.Append(Series("api", "a"), Cpu(1000, 2, true), {}), IsOk());
  auto merged = MergedSource::Create({&first, &second});
  ASSERT_THAT(merged, IsOk());

  const std::multiset<std::string> rows = SourceRows(**merged);

  std::multiset<std::string> want = SourceRows(first);
  want.insert(*SourceRows(second).rbegin());  // Only second's @1000 work=2 row is new.
  EXPECT_EQ(rows, want);
  EXPECT_EQ(rows.size(), 4u);
  EXPECT_EQ((*merged)->duplicates(), 1u);
}

TEST(MergedSourceTest, EncodesAsOneBlockReadableSeriesBySeries) {
  head::Head first, second;
  for (int64_t t = 1; t <= 20; ++t) {
    const std::string pod = "p" + std::to_string(t % 7);
    ASSERT_THAT(first.Append(Series("api", pod), Cpu(t * 1000, t), {}), IsOk());
    ASSERT_THAT(second.Append(Series(t % 2 ? "api" : "db", pod), Cpu(t * 1000 + 1, t, true), {}),
                IsOk());
  }
  // Blocks of small chunks, read as the compactor does (one series at a time).
  std::vector<std::unique_ptr<block::BlockReader>> readers;
  for (const head::Head* h : {&first, &second}) {
    auto encoded = block::EncodeBlock(*h, block::BlockMeta(), {.chunk_rows = 3});
    ASSERT_THAT(encoded, IsOk());
    auto reader = block::BlockReader::Open(block::StringSource(std::move(encoded->data)),
                                           {.keep_last_chunk = true});
    ASSERT_THAT(reader, IsOk());
    readers.push_back(std::move(reader).value());
  }
  auto merged = MergedSource::Create({readers[0].get(), readers[1].get()});
  ASSERT_THAT(merged, IsOk());

  auto out = block::EncodeBlock(**merged, block::BlockMeta());

  ASSERT_THAT(out, IsOk());
  auto reader = block::BlockReader::Open(block::StringSource(out->data));
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(SourceRows(**reader), Union(SourceRows(first), SourceRows(second)));
  EXPECT_EQ(out->meta.profiles, 40u);
  EXPECT_THAT((*reader)->Verify(), IsOk());
}

}  // namespace
}  // namespace flamedb::compactor
