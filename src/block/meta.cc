#include "block/meta.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace flamedb::block {
namespace {

using nlohmann::json;

constexpr int64_t kNanosPerMilli = 1000000;

}  // namespace

std::string MetaToJson(const BlockMeta& m) {
  json j = {
      {"ulid", m.ulid},
      {"tenant", m.tenant},
      // Pyroscope's fields are milliseconds; the exact bounds are kept in nanoseconds too.
      {"minTime", m.min_time_nanos / kNanosPerMilli},
      {"maxTime", m.max_time_nanos / kNanosPerMilli + 1},
      {"minTimeNanos", m.min_time_nanos},
      {"maxTimeNanos", m.max_time_nanos},
      {"stats", {{"numSeries", m.series}, {"numProfiles", m.profiles}, {"numSamples", m.samples}}},
      {"labelNames", m.label_names},
      {"profileTypes", m.profile_types},
      {"services", m.services},
      {"compaction", {{"level", m.level}, {"sources", m.sources}}},
      {"version", kMetaVersion},
      {"source", m.source},
      {"files", json::array({{{"relPath", kDataFile},
                              {"sizeBytes", m.data_bytes},
                              {"xxhash64", base::Hex64(m.data_xxhash64)}}})},
      {"wal", {{"segmentEnd", m.wal_segment_end}}},
  };
  if (!m.object.empty()) {  // A part of a segment object: where in it.
    j["files"][0]["object"] = m.object;
    j["files"][0]["offset"] = m.object_offset;
  }
  return j.dump(2) + "\n";
}

Result<BlockMeta> MetaFromJson(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLossError("block meta: not a JSON object");
  }
  try {
    BlockMeta m;
    if (j.at("version").get<int>() != kMetaVersion) {
      return DataLossError("block meta: version " + j.at("version").dump() + " is not supported");
    }
    m.ulid = j.at("ulid").get<std::string>();
    m.tenant = j.at("tenant").get<std::string>();
    m.min_time_nanos = j.at("minTimeNanos").get<int64_t>();
    m.max_time_nanos = j.at("maxTimeNanos").get<int64_t>();
    const json& stats = j.at("stats");
    m.series = stats.at("numSeries").get<uint64_t>();
    m.profiles = stats.at("numProfiles").get<uint64_t>();
    m.samples = stats.at("numSamples").get<uint64_t>();
    m.label_names = j.at("labelNames").get<std::vector<std::string>>();
    m.profile_types = j.at("profileTypes").get<std::vector<std::string>>();
    m.services = j.at("services").get<std::vector<std::string>>();
    m.level = j.at("compaction").at("level").get<int>();
    m.sources = j.at("compaction").at("sources").get<std::vector<std::string>>();
    m.source = j.at("source").get<std::string>();
    const json& file = j.at("files").at(0);
    m.data_bytes = file.at("sizeBytes").get<uint64_t>();
    m.data_xxhash64 = std::stoull(file.at("xxhash64").get<std::string>(), nullptr, 16);
    if (file.contains("object")) {
      m.object = file.at("object").get<std::string>();
      m.object_offset = file.at("offset").get<uint64_t>();
    }
    m.wal_segment_end = j.at("wal").at("segmentEnd").get<uint64_t>();
    return m;
  } catch (const std::exception& e) {
    // nlohmann reports missing and mistyped fields by throwing (and stoull bad hex); this is
    // the library's boundary.
    return DataLossError(std::string("block meta: ") + e.what());
  }
}

}  // namespace flamedb::block
