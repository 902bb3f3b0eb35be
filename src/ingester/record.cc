#include "ingester/record.h"

#include <map>

#include "pprof/decoder.h"
#include "pprof/encoder.h"
#include "pprof/wire.h"

namespace flamedb::ingester {
namespace {

constexpr uint8_t kVersion = 1;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

Status Damaged(std::string_view what) {
  return DataLossError("wal record does not decode: " + std::string(what));
}

}  // namespace

std::string EncodeRecord(std::string_view tenant,
                         const std::vector<distributor::SeriesProfile>& series) {
  std::map<const model::Profile*, uint64_t> index;
  std::vector<const model::Profile*> profiles;
  for (const auto& s : series) {
    if (index.emplace(s.profile.get(), profiles.size()).second) {
      profiles.push_back(s.profile.get());
    }
  }
  std::string out(1, static_cast<char>(kVersion));
  PutString(out, tenant);
  PutVarint(out, profiles.size());
  for (const model::Profile* p : profiles) {
    PutString(out, pprof::EncodeProfile(*p));
  }
  PutVarint(out, series.size());
  for (const auto& s : series) {
    PutVarint(out, index.at(s.profile.get()));
    PutVarint(out, s.labels.size());
    for (const model::LabelPair& l : s.labels.pairs()) {
      PutString(out, l.name);
      PutString(out, l.value);
    }
    PutVarint(out, s.samples.size());
    for (uint32_t i : s.samples) {
      PutVarint(out, i);
    }
  }
  return out;
}

Result<PushRecord> DecodeRecord(std::string_view bytes) {
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kVersion) {
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
    if (!r.ReadLengthDelimited(text)) {
      return Damaged("profile bytes");
    }
    Result<model::Profile> p =
        pprof::DecodeProfileBytes(std::make_unique<const std::string>(text));
    if (!p.ok()) {
      return Damaged(p.status().message());
    }
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
