// WAL records that hold the payload a client sent (model::Received): replay must make exactly the
// profile the distributor acknowledged, through every step that changes it.
#include "ingester/record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/gzip.h"
#include "distributor/distributor.h"
#include "ingest/otlp.h"
#include "opentelemetry/proto/collector/profiles/v1development/profiles_service.pb.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"
#include "testing/fake_clock.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::ingester {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

class CaptureSink final : public distributor::ProfileSink {
 public:
  Status Append(std::string_view, std::vector<distributor::SeriesProfile> profiles) override {
    pushes.push_back(std::move(profiles));
    return OkStatus();
  }
  std::vector<std::vector<distributor::SeriesProfile>> pushes;
};

class ReceivedRecordTest : public ::testing::Test {
 protected:
  explicit ReceivedRecordTest(distributor::Limits limits = {}) {
    limits.profile.max_profile_stacktrace_depth = 3;
    limits.profile.max_profile_symbol_value_length = 16;
    overrides_ = std::make_unique<distributor::Overrides>(limits, "");
    distributor_ = std::make_unique<distributor::Distributor>(sink_, *overrides_, clock_,
                                                              logger_, metrics_);
  }

  // Pushes `payload` as the ingest paths do (decoded keeping what was received) and returns
  // what the sink was given.
  std::vector<distributor::SeriesProfile> Push(model::Labels labels, std::string payload) {
    const size_t sent = payload.size();
    Result<model::Profile> p = pprof::DecodeProfile(std::move(payload), {.keep_received = true});
    EXPECT_THAT(p, IsOk());
    const size_t size = p->storage->size();
    std::vector<model::LabeledProfile> in;
    in.push_back({std::move(labels), std::move(p).value(), size, sent});
    const size_t before = sink_.pushes.size();
    EXPECT_THAT(distributor_->Push("t", std::move(in)), IsOk());
    return sink_.pushes.size() > before ? sink_.pushes.back()
                                        : std::vector<distributor::SeriesProfile>{};
  }

  // The record of `series` decodes into the same series and, sample for sample, profiles.
  static void ExpectReplayMakesTheSame(const std::vector<distributor::SeriesProfile>& series) {
    Result<PushRecord> back = DecodeRecord(EncodeRecord("t", series));
    ASSERT_THAT(back, IsOk());
    ASSERT_EQ(back->series.size(), series.size());
    for (size_t i = 0; i < series.size(); ++i) {
      EXPECT_EQ(back->series[i].labels, series[i].labels);
      EXPECT_EQ(back->series[i].samples, series[i].samples);
      EXPECT_EQ(pprof::EncodeProfile(*back->series[i].profile),
                pprof::EncodeProfile(*series[i].profile));
    }
  }

  int64_t Now() const { return clock_.Now().time_since_epoch().count(); }

  CaptureSink sink_;
  testing::FakeClock clock_;
  base::Logger logger_{clock_, stderr, base::LogLevel::kError};
  base::MetricsRegistry metrics_;
  std::unique_ptr<distributor::Overrides> overrides_;
  std::unique_ptr<distributor::Distributor> distributor_;
};

std::string Cpu(int64_t time) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Period("cpu", "nanoseconds", 10000000).TimeNanos(time);
  // Deeper than the limit of 3, a name longer than 16, a Go shape name, a duplicate stack,
  // a zero sample, span labels under both names and a sample label that splits the series.
  b.Sample({"a", "b", "c", "d", "main"}, {10}, {{"span_id", "00000000000000a1"}});
  b.Sample({"a", "b", "c", "e", "main"}, {5}, {{"profile_id", "00000000000000a2"}});
  b.Sample({"M[go.shape.int]", "main"}, {7}, {{"endpoint", "/x"}});
  b.Sample({"M[go.shape.int]", "main"}, {1}, {{"endpoint", "/x"}});
  b.Sample({"a.very.long.function.name", "main"}, {3});
  b.Sample({"idle", "main"}, {0});
  return pprof::EncodeProfile(b.Build());
}

std::string Heap(int64_t time, int64_t grown) {
  testing::ProfileBuilder b;
  b.SampleType("alloc_objects", "count").SampleType("alloc_space", "bytes");
  b.SampleType("inuse_objects", "count").SampleType("inuse_space", "bytes").TimeNanos(time);
  b.Sample({"malloc", "main"}, {10 + grown, 1000 + grown, 1, 100});
  b.Sample({"new", "work", "main"}, {20, 2000, 2, 200});
  return pprof::EncodeProfile(b.Build());
}

const model::Labels kCpu = {{"__name__", "process_cpu"}, {"service_name", "svc"}};
const model::Labels kMemory = {{"__name__", "memory"}, {"service_name", "svc"}};

