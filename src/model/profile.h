// The in-memory profile: pprof's Profile message, decoded into flat arrays. Every ingest format
// (pprof, folded, JFR, OTLP ...) produces one of these; the distributor validates and
// normalizes it; the encoder writes it back as pprof.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flamedb::model {

// A range of one of Profile's flat arrays. Profiles are bounded by the payload size limit, far
// below 2^32 elements, so 32 bits suffice.
struct Span {
  uint32_t begin = 0;
  uint32_t size = 0;
};

// Fields that name strings are indexes into Profile::string_table, as in pprof.
struct ValueType {
  int64_t type = 0;
  int64_t unit = 0;
};

struct Label {
  int64_t key = 0;
  int64_t str = 0;
  int64_t num = 0;
  int64_t num_unit = 0;
};

struct Sample {
  Span locations;  // Into Profile::location_ids; the leaf (innermost frame) first.
  Span values;     // Into Profile::values; one per sample type.
  Span labels;     // Into Profile::labels.
};

// A whole stack's 128-bit key by the content of its locations (model/stack_key.h).
struct StackKey {
  uint64_t a = 0;
  uint64_t b = 0;
  bool operator==(const StackKey&) const = default;
};

struct Mapping {
  uint64_t id = 0;
  uint64_t memory_start = 0;
  uint64_t memory_limit = 0;
  uint64_t file_offset = 0;
  int64_t filename = 0;
  int64_t build_id = 0;
  bool has_functions = false;
  bool has_filenames = false;
  bool has_line_numbers = false;
  bool has_inline_frames = false;
};

struct Line {
  uint64_t function_id = 0;
  int64_t line = 0;
  int64_t column = 0;
};

struct Location {
  uint64_t id = 0;
  uint64_t mapping_id = 0;
  uint64_t address = 0;
  Span lines;  // Into Profile::lines; the caller-most inlined frame last.
  bool is_folded = false;
};

struct Function {
  uint64_t id = 0;
  int64_t name = 0;
  int64_t system_name = 0;
  int64_t filename = 0;
  int64_t start_line = 0;
};

// How the distributor made a profile out of the payload its client sent. The WAL then stores that
// payload (gzip: about a third of the profile re-encoded, and no encoding work) with these few
// facts, and replay repeats the same deterministic steps (distributor/steps.h). Only decoding
// creates one (pprof::DecodeOptions::keep_received); a step that changes the profile in a way
// these facts cannot repeat must drop it (Profile::received.reset()). OTLP conversion creates
// one too (otlp_request), so that the WAL keeps the request, not each profile made of it.
struct Received {
  // The payload as sent when it was gzip-compressed; empty when it was raw pprof, which is then
  // Profile::storage itself.
  std::string compressed;
  // For a profile of an OTLP request: the request's bytes (shared by every profile made of it),
  // the profile's index among ingest::ConvertOtlp's results, and the "now" it converted with.
  // Converting those bytes again with that now gives this profile before the steps.
  std::shared_ptr<const std::string> otlp_request;
  uint32_t otlp_index = 0;
  int64_t otlp_now_nanos = 0;
  // Validation's truncations (distributor::ProfileLimits); 0: none.
  int64_t max_stack_depth = 0;
  int64_t max_symbol_length = 0;
  // What the server-side delta did to the normalized profile's sample types `delta_columns`:
  // removed them (a baseline), or replaced their values by the growth (which the WAL stores).
  enum class Delta : uint8_t { kNone = 0, kRemoved = 1, kGrowth = 2 };
  Delta delta = Delta::kNone;
  std::vector<uint32_t> delta_columns;
};

// A profile. Repeated per-sample and per-location fields live in shared flat arrays addressed by
// Spans, so decoding allocates a handful of vectors rather than one per sample.
//
// The strings of string_table are views into `storage` (the decoded payload) or `owned_strings`;
// both move with the profile and never relocate their bytes, so the views stay valid for the
// profile's lifetime. Not thread-safe; a value type (movable, not copyable).
struct Profile {
  Profile() = default;
  Profile(Profile&&) = default;
  Profile& operator=(Profile&&) = default;
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  std::vector<ValueType> sample_types;
  std::vector<Sample> samples;
  std::vector<uint64_t> location_ids;
  std::vector<int64_t> values;
  std::vector<Label> labels;
  std::vector<Mapping> mappings;
  std::vector<Location> locations;
  std::vector<Line> lines;
  std::vector<Function> functions;
  std::vector<std::string_view> string_table;
  int64_t drop_frames = 0;
  int64_t keep_frames = 0;
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
  ValueType period_type;
  int64_t period = 0;
  std::vector<int64_t> comments;
  int64_t default_sample_type = 0;

  // Set by normalization: stack_keys[i] is the StackKey of samples[i]. Empty otherwise. A step
  // that changes samples' stacks, or the symbols they reference, after normalization must clear
  // it; steps that change values or labels keep it.
  std::vector<StackKey> stack_keys;

  // The decoded payload that string_table views point into (heap-held, so moves keep it put).
  std::unique_ptr<const std::string> storage;
  // Strings added after decoding; a deque never moves its elements.
  std::deque<std::string> owned_strings;
  // Set while the profile can be made again from what its client sent (see Received).
  std::optional<Received> received;

  std::span<const uint64_t> LocationIds(const Sample& s) const {
    return {location_ids.data() + s.locations.begin, s.locations.size};
  }
  std::span<const int64_t> Values(const Sample& s) const {
    return {values.data() + s.values.begin, s.values.size};
  }
  std::span<const Label> Labels(const Sample& s) const {
    return {labels.data() + s.labels.begin, s.labels.size};
  }
  std::span<const Line> Lines(const Location& l) const {
    return {lines.data() + l.lines.begin, l.lines.size};
  }

  // Appends `s` to the string table (no de-duplication) and returns its index.
  int64_t AddString(std::string s) {
    owned_strings.push_back(std::move(s));
    string_table.push_back(owned_strings.back());
    return static_cast<int64_t>(string_table.size() - 1);
  }
  // The string at `index`, or "" when out of range (validation reports bad indexes first).
  std::string_view String(int64_t index) const {
    return index >= 0 && static_cast<uint64_t>(index) < string_table.size() ? string_table[index]
                                                                            : std::string_view();
  }
};

}  // namespace flamedb::model
