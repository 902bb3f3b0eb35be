#include "ctl/blocks.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "base/json.h"
#include "base/ulid.h"
#include "block/reader.h"

namespace flamedb::ctl {
namespace {

// Unix nanoseconds as RFC 3339 UTC with milliseconds.
std::string Time(int64_t nanos) {
  const std::time_t secs = static_cast<std::time_t>(nanos / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((nanos / 1000000) % 1000));
  return buf;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// Left-aligned columns separated by two spaces.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string MetaJson(const BlockEntry& b) {
  if (!b.status.ok()) {
    return "{\"tenant\": " + base::JsonString(b.tenant) + ", \"id\": " + base::JsonString(b.id) +
           ", \"error\": " + base::JsonString(b.status.message()) + "}";
  }
  return block::MetaToJson(b.meta);
}

Result<std::vector<std::string>> Tenants(objstore::Bucket& bucket) {
  FLAMEDB_ASSIGN_OR_RETURN(objstore::ListResult top, bucket.List("", "/"));
  std::vector<std::string> out;
  for (const std::string& p : top.prefixes) out.push_back(p.substr(0, p.size() - 1));
  return out;
}

}  // namespace

Result<std::vector<BlockEntry>> ListBlocks(objstore::Bucket& bucket, const std::string& tenant) {
  std::vector<std::string> tenants = {tenant};
  if (tenant.empty()) {
    FLAMEDB_ASSIGN_OR_RETURN(tenants, Tenants(bucket));
  }
  std::vector<BlockEntry> out;
  for (const std::string& t : tenants) {
    FLAMEDB_ASSIGN_OR_RETURN(objstore::ListResult dirs, bucket.List(t + "/", "/"));
    for (const std::string& dir : dirs.prefixes) {
      const std::string id = dir.substr(t.size() + 1, dir.size() - t.size() - 2);
      if (!base::Ulid::Parse(id).has_value()) continue;  // The WAL, settings, ...
      BlockEntry e{t, id, {}, OkStatus()};
      Result<std::string> json = bucket.Get(dir + std::string(block::kMetaFile));
      Result<block::BlockMeta> meta =
          json.ok() ? block::MetaFromJson(*json) : Result<block::BlockMeta>(json.status());
      if (meta.ok()) {
        e.meta = std::move(meta).value();
      } else {
        e.status = meta.status();
      }
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::string FormatBlocks(const std::vector<BlockEntry>& blocks, bool json) {
  if (json) {
    std::string out = "[";
    for (size_t i = 0; i < blocks.size(); ++i) out += (i ? ",\n" : "\n") + MetaJson(blocks[i]);
    return out + (blocks.empty() ? "]\n" : "\n]\n");
  }
  std::vector<std::vector<std::string>> rows = {{"TENANT", "BLOCK", "MIN TIME", "MAX TIME",
                                                 "LEVEL", "SERIES", "PROFILES", "SAMPLES",
                                                 "BYTES", "SERVICES"}};
  for (const BlockEntry& b : blocks) {
    if (!b.status.ok()) {
      rows.push_back({b.tenant, b.id, "error: " + std::string(b.status.message())});
      continue;
    }
    const block::BlockMeta& m = b.meta;
    rows.push_back({b.tenant, b.id, Time(m.min_time_nanos), Time(m.max_time_nanos),
                    std::to_string(m.level), std::to_string(m.series), std::to_string(m.profiles),
                    std::to_string(m.samples), std::to_string(m.data_bytes), Join(m.services)});
  }
  return Table(rows);
}

Result<std::string> InspectBlock(objstore::Bucket& bucket, const std::string& tenant,
                                 const std::string& id, bool json) {
  const std::string dir = tenant + "/" + id + "/";
  Result<std::string> meta_json = bucket.Get(dir + std::string(block::kMetaFile));
  if (meta_json.status().code() == StatusCode::kNotFound) {
    return NotFoundError("no block " + id + " of tenant " + tenant + " (no " + dir +
                         std::string(block::kMetaFile) + ")");
  }
  FLAMEDB_RETURN_IF_ERROR(meta_json.status());
  FLAMEDB_ASSIGN_OR_RETURN(block::BlockMeta meta, block::MetaFromJson(*meta_json));
  FLAMEDB_ASSIGN_OR_RETURN(
      std::unique_ptr<block::BlockReader> reader,
      block::BlockReader::Open(block::BucketSource(bucket, dir + std::string(block::kDataFile),
                                                   meta.data_bytes)));
  FLAMEDB_RETURN_IF_ERROR(reader->Verify());
  const block::Toc& toc = reader->toc();
  if (json) {
    std::string out = "{\"meta\": " + block::MetaToJson(meta) + ", \"chunks\": " +
                      std::to_string(toc.chunks.size()) + ", \"partitions\": [";
    for (size_t p = 0; p < toc.partitions.size(); ++p) {
      out += (p ? ", " : "") + std::string("{\"service\": ") +
             base::JsonString(toc.partitions[p].name) +
             ", \"stacks\": " + std::to_string(toc.partitions[p].stacks) +
             ", \"bytes\": " + std::to_string(toc.partitions[p].section.size) + "}";
    }
    return out + "], \"verified\": true}\n";
  }
  std::string out = Table({{"block", id},
                           {"tenant", tenant},
                           {"time", Time(meta.min_time_nanos) + " .. " + Time(meta.max_time_nanos)},
                           {"level", std::to_string(meta.level)},
                           {"series", std::to_string(meta.series)},
                           {"profiles", std::to_string(meta.profiles)},
                           {"samples", std::to_string(meta.samples)},
                           {"bytes", std::to_string(meta.data_bytes)},
                           {"row chunks", std::to_string(toc.chunks.size())},
                           {"profile types", Join(meta.profile_types)},
                           {"label names", Join(meta.label_names)},
                           {"checksums", "verified (every section)"}});
  std::vector<std::vector<std::string>> parts = {{"PARTITION", "SERVICE", "STACKS", "BYTES"}};
  for (size_t p = 0; p < toc.partitions.size(); ++p) {
    parts.push_back({std::to_string(p), toc.partitions[p].name,
                     std::to_string(toc.partitions[p].stacks),
                     std::to_string(toc.partitions[p].section.size)});
  }
  return out + "\n" + Table(parts);
}

}  // namespace flamedb::ctl
