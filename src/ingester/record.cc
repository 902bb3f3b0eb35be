#include "ingester/record.h"

#include <map>

#include "base/byte_coding.h"
#include "pprof/decoder.h"
#include "pprof/encoder.h"
#include "pprof/wire.h"

namespace flamedb::ingester {
namespace {

constexpr uint8_t kVersion = 1;

Status Damaged(std::string_view what) {
  return DataLossError("wal record does not decode: " + std::string(what));
}

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
