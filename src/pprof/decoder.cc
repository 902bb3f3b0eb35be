#include "pprof/decoder.h"

#include <limits>

#include "base/gzip.h"
#include "pprof/wire.h"

namespace flamedb::pprof {
namespace {

using model::Span;

// Field numbers of perftools.profiles (google/v1/profile.proto).
namespace field {
enum Profile : uint32_t {
  kSampleType = 1, kSample = 2, kMapping = 3, kLocation = 4, kFunction = 5, kStringTable = 6,
  kDropFrames = 7, kKeepFrames = 8, kTimeNanos = 9, kDurationNanos = 10, kPeriodType = 11,
  kPeriod = 12, kComment = 13, kDefaultSampleType = 14,
};
}  // namespace field

uint32_t Size32(size_t n) { return static_cast<uint32_t>(n); }

// Decodes one Profile message into a model::Profile. On failure, `where_` names the message and
// field that was being read.
class ProfileDecoder {
 public:
  explicit ProfileDecoder(model::Profile& profile) : p_(profile) {}

  Status Decode(std::string_view data) {
    // Pre-size the flat arrays from the payload size, so they rarely regrow: a regrowth copies
    // the array. Every element takes at least a byte of input, so these bounds are proportional
    // to the input, never to a claim. The ratios fit Go heap profiles (2.3 bytes per location
    // id, 8.4 per value, 33 per sample), the largest common kind; room reserved and not used is
    // never touched.
    p_.location_ids.reserve(data.size() / 2);
    p_.values.reserve(data.size() / 8);
    p_.samples.reserve(data.size() / 32);
    WireReader r(data);
    while (!r.done()) {
      const size_t offset = r.offset();
      uint32_t number = 0;
      WireType type{};
      if (!r.ReadTag(number, type) || !DecodeTopLevel(r, number, type)) {
        return InvalidArgumentError("malformed pprof profile: cannot decode " +
                                    (where_.empty() ? std::string("field key") : where_) +
                                    " at byte " + std::to_string(offset));
      }
    }
    return OkStatus();
  }

 private:
  bool Fail(const char* where) {
    where_ = where;
    return false;
  }

  // Reads a scalar varint field; a field sent with another wire type is skipped, as protobuf
  // parsers treat it as unknown.
  template <typename T>
  static bool Scalar(WireReader& r, WireType type, T& out) {
    if (type != WireType::kVarint) {
      return r.Skip(type);
    }
    uint64_t v = 0;
    if (!r.ReadVarint(v)) {
      return false;
    }
    out = static_cast<T>(v);
    return true;
  }

  // Appends a repeated varint field, packed (one length-delimited run) or not (one value).
  template <typename T>
  static bool Repeated(WireReader& r, WireType type, std::vector<T>& out) {
    if (type == WireType::kVarint) {
      uint64_t v = 0;
      if (!r.ReadVarint(v)) {
        return false;
      }
      out.push_back(static_cast<T>(v));
      return true;
    }
    if (type != WireType::kLengthDelimited) {
      return r.Skip(type);
    }
    std::string_view packed;
    if (!r.ReadLengthDelimited(packed)) {
      return false;
    }
    WireReader pr(packed);
    while (!pr.done()) {
      uint64_t v = 0;
      if (!pr.ReadVarint(v)) {
        return false;
      }
      out.push_back(static_cast<T>(v));
    }
    return true;
  }

  // Reads the bytes of an embedded message field, or skips a field of another wire type.
  static bool Message(WireReader& r, WireType type, std::string_view& out, bool& present) {
    present = type == WireType::kLengthDelimited;
    return present ? r.ReadLengthDelimited(out) : r.Skip(type);
  }

