#include "ingester/record.h"

#include <algorithm>
#include <map>

#include "base/byte_coding.h"
#include "distributor/steps.h"
#include "ingest/otlp.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"
#include "pprof/wire.h"

namespace flamedb::ingester {
namespace {

// Version 1 held every profile as pprof; version 2 tags each profile with how it is held;
// version 3 adds profiles held as the OTLP request they were converted from.
constexpr uint8_t kVersion = 3;
enum class Held : uint8_t { kPprof = 0, kReceived = 1, kOtlp = 2 };

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

// The facts of model::Received that replay needs besides the payload, then the values check.
void WriteFacts(const model::Profile& p, base::ByteWriter& out) {
  const model::Received& r = *p.received;
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

// The pprof payload and the facts of model::Received; see docs/wal-format.md.
void WriteReceived(const model::Profile& p, base::ByteWriter& out) {
  const model::Received& r = *p.received;
  out.Raw(std::string_view("\x01", 1));  // Held::kReceived
  out.Bytes(r.compressed.empty() ? std::string_view(*p.storage) : std::string_view(r.compressed));
  out.Varint(p.storage->size());
  WriteFacts(p, out);
}

// An OTLP profile: its request (or, when an earlier profile of the record wrote that request,
// 1 + that profile's position), its index among the conversion's results, the conversion's now,
// and the facts. `requests` maps each request written so far to its profile's position.
void WriteOtlp(const model::Profile& p, uint64_t position,
               std::map<const std::string*, uint64_t>& requests, base::ByteWriter& out) {
  const model::Received& r = *p.received;
  out.Raw(std::string_view("\x02", 1));  // Held::kOtlp
  const auto [it, first] = requests.emplace(r.otlp_request.get(), position);
  if (first) {
    out.Varint(0);
    out.Bytes(*r.otlp_request);
  } else {
    out.Varint(it->second + 1);
  }
  out.Varint(r.otlp_index);
  out.Signed(r.otlp_now_nanos);
  WriteFacts(p, out);
}

// Profile::received is kept by ingest paths that decode a pprof payload (so storage is set) and
// by OTLP conversion (otlp_request).
bool HoldsReceived(const model::Profile& p) { return p.received && p.storage != nullptr; }
bool HoldsOtlp(const model::Profile& p) { return p.received && p.received->otlp_request; }

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
  std::map<const std::string*, uint64_t> requests;
  for (size_t i = 0; i < profiles.size(); ++i) {
    const model::Profile* p = profiles[i];
    if (HoldsOtlp(*p)) {
      WriteOtlp(*p, i, requests, out);
      continue;
    }
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

// What WriteFacts wrote before the growth values: the time and the facts of model::Received.
struct Facts {
  model::Received received;
  int64_t time_nanos = 0;
};

Result<Facts> ReadFacts(pprof::WireReader& r) {
  uint64_t depth = 0, length = 0, delta = 0, columns = 0, time = 0;
  if (!r.ReadVarint(time) || !r.ReadVarint(depth) || !r.ReadVarint(length) ||
      !r.ReadVarint(delta) || delta > 2 || !r.ReadVarint(columns) || columns > 64) {
    return Damaged("received payload header");
  }
  Facts out;
  out.time_nanos = static_cast<int64_t>(time >> 1) ^ -static_cast<int64_t>(time & 1);
  out.received.max_stack_depth = static_cast<int64_t>(depth);
  out.received.max_symbol_length = static_cast<int64_t>(length);
  out.received.delta = static_cast<model::Received::Delta>(delta);
  for (uint64_t i = 0, c = 0; i < columns; ++i) {
    if (!r.ReadVarint(c) || c > UINT32_MAX) return Damaged("delta column");
    out.received.delta_columns.push_back(static_cast<uint32_t>(c));
  }
  return out;
}

// Makes `p` (the payload, decoded or converted again) what the push made of it: reads the growth
// values, runs the steps with the facts, and checks the values against the acknowledged ones.
Status RemakeAndCheck(pprof::WireReader& r, const Facts& facts, model::Profile& p) {
  std::vector<int64_t> growth;
  if (facts.received.delta == model::Received::Delta::kGrowth) {
    // Bounded by the decoded profile, not by a count in the record.
    const size_t n = p.samples.size() * facts.received.delta_columns.size();
    growth.reserve(n);
    for (size_t i = 0, v = 0; i < n; ++i) {
      if (!r.ReadVarint(v)) return Damaged("delta growth values");
      growth.push_back(static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1));
    }
  }
  FLAMEDB_RETURN_IF_ERROR(distributor::Remake(p, facts.received, facts.time_nanos, growth));
  uint64_t check = 0;
  if (!r.ReadFixed64(check)) return Damaged("values check");
  if (check != ValuesCheck(p)) {
    return DataLossError("wal record: the profile made again from its payload differs from the "
                         "one acknowledged (a change to the push pipeline since it was written?)");
  }
  return OkStatus();
}

Result<model::Profile> ReadReceived(pprof::WireReader& r) {
  std::string_view payload;
  uint64_t decoded_size = 0;
  if (!r.ReadLengthDelimited(payload) || !r.ReadVarint(decoded_size)) {
    return Damaged("received payload header");
  }
  FLAMEDB_ASSIGN_OR_RETURN(const Facts facts, ReadFacts(r));
  // The payload decoded at ingest within its limit; its recorded size bounds it again here.
  Result<model::Profile> p =
      pprof::DecodeProfile(std::string(payload), {.max_uncompressed_bytes = decoded_size});
  if (!p.ok()) {
    return Damaged(p.status().message());
  }
  FLAMEDB_RETURN_IF_ERROR(RemakeAndCheck(r, facts, *p));
  return p;
}

// The OTLP requests of one record converted again, by the position of the profile that holds
// the request's bytes; each profile takes its own result out.
using Conversions = std::map<uint64_t, ingest::OtlpResult>;

Result<model::Profile> ReadOtlp(pprof::WireReader& r, uint64_t position, Conversions& done) {
  uint64_t source = 0, index = 0, now = 0;
  std::string_view request;
  if (!r.ReadVarint(source) || source > position ||
      (source == 0 && !r.ReadLengthDelimited(request)) || !r.ReadVarint(index) ||
      !r.ReadVarint(now)) {
    return Damaged("otlp profile header");
  }
  FLAMEDB_ASSIGN_OR_RETURN(const Facts facts, ReadFacts(r));
  const uint64_t holder = source == 0 ? position : source - 1;
  auto it = done.find(holder);
  if (source == 0) {
    const int64_t now_nanos = static_cast<int64_t>(now >> 1) ^ -static_cast<int64_t>(now & 1);
    Result<ingest::OtlpResult> converted = ingest::ConvertOtlp(
        request, std::chrono::system_clock::time_point(std::chrono::nanoseconds(now_nanos)));
    if (!converted.ok()) return Damaged(converted.status().message());
    it = done.insert_or_assign(holder, std::move(converted).value()).first;
  }
  if (it == done.end() || index >= it->second.profiles.size()) {
    return Damaged("otlp profile index");
  }
  model::Profile p = std::move(it->second.profiles[index].profile);
  FLAMEDB_RETURN_IF_ERROR(RemakeAndCheck(r, facts, p));
  return p;
}

}  // namespace

Result<PushRecord> DecodeRecord(std::string_view bytes) {
  const uint8_t version = bytes.empty() ? 0 : static_cast<uint8_t>(bytes[0]);
  if (version < 1 || version > kVersion) {
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
  Conversions conversions;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t held = static_cast<uint64_t>(Held::kPprof);
    if (version >= 2 && !r.ReadVarint(held)) {
      return Damaged("profile kind");
    }
    Result<model::Profile> p = Damaged("profile kind");
    if (held == static_cast<uint64_t>(Held::kPprof)) {
      p = ReadPprof(r);
    } else if (held == static_cast<uint64_t>(Held::kReceived)) {
      p = ReadReceived(r);
    } else if (held == static_cast<uint64_t>(Held::kOtlp) && version >= 3) {
      p = ReadOtlp(r, i, conversions);
    }
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