TEST_F(ReceivedRecordTest, AGzipPayloadIsStoredAsSentAndReplayRepeatsEveryChange) {
  const std::string payload = base::Gzip(Cpu(Now()));
  const std::vector<distributor::SeriesProfile> series = Push(kCpu, payload);
  ASSERT_EQ(series.size(), 2u);  // Split by the endpoint label.
  ASSERT_TRUE(series[0].profile->received.has_value());

  const std::string record = EncodeRecord("t", series);

  EXPECT_NE(record.find(payload), std::string::npos);  // The bytes as the client sent them.
  ExpectReplayMakesTheSame(series);
}

TEST_F(ReceivedRecordTest, ARawPayloadIsStoredAsItsDecodedBytes) {
  ExpectReplayMakesTheSame(Push(kCpu, Cpu(0)));  // Time 0: validation sets it to now.
}

TEST_F(ReceivedRecordTest, ServerSideDeltasReplayWithoutTheTrackersState) {
  const std::vector<distributor::SeriesProfile> baseline =
      Push(kMemory, base::Gzip(Heap(Now(), 0)));
  ASSERT_EQ(baseline.size(), 1u);
  ASSERT_EQ(baseline[0].profile->received->delta, model::Received::Delta::kRemoved);
  ExpectReplayMakesTheSame(baseline);

  const std::vector<distributor::SeriesProfile> growth =
      Push(kMemory, base::Gzip(Heap(Now(), 5)));
  ASSERT_EQ(growth.size(), 1u);
  ASSERT_EQ(growth[0].profile->received->delta, model::Received::Delta::kGrowth);
  ExpectReplayMakesTheSame(growth);
}

TEST_F(ReceivedRecordTest, FactsThatDoNotMakeTheAcknowledgedProfileAreDataLoss) {
  // The stored facts claim a depth limit of 1 that the profile never had: made again, its two
  // stacks become one and the values no longer match the acknowledged profile's.
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").TimeNanos(Now());
  b.Sample({"leaf", "a"}, {1}).Sample({"leaf", "b"}, {2});
  Result<model::Profile> p =
      pprof::DecodeProfile(pprof::EncodeProfile(b.Build()), {.keep_received = true});
  ASSERT_THAT(p, IsOk());
  p->received->max_stack_depth = 1;
  const auto shared = std::make_shared<const model::Profile>(std::move(p).value());

  EXPECT_THAT(DecodeRecord(EncodeRecord("t", {{kCpu, shared, {}}})),
              StatusIs(StatusCode::kDataLoss, "differs from the one acknowledged"));
}

// An OTLP request whose two profiles (a CPU sample count and CPU time: two metrics, as
// Pyroscope names them) share a dictionary; samples with an endpoint attribute split the series.
std::string OtlpRequest() {
  namespace pb = opentelemetry::proto;
  pb::collector::profiles::v1development::ExportProfilesServiceRequest req;
  auto* d = req.mutable_dictionary();
  for (const char* s : {"", "samples", "count", "cpu", "nanoseconds", "main", "work", "idle",
                        "endpoint"}) {
    d->add_string_table(s);
  }
  d->add_mapping_table();
  d->add_location_table();
  d->add_function_table();
  d->add_link_table();
  d->add_stack_table();
  d->add_attribute_table();
  auto* endpoint = d->add_attribute_table();
  endpoint->set_key_strindex(8);
  endpoint->mutable_value()->set_string_value("/x");
  for (int name : {5, 6, 7}) {  // Functions 1-3, locations 1-3.
    d->add_function_table()->set_name_strindex(name);
    d->add_location_table()->add_lines()->set_function_index(d->function_table_size() - 1);
  }
  auto* work = d->add_stack_table();
  work->add_location_indices(2);
  work->add_location_indices(1);
  auto* idle = d->add_stack_table();
  idle->add_location_indices(3);
  idle->add_location_indices(1);
  auto* rp = req.add_resource_profiles();
  auto* kv = rp->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("svc");
  auto* scope = rp->add_scope_profiles();
  for (const auto& [type, unit] : {std::pair{1, 2}, std::pair{3, 4}}) {
    auto* prof = scope->add_profiles();
    prof->mutable_sample_type()->set_type_strindex(type);
    prof->mutable_sample_type()->set_unit_strindex(unit);
    prof->mutable_period_type()->set_type_strindex(3);
    prof->mutable_period_type()->set_unit_strindex(4);
    prof->set_period(10'000'000);  // Time 0: the conversion's now.
    auto* a = prof->add_samples();
    a->set_stack_index(1);
    a->add_values(type == 1 ? 3 : 30'000'000);
    auto* b = prof->add_samples();
    b->set_stack_index(2);
    b->add_attribute_indices(1);
    b->add_values(type == 1 ? 2 : 20'000'000);
  }
  return req.SerializeAsString();
}