  bool DecodeTopLevel(WireReader& r, uint32_t number, WireType type) {
    std::string_view msg;
    bool present = false;
    switch (number) {
      case field::kSampleType: {
        model::ValueType vt;
        if (!Message(r, type, msg, present)) {
          return Fail("Profile.sample_type");
        }
        if (present && !DecodeValueType(msg, vt)) {
          return Fail("ValueType of Profile.sample_type");
        }
        if (present) {
          p_.sample_types.push_back(vt);
        }
        return true;
      }
      case field::kSample:
        return (Message(r, type, msg, present) || Fail("Profile.sample")) &&
               (!present || DecodeSample(msg));
      case field::kMapping:
        return (Message(r, type, msg, present) || Fail("Profile.mapping")) &&
               (!present || DecodeMapping(msg) || Fail("Mapping"));
      case field::kLocation:
        return (Message(r, type, msg, present) || Fail("Profile.location")) &&
               (!present || DecodeLocation(msg));
      case field::kFunction:
        return (Message(r, type, msg, present) || Fail("Profile.function")) &&
               (!present || DecodeFunction(msg) || Fail("Function"));
      case field::kStringTable:
        if (!Message(r, type, msg, present)) {
          return Fail("Profile.string_table");
        }
        if (present) {
          p_.string_table.push_back(msg);
        }
        return true;
      case field::kDropFrames:
        return Scalar(r, type, p_.drop_frames) || Fail("Profile.drop_frames");
      case field::kKeepFrames:
        return Scalar(r, type, p_.keep_frames) || Fail("Profile.keep_frames");
      case field::kTimeNanos:
        return Scalar(r, type, p_.time_nanos) || Fail("Profile.time_nanos");
      case field::kDurationNanos:
        return Scalar(r, type, p_.duration_nanos) || Fail("Profile.duration_nanos");
      case field::kPeriodType:
        return (Message(r, type, msg, present) || Fail("Profile.period_type")) &&
               (!present || DecodeValueType(msg, p_.period_type) ||
                Fail("ValueType of Profile.period_type"));
      case field::kPeriod:
        return Scalar(r, type, p_.period) || Fail("Profile.period");
      case field::kComment:
        return Repeated(r, type, p_.comments) || Fail("Profile.comment");
      case field::kDefaultSampleType:
        return Scalar(r, type, p_.default_sample_type) || Fail("Profile.default_sample_type");
      default:
        return r.Skip(type) || Fail("an unknown field");
    }
  }

  // Reads every field of the message `data`, calling on_field(reader, number, type), which must
  // consume the field. Returns false on malformed input or when on_field does.
  template <typename F>
  static bool ForEachField(std::string_view data, F on_field) {
    WireReader r(data);
    while (!r.done()) {
      uint32_t number = 0;
      WireType type{};
      if (!r.ReadTag(number, type) || !on_field(r, number, type)) {
        return false;
      }
    }
    return true;
  }

  static bool DecodeValueType(std::string_view data, model::ValueType& out) {
    return ForEachField(data, [&](WireReader& r, uint32_t number, WireType type) {
      switch (number) {
        case 1: return Scalar(r, type, out.type);
        case 2: return Scalar(r, type, out.unit);
        default: return r.Skip(type);
      }
    });
  }

  static bool DecodeLabel(std::string_view data, model::Label& out) {
    return ForEachField(data, [&](WireReader& r, uint32_t number, WireType type) {
      switch (number) {
        case 1: return Scalar(r, type, out.key);
        case 2: return Scalar(r, type, out.str);
        case 3: return Scalar(r, type, out.num);
        case 4: return Scalar(r, type, out.num_unit);
        default: return r.Skip(type);
      }
    });
  }

  bool DecodeSample(std::string_view data) {
    const size_t loc_begin = p_.location_ids.size();
    const size_t value_begin = p_.values.size();
    const size_t label_begin = p_.labels.size();
    WireReader r(data);
    while (!r.done()) {
      uint32_t number = 0;
      WireType type{};
      if (!r.ReadTag(number, type)) {
        return Fail("Sample");
      }
      std::string_view msg;
      bool present = false;
      switch (number) {
        case 1:
          if (!Repeated(r, type, p_.location_ids)) return Fail("Sample.location_id");
          break;
        case 2:
          if (!Repeated(r, type, p_.values)) return Fail("Sample.value");
          break;
        case 3:
          if (!Message(r, type, msg, present)) return Fail("Sample.label");
          if (present) {
            p_.labels.emplace_back();
            if (!DecodeLabel(msg, p_.labels.back())) return Fail("Label of Sample.label");
          }
          break;
        default:
          if (!r.Skip(type)) return Fail("Sample");
      }
    }
    p_.samples.push_back(model::Sample{
        Span{Size32(loc_begin), Size32(p_.location_ids.size() - loc_begin)},
        Span{Size32(value_begin), Size32(p_.values.size() - value_begin)},
        Span{Size32(label_begin), Size32(p_.labels.size() - label_begin)}});
    return true;
  }

