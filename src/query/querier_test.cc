#include "query/querier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "block/reader.h"
#include "block/writer.h"
#include "head/head.h"
#include "query/flamegraph.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::query {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

constexpr char kCpu[] = "process_cpu:cpu:nanoseconds:cpu:nanoseconds";
constexpr int64_t kMs = 1000000;

model::Profile Cpu(int64_t time_ms, int64_t work, int64_t idle) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  b.Sample({"work", "main"}, {work}).Sample({"idle", "main"}, {idle});
  return b.TimeNanos(time_ms * kMs).Build();
}

model::Labels L(const std::string& service, const std::string& pod) {
  return {{"__name__", "process_cpu"}, {"pod", pod}, {"service_name", service}};
}

// A head and a block made from another head: queries must add them up.
class QuerierTest : public ::testing::Test {
 protected:
  QuerierTest() {
    head::Head old;
    EXPECT_THAT(old.Append(L("api", "a"), Cpu(1000, 30, 10), {}), IsOk());
    EXPECT_THAT(old.Append(L("db", "c"), Cpu(1500, 7, 0), {}), IsOk());
    auto encoded = block::EncodeBlock(old, block::BlockMeta{});
    block_ = block::BlockReader::Open(block::StringSource(encoded->data)).value();
    EXPECT_THAT(head_.Append(L("api", "b"), Cpu(2000, 5, 5), {}), IsOk());
    sources_ = {&head_, block_.get()};
  }

  std::map<std::string, int64_t> Totals(const FunctionTree& t) {
    std::map<std::string, int64_t> out;
    for (const auto& n : t.nodes()) out[t.names()[n.name]] += n.total;
    return out;
  }

  head::Head head_;
  std::unique_ptr<block::BlockReader> block_;
  Sources sources_;
  const store::TimeRange all_{INT64_MIN, INT64_MAX};
};

TEST_F(QuerierTest, MergeAddsHeadAndBlocksBySelectorAndRange) {
  auto api = MergeStacktraces(sources_, kCpu, R"({service_name="api"})", all_);
  ASSERT_THAT(api, IsOk());
  EXPECT_EQ(api->total(), 50);
  EXPECT_EQ(Totals(*api)["work"], 35);

  auto early = MergeStacktraces(sources_, kCpu, "{}", *CheckRange(900, 1600, true, {}));
  ASSERT_THAT(early, IsOk());
  EXPECT_EQ(early->total(), 47);  // a@1000 and c@1500, not b@2000.
  EXPECT_EQ(BuildFlameGraph(*early, kDefaultMaxNodes).total, 47);
}

TEST_F(QuerierTest, LabelsSeriesAndTypes) {
  EXPECT_THAT(*LabelValues(sources_, "pod", {}, all_), ElementsAre("a", "b", "c"));
  EXPECT_THAT(*LabelValues(sources_, "pod", {R"({service_name="api"})"}, all_), ElementsAre("a", "b"));
  EXPECT_THAT(*LabelNames(sources_, {R"({pod="c"})"}, all_), ::testing::Contains("__profile_type__"));
  auto series = Series(sources_, {"{}"}, {"service_name", "__profile_type__"}, all_);
  ASSERT_THAT(series, IsOk());
  ASSERT_EQ(series->size(), 2u);  // api and db, projected and de-duplicated.
  EXPECT_EQ((*series)[0].ToString(), std::string("{__profile_type__=\"") + kCpu + "\", service_name=\"api\"}");
  const auto types = ProfileTypes(sources_, all_);
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0].name, "process_cpu");
  EXPECT_EQ(types[0].period_unit, "nanoseconds");
  const ProfileStats stats = GetProfileStats(sources_);
  EXPECT_TRUE(stats.data_ingested);
  EXPECT_EQ(stats.oldest_ms, 1000);
  EXPECT_EQ(stats.newest_ms, 2000);
}

TEST_F(QuerierTest, ErrorsNameTheProblem) {
  EXPECT_THAT(MergeStacktraces(sources_, kCpu, "{service_name=}", all_),
              StatusIs(StatusCode::kInvalidArgument, "parse error"));
  EXPECT_THAT(MergeStacktraces(sources_, "memory:alloc_space:bytes:space:bytes", "{}", all_),
              StatusIs(StatusCode::kInvalidArgument, "unknown profile type \"memory:alloc_space"));
  EXPECT_THAT(MergeStacktraces(sources_, "cpu", "{}", all_),
              StatusIs(StatusCode::kInvalidArgument, "is not of the form"));
  EXPECT_THAT(CheckRange(2000, 1000, true, {}), StatusIs(StatusCode::kInvalidArgument, "start time is after end time"));
  EXPECT_THAT(CheckRange(0, 1000, true, {}), StatusIs(StatusCode::kInvalidArgument, "missing time range"));
  EXPECT_THAT(CheckRange(1, 8 * 24 * 3600 * 1000LL, true, {}),
              StatusIs(StatusCode::kInvalidArgument, "exceeds the limit (max_query_length"));
  EXPECT_THAT(EffectiveMaxNodes(-1), StatusIs(StatusCode::kInvalidArgument, "must be set"));
  EXPECT_THAT(EffectiveMaxNodes(2000000), StatusIs(StatusCode::kInvalidArgument, "greater than allowed 1048576"));
  EXPECT_EQ(*EffectiveMaxNodes(std::nullopt), 8192);
  EXPECT_THAT(LabelValues(sources_, "", {}, all_), StatusIs(StatusCode::kInvalidArgument, "name is required"));
}

}  // namespace
}  // namespace flamedb::query

