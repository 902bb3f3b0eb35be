// pyroscope-java's LabelsSnapshot, decoded by hand (it is three maps of integers and strings):
//   LabelsSnapshot { map<int64, Context> contexts = 1; map<int64, string> strings = 2; }
//   Context { map<int64, int64> labels = 1; }
// A map entry is a message with key = 1 and value = 2.
#include "ingest/jfr.h"

#include "pprof/wire.h"

namespace flamedb::ingest {
namespace {

using pprof::ForEachField;
using pprof::WireReader;
using pprof::WireType;

Status Bad(std::string_view what) {
  return InvalidArgumentError("malformed JFR labels part: " + std::string(what))
      .WithTag("malformed_profile");
}

bool ReadInt(WireType type, WireReader& r, int64_t& out) {
  uint64_t v = 0;
  if (type != WireType::kVarint || !r.ReadVarint(v)) return false;
  out = static_cast<int64_t>(v);
  return true;
}

// A map<int64, X> entry: the key, and the value's bytes (or varint) handed to `value`.
template <typename Fn>
bool ReadEntry(std::string_view entry, int64_t& key, Fn&& value) {
  bool ok = true;
  const bool parsed = ForEachField(entry, [&](uint32_t field, WireType type, WireReader& r) {
    if (field == 1) return ok = ok && ReadInt(type, r, key), true;
    if (field == 2) return ok = ok && value(type, r), true;
    return false;
  });
  return parsed && ok;
}

}  // namespace

Result<JfrLabels> ParseJfrLabels(std::string_view bytes) {
  JfrLabels out;
  bool ok = true;
  const bool parsed = ForEachField(bytes, [&](uint32_t field, WireType type, WireReader& r) {
    if (field != 1 && field != 2) return false;
    std::string_view entry;
    if (type != WireType::kLengthDelimited || !r.ReadLengthDelimited(entry)) return ok = false, true;
    int64_t key = 0;
    if (field == 2) {
      std::string_view text;
      ok = ok && ReadEntry(entry, key, [&](WireType t, WireReader& e) {
        return t == WireType::kLengthDelimited && e.ReadLengthDelimited(text);
      });
      out.strings[key] = text;
      return true;
    }
    std::vector<std::pair<int64_t, int64_t>> pairs;
    ok = ok && ReadEntry(entry, key, [&](WireType t, WireReader& e) {
      std::string_view context;
      return t == WireType::kLengthDelimited && e.ReadLengthDelimited(context) &&
             ForEachField(context, [&](uint32_t f, WireType lt, WireReader& l) {
               if (f != 1) return false;
               std::string_view label;
               int64_t k = 0, v = 0;
               ok = ok && lt == WireType::kLengthDelimited && l.ReadLengthDelimited(label) &&
                    ReadEntry(label, k, [&](WireType vt, WireReader& vr) {
                      return ReadInt(vt, vr, v);
                    });
               pairs.emplace_back(k, v);
               return true;
             });
    });
    out.contexts[key] = std::move(pairs);
    return true;
  });
  if (!parsed || !ok) return Bad("not a LabelsSnapshot protobuf message");
  return out;
}

}  // namespace flamedb::ingest