  bool DecodeMapping(std::string_view data) {
    model::Mapping& m = p_.mappings.emplace_back();
    return ForEachField(data, [&](WireReader& r, uint32_t number, WireType type) {
      switch (number) {
        case 1: return Scalar(r, type, m.id);
        case 2: return Scalar(r, type, m.memory_start);
        case 3: return Scalar(r, type, m.memory_limit);
        case 4: return Scalar(r, type, m.file_offset);
        case 5: return Scalar(r, type, m.filename);
        case 6: return Scalar(r, type, m.build_id);
        case 7: return Scalar(r, type, m.has_functions);
        case 8: return Scalar(r, type, m.has_filenames);
        case 9: return Scalar(r, type, m.has_line_numbers);
        case 10: return Scalar(r, type, m.has_inline_frames);
        default: return r.Skip(type);
      }
    });
  }

  static bool DecodeLine(std::string_view data, model::Line& out) {
    return ForEachField(data, [&](WireReader& r, uint32_t number, WireType type) {
      switch (number) {
        case 1: return Scalar(r, type, out.function_id);
        case 2: return Scalar(r, type, out.line);
        case 3: return Scalar(r, type, out.column);
        default: return r.Skip(type);
      }
    });
  }

  bool DecodeLocation(std::string_view data) {
    model::Location loc;
    const size_t line_begin = p_.lines.size();
    WireReader r(data);
    while (!r.done()) {
      uint32_t number = 0;
      WireType type{};
      if (!r.ReadTag(number, type)) {
        return Fail("Location");
      }
      std::string_view msg;
      bool present = false;
      bool ok = true;
      switch (number) {
        case 1: ok = Scalar(r, type, loc.id); break;
        case 2: ok = Scalar(r, type, loc.mapping_id); break;
        case 3: ok = Scalar(r, type, loc.address); break;
        case 4:
          if (!Message(r, type, msg, present)) return Fail("Location.line");
          if (present && !DecodeLine(msg, p_.lines.emplace_back())) {
            return Fail("Line of Location.line");
          }
          break;
        case 5: ok = Scalar(r, type, loc.is_folded); break;
        default: ok = r.Skip(type);
      }
      if (!ok) {
        return Fail("Location");
      }
    }
    loc.lines = Span{Size32(line_begin), Size32(p_.lines.size() - line_begin)};
    p_.locations.push_back(loc);
    return true;
  }

  bool DecodeFunction(std::string_view data) {
    model::Function& f = p_.functions.emplace_back();
    return ForEachField(data, [&](WireReader& r, uint32_t number, WireType type) {
      switch (number) {
        case 1: return Scalar(r, type, f.id);
        case 2: return Scalar(r, type, f.name);
        case 3: return Scalar(r, type, f.system_name);
        case 4: return Scalar(r, type, f.filename);
        case 5: return Scalar(r, type, f.start_line);
        default: return r.Skip(type);
      }
    });
  }

  model::Profile& p_;
  std::string where_;
};

}  // namespace

Result<model::Profile> DecodeProfileBytes(std::unique_ptr<const std::string> storage) {
  if (storage->size() > std::numeric_limits<uint32_t>::max()) {
    return ResourceExhaustedError("profile of " + std::to_string(storage->size()) +
                                  " bytes is too large to decode");
  }
  model::Profile profile;
  FLAMEDB_RETURN_IF_ERROR(ProfileDecoder(profile).Decode(*storage));
  profile.storage = std::move(storage);
  return profile;
}

Result<model::Profile> DecodeProfile(std::string payload, const DecodeOptions& options) {
  if (base::LooksGzipped(payload)) {
    Result<std::string> raw = base::GunzipCapped(payload, options.max_uncompressed_bytes);
    if (!raw.ok()) {
      if (raw.status().code() == StatusCode::kResourceExhausted) {
        return ResourceExhaustedError("uncompressed profile payload size exceeds limit of " +
                                      std::to_string(options.max_uncompressed_bytes) + " bytes");
      }
      return InvalidArgumentError("profile is not valid gzip: " +
                                  std::string(raw.status().message()));
    }
    Result<model::Profile> p =
        DecodeProfileBytes(std::make_unique<const std::string>(std::move(raw).value()));
    if (p.ok() && options.keep_received) {
      p->received.emplace().compressed = std::move(payload);
    }
    return p;
  }
  if (payload.size() > options.max_uncompressed_bytes) {
    return ResourceExhaustedError("uncompressed profile payload size exceeds limit of " +
                                  std::to_string(options.max_uncompressed_bytes) + " bytes");
  }
  Result<model::Profile> p = DecodeProfileBytes(std::make_unique<const std::string>(std::move(payload)));
  if (p.ok() && options.keep_received) {
    p->received.emplace();  // The payload is the profile's storage.
  }
  return p;
}

}  // namespace flamedb::pprof