namespace flamedb::query {
namespace {

model::Profile SpanCpu(int64_t time_ms, int64_t a1, int64_t b2, int64_t none) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000);
  b.Sample({"handle", "main"}, {a1}, {{"span_id", "00000000000000a1"}});
  b.Sample({"handle", "main"}, {b2}, {{"span_id", "00000000000000b2"}});
  b.Sample({"idle", "main"}, {none});
  return b.TimeNanos(time_ms * kMs).Build();
}

TEST(SpanProfileTest, OnlySamplesOfTheSelectedSpansCountInHeadsAndBlocks) {
  head::Head old;
  ASSERT_THAT(old.Append(L("api", "a"), SpanCpu(1000, 1, 2, 4), {}), IsOk());
  auto encoded = block::EncodeBlock(old, block::BlockMeta{});
  ASSERT_THAT(encoded, IsOk());
  auto block = block::BlockReader::Open(block::StringSource(encoded->data));
  ASSERT_THAT(block, IsOk());
  head::Head head;
  ASSERT_THAT(head.Append(L("api", "a"), SpanCpu(2000, 8, 16, 32), {}), IsOk());
  ASSERT_THAT(head.Append(L("api", "a"), Cpu(3000, 64, 128), {}), IsOk());  // No spans.
  const Sources sources = {&head, block->get()};
  QueryContext ctx;
  auto merge = [&](std::vector<std::string> selector) -> int64_t {
    StackQuery q{kCpu, "{}", {INT64_MIN, INT64_MAX}, {}, *ParseSpanSelector(selector)};
    auto tree = MergeStacktraces(sources, q, ctx);
    EXPECT_THAT(tree, IsOk());
    return tree.ok() ? tree->total() : -1;
  };

  EXPECT_EQ(merge({"00000000000000a1"}), 1 + 8);
  EXPECT_EQ(merge({"00000000000000b2", "00000000000000A1"}), 1 + 2 + 8 + 16);
  EXPECT_EQ(merge({"00000000000000c3"}), 0);
  EXPECT_EQ(merge({}), 1 + 2 + 4 + 8 + 16 + 32 + 64 + 128);  // No selector: every sample.
}

TEST(SpanProfileTest, BadSpanIdsAreInvalidArguments) {
  EXPECT_THAT(ParseSpanSelector({"tooshort"}),
              StatusIs(StatusCode::kInvalidArgument, "invalid span id length: \"tooshort\""));
  EXPECT_THAT(ParseSpanSelector({"00000000000000zz"}),
              StatusIs(StatusCode::kInvalidArgument, "invalid span id: \"00000000000000zz\""));
  EXPECT_THAT(*ParseSpanSelector({"00000000000000b2", "00000000000000a1", "00000000000000b2"}),
              ElementsAre(0xa1, 0xb2));
}

}  // namespace
}  // namespace flamedb::query

namespace flamedb::query {
namespace {

// Counts the reads a block makes after it was opened.
class CountingSource final : public block::ByteSource {
 public:
  CountingSource(std::string data, std::atomic<int>& reads) : data_(std::move(data)), reads_(reads) {}
  uint64_t size() const override { return data_.size(); }
  Result<std::string_view> Read(uint64_t offset, uint64_t length, std::string&) const override {
    reads_.fetch_add(1);
    return std::string_view(data_).substr(offset, length);
  }

 private:
  const std::string data_;
  std::atomic<int>& reads_;
};

TEST(PruningTest, BlocksOutsideTheRangeOrSelectorAreNotRead) {
  head::Head old;
  ASSERT_THAT(old.Append(L("api", "a"), Cpu(1000, 30, 10), {}), IsOk());
  auto encoded = block::EncodeBlock(old, block::BlockMeta{});
  ASSERT_THAT(encoded, IsOk());
  std::atomic<int> reads{0};
  auto block = block::BlockReader::Open(std::make_unique<CountingSource>(encoded->data, reads));
  ASSERT_THAT(block, IsOk());
  const Sources sources = {block->get()};
  reads = 0;  // Open read the footer, TOC and series index.

  auto later = MergeStacktraces(sources, kCpu, "{}", {2000 * kMs, 3000 * kMs});
  auto other = MergeStacktraces(sources, kCpu, R"({service_name="db"})", {0, 3000 * kMs});
  ASSERT_THAT(later, IsOk());
  ASSERT_THAT(other, IsOk());
  EXPECT_EQ(later->total() + other->total(), 0);
  EXPECT_EQ(reads.load(), 0);

  auto hit = MergeStacktraces(sources, kCpu, R"({service_name="api"})", {0, 3000 * kMs});
  ASSERT_THAT(hit, IsOk());
  EXPECT_EQ(hit->total(), 40);
  EXPECT_EQ(reads.load(), 2);  // One row chunk and one symbol partition.
}

}  // namespace
}  // namespace flamedb::query