TEST_F(ReceivedRecordTest, OtlpProfilesAreStoredAsTheirRequestOnceAndReplayRepeatsThem) {
  const auto request = std::make_shared<const std::string>(OtlpRequest());
  Result<ingest::OtlpResult> converted = ingest::ConvertOtlp(*request, clock_.Now());
  ASSERT_THAT(converted, IsOk());
  ASSERT_EQ(converted->profiles.size(), 2u);  // process_cpu and cpu.
  ingest::KeepOtlpRequest(*converted, request, clock_.Now());
  ASSERT_THAT(distributor_->Push("t", std::move(converted->profiles)), IsOk());
  std::vector<distributor::SeriesProfile> series;  // The sink gets a profile at a time.
  for (const auto& push : sink_.pushes) series.insert(series.end(), push.begin(), push.end());
  ASSERT_EQ(series.size(), 4u);  // Two metrics, each split by the endpoint label.

  const std::string record = EncodeRecord("t", series);

  const size_t at = record.find(*request);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(record.find(*request, at + 1), std::string::npos) << "the request is stored once";
  ExpectReplayMakesTheSame(series);
}

TEST_F(ReceivedRecordTest, AnOtlpIndexBeyondTheRequestsProfilesIsDataLoss) {
  const auto request = std::make_shared<const std::string>(OtlpRequest());
  Result<ingest::OtlpResult> converted = ingest::ConvertOtlp(*request, clock_.Now());
  ASSERT_THAT(converted, IsOk());
  ingest::KeepOtlpRequest(*converted, request, clock_.Now());
  model::Profile& p = converted->profiles[1].profile;
  p.received->otlp_index = 2;
  const auto shared = std::make_shared<const model::Profile>(std::move(p));

  EXPECT_THAT(DecodeRecord(EncodeRecord("t", {{kCpu, shared, {}}})),
              StatusIs(StatusCode::kDataLoss, "otlp profile index"));
}

// Version 2 records (kinds 0 and 1 only) still replay; a kind 2 profile in one is damage.
TEST_F(ReceivedRecordTest, Version2RecordsStillDecodeButHoldNoOtlpProfiles) {
  const std::vector<distributor::SeriesProfile> series = Push(kCpu, base::Gzip(Cpu(Now())));
  std::string record = EncodeRecord("t", series);
  ASSERT_EQ(record[0], '\x03');
  record[0] = '\x02';
  Result<PushRecord> back = DecodeRecord(record);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->series.size(), series.size());

  const auto request = std::make_shared<const std::string>(OtlpRequest());
  Result<ingest::OtlpResult> converted = ingest::ConvertOtlp(*request, clock_.Now());
  ASSERT_THAT(converted, IsOk());
  ingest::KeepOtlpRequest(*converted, request, clock_.Now());
  const auto otlp = std::make_shared<const model::Profile>(std::move(converted->profiles[0].profile));
  std::string otlp_record = EncodeRecord("t", {{kCpu, otlp, {}}});
  otlp_record[0] = '\x02';
  EXPECT_THAT(DecodeRecord(otlp_record), StatusIs(StatusCode::kDataLoss, "profile kind"));
}

}  // namespace
}  // namespace flamedb::ingester

namespace flamedb::ingester {
namespace {

// A WAL written before version 2 (every profile as pprof, no kind byte) still replays.
TEST(RecordVersionTest, Version1RecordsStillDecode) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"work", "main"}, {30}).Sample({"idle", "main"}, {10});
  const std::string pprof = pprof::EncodeProfile(b.Build());
  base::ByteWriter w;
  w.Raw(std::string_view("\x01", 1));
  w.Bytes("tenant-1");
  w.Varint(1);
  w.Bytes(pprof);
  w.Varint(1);  // One series: profile 0, one label, sample 1 only.
  w.Varint(0);
  w.Varint(1);
  w.Bytes("__name__");
  w.Bytes("process_cpu");
  w.Varint(1);
  w.Varint(1);

  Result<PushRecord> back = DecodeRecord(w.view());

  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->tenant, "tenant-1");
  ASSERT_EQ(back->series.size(), 1u);
  EXPECT_THAT(back->series[0].samples, ::testing::ElementsAre(1));
  EXPECT_EQ(pprof::EncodeProfile(*back->series[0].profile), pprof);
}

}  // namespace
}  // namespace flamedb::ingester
