#include "ingester/record.h"

#include <algorithm>
#include <map>

#include "base/byte_coding.h"
#include "distributor/steps.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"
#include "pprof/wire.h"

namespace flamedb::ingester {
namespace {

// Version 1 held every profile as pprof; version 2 tags each profile with how it is held.
constexpr uint8_t kVersion = 2;
enum class Held : uint8_t { kPprof = 0, kReceived = 1 };

Status Damaged(std::string_view what) {
  return DataLossError("wal record does not decode: " + std::string(what));
}

// Identifies the samples' values, so that replay can tell a profile made again from its payload
// is the one acknowledged: the sample count, the sum of the values, and their sum weighted by
// position (which sees values moved between samples or columns). Sums, not a hash chain, so
// that the pass over every value costs an add or two per value.
uint64_t ValuesCheck(const model::Profile& p) {
  uint64_t sum = 0, weighted = 0, position = 0;
  for (const model::Sample& s : p.samples) {
    for (int64_t v : p.Values(s)) {
      sum += static_cast<uint64_t>(v);
      weighted += static_cast<uint64_t>(v) * ++position;
    }
  }
  return (p.samples.size() * 0x9e3779b97f4a7c15ULL) ^ (sum * 0xff51afd7ed558ccdULL) ^
         (weighted * 0xc4ceb9fe1a85ec53ULL);
}

// The payload and the facts of model::Received; see docs/wal-format.md.
void WriteReceived(const model::Profile& p, base::ByteWriter& out) {
  const model::Received& r = *p.received;
  out.Raw(std::string_view("\x01", 1));  // Held::kReceived
  out.Bytes(r.compressed.empty() ? std::string_view(*p.storage) : std::string_view(r.compressed));
  out.Varint(p.storage->size());
  out.Signed(p.time_nanos);
  out.Varint(static_cast<uint64_t>(std::max<int64_t>(0, r.max_stack_depth)));
  out.Varint(static_cast<uint64_t>(std::max<int64_t>(0, r.max_symbol_length)));
  out.Varint(static_cast<uint64_t>(r.delta));
  out.Varint(r.delta_columns.size());
  for (uint32_t c : r.delta_columns) out.Varint(c);
  if (r.delta == model::Received::Delta::kGrowth) {
    out.Reserve(p.samples.size() * r.delta_columns.size() * 3);
    for (const model::Sample& s : p.samples) {
      for (uint32_t c : r.delta_columns) out.Signed(p.values[s.values.begin + c]);
    }
  }
  out.Fixed64(ValuesCheck(p));
}

// Profile::received is kept only by ingest paths that decode a pprof payload (so storage is set).
bool HoldsReceived(const model::Profile& p) { return p.received && p.storage != nullptr; }

}  // namespace

std::string EncodeRecord(std::string_view tenant,
                         const std::vector<distributor::SeriesProfile>& series) {
  base::ByteWriter out;
  EncodeRecordTo(tenant, series, out);
  return std::move(out.str());
}

void EncodeRecordTo(std::string_view tenant,
                    const std::vector<distributor::SeriesProfile>& series,
                    base::ByteWriter& out) {
  std::map<const model::Profile*, uint64_t> index;
  std::vector<const model::Profile*> profiles;
  for (const auto& s : series) {
    if (index.emplace(s.profile.get(), profiles.size()).second) {
      profiles.push_back(s.profile.get());
    }
  }
  out.Clear();
  const char version = static_cast<char>(kVersion);
  out.Raw(std::string_view(&version, 1));
  out.Bytes(tenant);
  out.Varint(profiles.size());
  // The length goes before the bytes: each profile is encoded into a scratch writer of the
  // thread first, which keeps its room like `out`.
  thread_local base::ByteWriter scratch;
  for (const model::Profile* p : profiles) {
    if (HoldsReceived(*p)) {
      WriteReceived(*p, out);
      continue;
    }
    out.Raw(std::string_view("\x00", 1));  // Held::kPprof
    scratch.Clear();
    pprof::EncodeProfileTo(*p, scratch);
    out.Bytes(scratch.view());
  }
  base::ReleaseIfLarge(scratch);
  out.Varint(series.size());
  for (const auto& s : series) {
    out.Varint(index.at(s.profile.get()));
    out.Varint(s.labels.size());
    for (const model::LabelPair& l : s.labels.pairs()) {
      out.Bytes(l.name);
      out.Bytes(l.value);
    }
    out.Varint(s.samples.size());
    out.Reserve(s.samples.size() * 5);
    for (uint32_t i : s.samples) {
      out.Varint(i);
    }
  }
}

namespace {

Result<model::Profile> ReadPprof(pprof::WireReader& r) {
  std::string_view text;
  if (!r.ReadLengthDelimited(text)) {
    return Damaged("profile bytes");
  }
  Result<model::Profile> p = pprof::DecodeProfileBytes(std::make_unique<const std::string>(text));
  if (!p.ok()) {
    return Damaged(p.status().message());
  }
  return p;
}

Result<model::Profile> ReadReceived(pprof::WireReader& r) {
  std::string_view payload;
  uint64_t decoded_size = 0, depth = 0, length = 0, delta = 0, columns = 0, time = 0;
  if (!r.ReadLengthDelimited(payload) || !r.ReadVarint(decoded_size) || !r.ReadVarint(time) ||
      !r.ReadVarint(depth) || !r.ReadVarint(length) || !r.ReadVarint(delta) || delta > 2 ||
      !r.ReadVarint(columns) || columns > 64) {
    return Damaged("received payload header");
  }
  model::Received facts;
  facts.max_stack_depth = static_cast<int64_t>(depth);
  facts.max_symbol_length = static_cast<int64_t>(length);
  facts.delta = static_cast<model::Received::Delta>(delta);
  for (uint64_t i = 0, c = 0; i < columns; ++i) {
    if (!r.ReadVarint(c) || c > UINT32_MAX) return Damaged("delta column");
    facts.delta_columns.push_back(static_cast<uint32_t>(c));
  }
  // The payload decoded at ingest within its limit; its recorded size bounds it again here.
  Result<model::Profile> p =
      pprof::DecodeProfile(std::string(payload), {.max_uncompressed_bytes = decoded_size});
  if (!p.ok()) {
    return Damaged(p.status().message());
  }
  std::vector<int64_t> growth;
  if (facts.delta == model::Received::Delta::kGrowth) {
    // Bounded by the decoded profile, not by a count in the record.
    const size_t n = p->samples.size() * facts.delta_columns.size();
    growth.reserve(n);
    for (size_t i = 0, v = 0; i < n; ++i) {
      if (!r.ReadVarint(v)) return Damaged("delta growth values");
      growth.push_back(static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1));
    }
  }
  FLAMEDB_RETURN_IF_ERROR(distributor::Remake(
      *p, facts, static_cast<int64_t>(time >> 1) ^ -static_cast<int64_t>(time & 1), growth));
  uint64_t check = 0;
  if (!r.ReadFixed64(check)) return Damaged("values check");
  if (check != ValuesCheck(*p)) {
    return DataLossError("wal record: the profile made again from its payload differs from the "
                         "one acknowledged (a change to the push pipeline since it was written?)");
  }
  return p;
}

}  // namespace

