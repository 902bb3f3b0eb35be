#include "pprof/decoder.h"

#include <google/protobuf/util/message_differencer.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "base/gzip.h"
#include "google/v1/profile.pb.h"
#include "pprof/encoder.h"
#include "testing/status_matchers.h"

namespace flamedb::pprof {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::ElementsAre;

// A small CPU profile written with libprotobuf, an encoder independent of ours.
google::v1::Profile ReferenceProfile() {
  google::v1::Profile p;
  for (const char* s : {"", "samples", "count", "cpu", "nanoseconds", "main", "work", "main.go",
                        "/bin/app", "thread"}) {
    p.add_string_table(s);
  }
  auto* st = p.add_sample_type();
  st->set_type(1);
  st->set_unit(2);
  st = p.add_sample_type();
  st->set_type(3);
  st->set_unit(4);
  auto* m = p.add_mapping();
  m->set_id(1);
  m->set_memory_start(0x400000);
  m->set_memory_limit(0x500000);
  m->set_filename(8);
  m->set_has_functions(true);
  for (uint64_t id : {1, 2}) {
    auto* f = p.add_function();
    f->set_id(id);
    f->set_name(4 + static_cast<int64_t>(id));
    f->set_filename(7);
    f->set_start_line(10 * static_cast<int64_t>(id));
    auto* loc = p.add_location();
    loc->set_id(id);
    loc->set_mapping_id(1);
    loc->set_address(0x401000 + id);
    auto* line = loc->add_line();
    line->set_function_id(id);
    line->set_line(42 + static_cast<int64_t>(id));
  }
  auto* s = p.add_sample();
  s->add_location_id(2);
  s->add_location_id(1);
  s->add_value(3);
  s->add_value(30000000);
  auto* l = s->add_label();
  l->set_key(9);
  l->set_num(7);
  s = p.add_sample();
  s->add_location_id(1);
  s->add_value(-1);  // Negative values are legal on the wire; validation judges them later.
  s->add_value(10000000);
  p.set_time_nanos(1700000000123456789);
  p.set_duration_nanos(10000000000);
  p.mutable_period_type()->set_type(3);
  p.mutable_period_type()->set_unit(4);
  p.set_period(10000000);
  p.add_comment(5);
  p.set_default_sample_type(3);
  return p;
}

TEST(DecodeProfileTest, DecodesEveryFieldOfAReferenceProfile) {
  Result<model::Profile> decoded = DecodeProfile(ReferenceProfile().SerializeAsString(), {});

  ASSERT_THAT(decoded, IsOk());
  const model::Profile& p = *decoded;
  ASSERT_EQ(p.string_table.size(), 10u);
  EXPECT_EQ(p.String(5), "main");
  ASSERT_EQ(p.sample_types.size(), 2u);
  EXPECT_EQ(p.String(p.sample_types[1].type), "cpu");
  ASSERT_EQ(p.samples.size(), 2u);
  EXPECT_THAT(p.LocationIds(p.samples[0]), ElementsAre(2, 1));
  EXPECT_THAT(p.Values(p.samples[0]), ElementsAre(3, 30000000));
  EXPECT_THAT(p.Values(p.samples[1]), ElementsAre(-1, 10000000));
  ASSERT_EQ(p.Labels(p.samples[0]).size(), 1u);
  EXPECT_EQ(p.Labels(p.samples[0])[0].num, 7);
  EXPECT_TRUE(p.Labels(p.samples[1]).empty());
  ASSERT_EQ(p.mappings.size(), 1u);
  EXPECT_EQ(p.mappings[0].memory_limit, 0x500000u);
  EXPECT_TRUE(p.mappings[0].has_functions);
  ASSERT_EQ(p.locations.size(), 2u);
  EXPECT_EQ(p.locations[1].address, 0x401002u);
  ASSERT_EQ(p.Lines(p.locations[1]).size(), 1u);
  EXPECT_EQ(p.Lines(p.locations[1])[0].line, 44);
  ASSERT_EQ(p.functions.size(), 2u);
  EXPECT_EQ(p.String(p.functions[1].name), "work");
  EXPECT_EQ(p.time_nanos, 1700000000123456789);
  EXPECT_EQ(p.duration_nanos, 10000000000);
  EXPECT_EQ(p.period, 10000000);
  EXPECT_EQ(p.String(p.period_type.unit), "nanoseconds");
  EXPECT_THAT(p.comments, ElementsAre(5));
  EXPECT_EQ(p.default_sample_type, 3);
}

TEST(DecodeProfileTest, GzippedPayloadsAreDetectedByMagic) {
  const std::string raw = ReferenceProfile().SerializeAsString();

  Result<model::Profile> decoded = DecodeProfile(base::Gzip(raw), {});

  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(decoded->samples.size(), 2u);
}

// Appends a protobuf key and varint by hand, to build what libprotobuf would not write.
void Key(std::string& out, uint32_t field, uint32_t type) { out += static_cast<char>(field << 3 | type); }

TEST(DecodeProfileTest, UnpackedRepeatedFieldsAndUnknownFieldsAreAccepted) {
  std::string sample;
  Key(sample, 1, 0);  // location_id = 7, unpacked
  sample += '\x07';
  Key(sample, 15, 5);  // unknown fixed32
  sample += std::string("\x01\x02\x03\x04", 4);
  Key(sample, 2, 0);  // value = 5, unpacked
  sample += '\x05';
  Key(sample, 1, 0);  // location_id = 8, after a value
  sample += '\x08';
  std::string profile;
  Key(profile, 15, 1);  // unknown fixed64 at the top level
  profile += std::string(8, '\x00');
  Key(profile, 2, 2);  // the sample
  profile += static_cast<char>(sample.size());
  profile += sample;
  Key(profile, 6, 2);  // string_table "" after the sample: any field order
  profile += '\x00';

  Result<model::Profile> decoded = DecodeProfile(profile, {});

  ASSERT_THAT(decoded, IsOk());
  ASSERT_EQ(decoded->samples.size(), 1u);
  EXPECT_THAT(decoded->LocationIds(decoded->samples[0]), ElementsAre(7, 8));
  EXPECT_THAT(decoded->Values(decoded->samples[0]), ElementsAre(5));
  EXPECT_THAT(decoded->string_table, ElementsAre(""));
}

TEST(DecodeProfileTest, MalformedBytesAreInvalidArgumentNamingTheField) {
  const std::string good = ReferenceProfile().SerializeAsString();

  EXPECT_THAT(DecodeProfile(good.substr(0, good.size() - 3), {}),
              StatusIs(StatusCode::kInvalidArgument, "malformed pprof profile"));
  EXPECT_THAT(DecodeProfile("\x12\x05\x0a\x09", {}),  // sample claims 5 bytes, 2 follow
              StatusIs(StatusCode::kInvalidArgument, "Profile.sample at byte 0"));
  EXPECT_THAT(DecodeProfile(std::string("\x0b", 1), {}),  // a group: not in proto3 payloads
              StatusIs(StatusCode::kInvalidArgument, "malformed pprof profile"));
  EXPECT_THAT(DecodeProfile("\x12\x03\x0a\x81\x81", {}),  // truncated varint inside a sample
              StatusIs(StatusCode::kInvalidArgument, "Sample.location_id"));
  EXPECT_THAT(DecodeProfile(std::string("\x1f\x8b\x08\x00garbage", 11), {}),
              StatusIs(StatusCode::kInvalidArgument, "not valid gzip"));
}

TEST(DecodeProfileTest, SizeLimitAppliesBeforeAndAfterDecompression) {
  const std::string raw = ReferenceProfile().SerializeAsString();
  const std::string bomb = base::Gzip(std::string(64 << 20, '\0'), 9);

  EXPECT_THAT(DecodeProfile(raw, {.max_uncompressed_bytes = raw.size() - 1}),
              StatusIs(StatusCode::kResourceExhausted, "exceeds limit of"));
  EXPECT_THAT(DecodeProfile(base::Gzip(raw), {.max_uncompressed_bytes = raw.size() - 1}),
              StatusIs(StatusCode::kResourceExhausted));
  EXPECT_THAT(DecodeProfile(bomb, {.max_uncompressed_bytes = 4 << 20}),
              StatusIs(StatusCode::kResourceExhausted));
  EXPECT_THAT(DecodeProfile(raw, {.max_uncompressed_bytes = raw.size()}), IsOk());
}

TEST(DecodeProfileTest, EmptyPayloadIsAnEmptyProfile) {
  Result<model::Profile> decoded = DecodeProfile("", {});

  ASSERT_THAT(decoded, IsOk());
  EXPECT_TRUE(decoded->samples.empty());
  EXPECT_TRUE(decoded->string_table.empty());
}

TEST(DecodeProfileTest, StringsStayValidAfterTheProfileMoves) {
  Result<model::Profile> decoded = DecodeProfile(ReferenceProfile().SerializeAsString(), {});
  ASSERT_THAT(decoded, IsOk());

  model::Profile moved = std::move(decoded).value();
  const int64_t added = moved.AddString("added");
  model::Profile again = std::move(moved);

  EXPECT_EQ(again.String(6), "work");
  EXPECT_EQ(again.String(added), "added");
}

// Random profiles through libprotobuf -> our decoder -> our encoder -> libprotobuf: every field
// must survive. Seeded, so a failure reproduces.
google::v1::Profile RandomProfile(std::mt19937_64& rng) {
  auto n = [&](uint64_t max) { return std::uniform_int_distribution<uint64_t>(0, max)(rng); };
  auto i64 = [&] { return static_cast<int64_t>(rng()) >> n(63); };
  google::v1::Profile p;
  for (uint64_t i = 0, c = n(20); i < c; ++i) p.add_string_table(std::string(n(12), 'a' + n(25)));
  for (uint64_t i = 0, c = n(3); i < c; ++i) {
    auto* st = p.add_sample_type();
    st->set_type(i64());
    st->set_unit(i64());
  }
  for (uint64_t i = 0, c = n(30); i < c; ++i) {
    auto* s = p.add_sample();
    for (uint64_t k = 0, d = n(40); k < d; ++k) s->add_location_id(rng() >> n(63));
    for (uint64_t k = 0, d = n(3); k < d; ++k) s->add_value(i64());
    for (uint64_t k = 0, d = n(2); k < d; ++k) {
      auto* l = s->add_label();
      l->set_key(i64());
      l->set_str(i64());
      l->set_num(i64());
      l->set_num_unit(i64());
    }
  }
  for (uint64_t i = 0, c = n(5); i < c; ++i) {
    auto* m = p.add_mapping();
    m->set_id(rng());
    m->set_memory_start(rng());
    m->set_memory_limit(rng());
    m->set_file_offset(rng());
    m->set_filename(i64());
    m->set_build_id(i64());
    m->set_has_functions(n(1));
    m->set_has_filenames(n(1));
    m->set_has_line_numbers(n(1));
    m->set_has_inline_frames(n(1));
  }
  for (uint64_t i = 0, c = n(30); i < c; ++i) {
    auto* loc = p.add_location();
    loc->set_id(rng() >> n(63));
    loc->set_mapping_id(n(5));
    loc->set_address(rng());
    loc->set_is_folded(n(1));
    for (uint64_t k = 0, d = n(3); k < d; ++k) {
      auto* line = loc->add_line();
      line->set_function_id(n(1000));
      line->set_line(i64());
    }
  }
  for (uint64_t i = 0, c = n(30); i < c; ++i) {
    auto* f = p.add_function();
    f->set_id(rng() >> n(63));
    f->set_name(i64());
    f->set_system_name(i64());
    f->set_filename(i64());
    f->set_start_line(i64());
  }
  p.set_drop_frames(i64());
  p.set_keep_frames(i64());
  p.set_time_nanos(i64());
  p.set_duration_nanos(i64());
  if (n(1)) {
    p.mutable_period_type()->set_type(i64());
    p.mutable_period_type()->set_unit(i64());
  }
  p.set_period(i64());
  for (uint64_t i = 0, c = n(3); i < c; ++i) p.add_comment(i64());
  p.set_default_sample_type(i64());
  return p;
}

TEST(RoundTripTest, RandomProfilesSurviveDecodeAndEncode) {
  std::mt19937_64 rng(20261125);
  base::ByteWriter reused;  // Appended to after a prefix, kept from profile to profile.
  for (int iteration = 0; iteration < 300; ++iteration) {
    const google::v1::Profile original = RandomProfile(rng);

    Result<model::Profile> decoded = DecodeProfile(original.SerializeAsString(), {});
    ASSERT_THAT(decoded, IsOk()) << "iteration " << iteration;
    const std::string encoded = EncodeProfile(*decoded);
    // Field for field as libprotobuf writes it: every length prefix of a nested message is right.
    ASSERT_EQ(encoded, original.SerializeAsString()) << "iteration " << iteration;
    reused.Clear();
    reused.Raw("prefix");
    EncodeProfileTo(*decoded, reused);
    ASSERT_EQ(reused.view(), "prefix" + encoded) << "iteration " << iteration;
    google::v1::Profile back;
    ASSERT_TRUE(back.ParseFromString(encoded)) << "iteration " << iteration;

    ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(original, back))
        << "iteration " << iteration << "\noriginal: " << original.ShortDebugString()
        << "\nback: " << back.ShortDebugString();
  }
}

}  // namespace
}  // namespace flamedb::pprof
