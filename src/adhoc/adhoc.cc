#include "adhoc/adhoc.h"

#include <algorithm>
#include <limits>

#include "base/gzip.h"
#include "base/ulid.h"
#include "base/utf8.h"
#include "distributor/normalize.h"
#include "distributor/validate.h"
#include "head/head.h"
#include "ingest/folded.h"
#include "pprof/decoder.h"
#include "query/querier.h"

namespace flamedb::adhoc {
namespace {

constexpr size_t kMaxNameChars = 128;
constexpr std::string_view kName = "adhoc";

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

std::string CleanName(std::string_view name) {
  std::string out(name.substr(0, kMaxNameChars));
  for (char& c : out) {
    if (!NameChar(c)) c = '_';
  }
  return out.empty() ? "profile" : out;
}

// "<ULID>-<name>" with a name of our characters, else nullopt.
std::optional<Listed> ParseId(std::string_view id) {
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos || dash + 1 >= id.size() ||
      !std::all_of(id.begin(), id.end(), NameChar)) {
    return std::nullopt;
  }
  const std::optional<base::Ulid> ulid = base::Ulid::Parse(id.substr(0, dash));
  if (!ulid.has_value()) return std::nullopt;
  return Listed{std::string(id), std::string(id.substr(dash + 1)), ulid->UnixMillis()};
}

// The profile in `raw` (uncompressed): folded text when it reads as such, else pprof.
Result<model::Profile> Decode(std::string raw, size_t max_bytes) {
  // Text: UTF-8 without control characters but tab, CR and LF (pprof's varints have them).
  const bool text = base::IsValidUtf8(raw) &&
                    std::none_of(raw.begin(), raw.end(), [](char c) {
                      const auto u = static_cast<unsigned char>(c);
                      return (u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7f;
                    });
  Status folded_error = OkStatus();
  if (text) {
    Result<model::Profile> folded = ingest::ParseFolded(raw, ingest::StackProfileType{});
    if (folded.ok()) return folded;
    folded_error = folded.status();
  }
  Result<model::Profile> pprof =
      pprof::DecodeProfile(std::move(raw), {.max_uncompressed_bytes = max_bytes});
  if (pprof.ok() && !pprof->sample_types.empty()) return pprof;
  if (text) {
    return InvalidArgumentError("looks like folded text but is not: " +
                                std::string(folded_error.message()) +
                                " (expected a \"frame;frame;frame count\" line)");
  }
  if (!pprof.ok() && pprof.status().code() == StatusCode::kResourceExhausted) return pprof.status();
  return InvalidArgumentError(
      "not a pprof profile: " +
      (pprof.ok() ? std::string("no sample types") : std::string(pprof.status().message())));
}

// The tree of `profile`'s sample type `sample_type` (empty: its last), through the same
// validation, normalization and head as a push, so it reads as the same data queried would.
Result<View> Flatten(model::Profile profile, std::string_view sample_type) {
  std::vector<std::pair<std::string, std::string>> types;  // Sample type, unit; pprof order.
  for (const model::ValueType& t : profile.sample_types) {
    types.emplace_back(profile.String(t.type), profile.String(t.unit));
  }
  distributor::ProfileLimits limits;
  limits.max_profile_stacktrace_samples = 0;
  limits.max_profile_stacktrace_depth = 0;
  limits.reject_older_than = base::Duration::zero();
  limits.reject_newer_than = base::Duration::zero();
  FLAMEDB_RETURN_IF_ERROR(
      distributor::ValidateProfile(profile, limits, std::chrono::system_clock::now(), kName));
  distributor::NormalizeProfile(profile);
  View view;
  for (const auto& [type, unit] : types) view.sample_types.push_back(type);
  size_t chosen = types.size() - 1;
  if (!sample_type.empty()) {
    const auto it = std::find_if(types.begin(), types.end(),
                                 [&](const auto& t) { return t.first == sample_type; });
    if (it == types.end()) {
      std::string known;
      for (const auto& [type, unit] : types) known += (known.empty() ? "" : ", ") + type;
      return InvalidArgumentError("the profile has no sample type \"" + std::string(sample_type) +
                                  "\"; it has: " + known);
    }
    chosen = static_cast<size_t>(it - types.begin());
  }
  view.sample_type = types[chosen].first;
  view.unit = types[chosen].second;
  head::Head head;
  FLAMEDB_RETURN_IF_ERROR(head.Append({{"__name__", std::string(kName)}}, profile, {}));
  const store::TimeRange all{std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max()};
  for (const query::ProfileTypeInfo& t : query::ProfileTypes({&head}, all)) {
    if (t.sample_type != view.sample_type || t.sample_unit != view.unit) continue;
    query::QueryContext ctx;
    FLAMEDB_ASSIGN_OR_RETURN(view.tree,
                             query::MergeStacktraces({&head}, {t.id, "{}", all, {}, {}}, ctx));
    return view;
  }
  return view;  // Nothing of that type was stored (no samples): an empty tree.
}

}  // namespace

std::string ProfileKey(std::string_view tenant, std::string_view id) {
  return std::string(tenant) + "/adhoc/" + std::string(id);
}

Result<View> Read(std::string_view data, std::string_view sample_type, size_t max_bytes) {
  std::string raw;
  if (data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
      static_cast<unsigned char>(data[1]) == 0x8b) {
    Result<std::string> inflated = base::GunzipCapped(data, max_bytes);
    if (!inflated.ok()) {
      if (inflated.status().code() == StatusCode::kResourceExhausted) return inflated.status();
      return InvalidArgumentError("not gzip: " + std::string(inflated.status().message()));
    }
    raw = std::move(*inflated);
  } else {
    if (data.size() > max_bytes) {
      return ResourceExhaustedError("the profile is " + std::to_string(data.size()) +
                                    " bytes, more than the limit of " + std::to_string(max_bytes));
    }
    raw = std::string(data);
  }
  if (raw.empty()) return InvalidArgumentError("the file is empty");
  FLAMEDB_ASSIGN_OR_RETURN(model::Profile profile, Decode(std::move(raw), max_bytes));
  return Flatten(std::move(profile), sample_type);
}

Store::Store(objstore::Bucket& bucket, const base::Clock& clock,
             std::function<size_t(std::string_view tenant)> max_bytes)
    : bucket_(bucket), clock_(clock), max_bytes_(std::move(max_bytes)) {}

Result<View> Store::Upload(std::string_view tenant, std::string_view name, std::string data,
                           std::string_view sample_type) {
  FLAMEDB_ASSIGN_OR_RETURN(View view, Read(data, sample_type, max_bytes_(tenant)));
  const base::Ulid ulid = base::Ulid::New(clock_.Now());
  view.meta = Listed{ulid.ToString() + "-" + CleanName(name), CleanName(name), ulid.UnixMillis()};
  FLAMEDB_RETURN_IF_ERROR(bucket_.Put(ProfileKey(tenant, view.meta.id), data));
  return view;
}

Result<View> Store::Get(std::string_view tenant, std::string_view id,
                        std::string_view sample_type) {
  std::optional<Listed> meta = ParseId(id);
  if (!meta.has_value()) {
    return InvalidArgumentError("id \"" + std::string(id.substr(0, 200)) +
                                "\" is not an ad-hoc profile id (<ULID>-<name of [a-zA-Z0-9._-]>)");
  }
  Result<std::string> data = bucket_.Get(ProfileKey(tenant, id));
  if (data.status().code() == StatusCode::kNotFound) {
    return NotFoundError("profile " + std::string(id) + " not found");
  }
  FLAMEDB_RETURN_IF_ERROR(data.status());
  FLAMEDB_ASSIGN_OR_RETURN(View view, Read(*data, sample_type, max_bytes_(tenant)));
  view.meta = std::move(*meta);
  return view;
}

Result<std::vector<Listed>> Store::List(std::string_view tenant) {
  const std::string prefix = ProfileKey(tenant, "");
  FLAMEDB_ASSIGN_OR_RETURN(objstore::ListResult listed, bucket_.List(prefix, ""));
  std::vector<Listed> out;
  for (const objstore::ObjectInfo& o : listed.objects) {
    std::optional<Listed> meta = ParseId(std::string_view(o.key).substr(prefix.size()));
    if (meta.has_value()) out.push_back(std::move(*meta));
  }
  std::sort(out.begin(), out.end(), [](const Listed& a, const Listed& b) {
    return a.uploaded_at_ms != b.uploaded_at_ms ? a.uploaded_at_ms > b.uploaded_at_ms : a.id > b.id;
  });
  return out;
}

}  // namespace flamedb::adhoc