Result<PushRecord> DecodeRecord(std::string_view bytes) {
  const uint8_t version = bytes.empty() ? 0 : static_cast<uint8_t>(bytes[0]);
  if (version != 1 && version != kVersion) {
    return Damaged("unknown record version");
  }
  pprof::WireReader r(bytes.substr(1));
  PushRecord out;
  std::string_view text;
  uint64_t n = 0;
  if (!r.ReadLengthDelimited(text) || !r.ReadVarint(n)) {
    return Damaged("header");
  }
  out.tenant = std::string(text);
  std::vector<std::shared_ptr<const model::Profile>> profiles;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t held = static_cast<uint64_t>(Held::kPprof);
    if (version >= 2 && !r.ReadVarint(held)) {
      return Damaged("profile kind");
    }
    Result<model::Profile> p = held == static_cast<uint64_t>(Held::kPprof)       ? ReadPprof(r)
                               : held == static_cast<uint64_t>(Held::kReceived) ? ReadReceived(r)
                                                                                : Damaged("profile kind");
    FLAMEDB_RETURN_IF_ERROR(p.status());
    profiles.push_back(std::make_shared<const model::Profile>(std::move(p).value()));
  }
  if (!r.ReadVarint(n)) {
    return Damaged("series count");
  }
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t profile = 0, labels = 0, samples = 0;
    if (!r.ReadVarint(profile) || profile >= profiles.size() || !r.ReadVarint(labels)) {
      return Damaged("series header");
    }
    std::vector<model::LabelPair> pairs;
    for (uint64_t l = 0; l < labels; ++l) {
      std::string_view name, value;
      if (!r.ReadLengthDelimited(name) || !r.ReadLengthDelimited(value)) {
        return Damaged("labels");
      }
      pairs.push_back({std::string(name), std::string(value)});
    }
    distributor::SeriesProfile s{model::Labels(std::move(pairs)), profiles[profile], {}};
    if (!r.ReadVarint(samples)) {
      return Damaged("sample count");
    }
    for (uint64_t k = 0; k < samples; ++k) {
      uint64_t index = 0;
      if (!r.ReadVarint(index) || index >= s.profile->samples.size()) {
        return Damaged("sample index");
      }
      s.samples.push_back(static_cast<uint32_t>(index));
    }
    out.series.push_back(std::move(s));
  }
  return out;
}

}  // namespace flamedb::ingester
