#include "pprof/encoder.h"

#include <cstdint>
#include <span>

namespace flamedb::pprof {
namespace {

// Appends protobuf fields to a string.
class WireWriter {
 public:
  explicit WireWriter(std::string& out) : out_(out) {}

  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Tag(uint32_t field, uint32_t wire_type) { Varint((static_cast<uint64_t>(field) << 3) | wire_type); }

  // A varint field, omitted when zero (proto3 default).
  template <typename T>
  void Scalar(uint32_t field, T v) {
    if (v != T{}) {
      Tag(field, 0);
      Varint(static_cast<uint64_t>(v));
    }
  }
  void Bytes(uint32_t field, std::string_view bytes) {
    Tag(field, 2);
    Varint(bytes.size());
    out_.append(bytes);
  }
  template <typename T>
  void Packed(uint32_t field, std::span<const T> values, std::string& scratch) {
    if (values.empty()) {
      return;
    }
    scratch.clear();
    WireWriter w(scratch);
    for (T v : values) {
      w.Varint(static_cast<uint64_t>(v));
    }
    Bytes(field, scratch);
  }

 private:
  std::string& out_;
};

// Writes a nested message produced by `fill` as field `field` of `out`.
template <typename F>
void Nested(std::string& out, uint32_t field, std::string& scratch, F fill) {
  scratch.clear();
  WireWriter inner(scratch);
  fill(inner);
  WireWriter(out).Bytes(field, scratch);
}

void EncodeValueType(std::string& out, uint32_t field, const model::ValueType& vt,
                     std::string& scratch) {
  Nested(out, field, scratch, [&](WireWriter& w) {
    w.Scalar(1, vt.type);
    w.Scalar(2, vt.unit);
  });
}

void EncodeSamples(const model::Profile& p, std::string& out) {
  std::string msg;
  std::string packed;
  std::string label;
  for (const model::Sample& s : p.samples) {
    msg.clear();
    WireWriter w(msg);
    w.Packed(1, p.LocationIds(s), packed);
    w.Packed(2, p.Values(s), packed);
    for (const model::Label& l : p.Labels(s)) {
      Nested(msg, 3, label, [&](WireWriter& lw) {
        lw.Scalar(1, l.key);
        lw.Scalar(2, l.str);
        lw.Scalar(3, l.num);
        lw.Scalar(4, l.num_unit);
      });
    }
    WireWriter(out).Bytes(2, msg);
  }
}

void EncodeMappings(const model::Profile& p, std::string& out, std::string& scratch) {
  for (const model::Mapping& m : p.mappings) {
    Nested(out, 3, scratch, [&](WireWriter& w) {
      w.Scalar(1, m.id);
      w.Scalar(2, m.memory_start);
      w.Scalar(3, m.memory_limit);
      w.Scalar(4, m.file_offset);
      w.Scalar(5, m.filename);
      w.Scalar(6, m.build_id);
      w.Scalar(7, m.has_functions);
      w.Scalar(8, m.has_filenames);
      w.Scalar(9, m.has_line_numbers);
      w.Scalar(10, m.has_inline_frames);
    });
  }
}

void EncodeLocations(const model::Profile& p, std::string& out) {
  std::string msg;
  std::string line;
  for (const model::Location& loc : p.locations) {
    msg.clear();
    WireWriter w(msg);
    w.Scalar(1, loc.id);
    w.Scalar(2, loc.mapping_id);
    w.Scalar(3, loc.address);
    for (const model::Line& l : p.Lines(loc)) {
      Nested(msg, 4, line, [&](WireWriter& lw) {
        lw.Scalar(1, l.function_id);
        lw.Scalar(2, l.line);
        lw.Scalar(3, l.column);
      });
    }
    w.Scalar(5, loc.is_folded);
    WireWriter(out).Bytes(4, msg);
  }
}

void EncodeFunctions(const model::Profile& p, std::string& out, std::string& scratch) {
  for (const model::Function& f : p.functions) {
    Nested(out, 5, scratch, [&](WireWriter& w) {
      w.Scalar(1, f.id);
      w.Scalar(2, f.name);
      w.Scalar(3, f.system_name);
      w.Scalar(4, f.filename);
      w.Scalar(5, f.start_line);
    });
  }
}

}  // namespace

std::string EncodeProfile(const model::Profile& p) {
  std::string out;
  std::string scratch;
  for (const model::ValueType& vt : p.sample_types) {
    EncodeValueType(out, 1, vt, scratch);
  }
  EncodeSamples(p, out);
  EncodeMappings(p, out, scratch);
  EncodeLocations(p, out);
  EncodeFunctions(p, out, scratch);
  WireWriter w(out);
  for (std::string_view s : p.string_table) {
    w.Bytes(6, s);
  }
  w.Scalar(7, p.drop_frames);
  w.Scalar(8, p.keep_frames);
  w.Scalar(9, p.time_nanos);
  w.Scalar(10, p.duration_nanos);
  if (p.period_type.type != 0 || p.period_type.unit != 0) {
    EncodeValueType(out, 11, p.period_type, scratch);
  }
  w.Scalar(12, p.period);
  w.Packed(13, std::span<const int64_t>(p.comments), scratch);
  w.Scalar(14, p.default_sample_type);
  return out;
}

}  // namespace flamedb::pprof
