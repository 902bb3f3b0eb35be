#include "pprof/encoder.h"

#include <bit>
#include <cstdint>
#include <span>

#include "base/byte_coding.h"

namespace flamedb::pprof {
namespace {

// The encoded length of varint `v`: 1 byte per started group of 7 bits.
constexpr size_t VarintSize(uint64_t v) {
  return (static_cast<size_t>(std::bit_width(v | 1)) * 9 + 64) / 64;
}

template <typename T>
size_t PackedPayload(std::span<const T> values) {
  size_t n = 0;
  for (T v : values)
    n += VarintSize(static_cast<uint64_t>(v));
  return n;
}

// Protobuf messages are written in two passes over the same field list: a Sizer counts the
// bytes of a nested message so that its length prefix can be written before it, then a Writer
// writes the fields straight into the output buffer. The WAL re-encodes every pushed profile
// this way, so the writer does no per-byte string appends and no scratch copies of nested
// messages. Both classes have the same field methods; the field lists are templates over them.
class Sizer {
 public:
  void Tag(uint32_t field, uint32_t wire_type) {
    n_ += VarintSize((static_cast<uint64_t>(field) << 3) | wire_type);
  }
  // A varint field, omitted when zero (proto3 default).
  template <typename T>
  void Scalar(uint32_t field, T v) {
    if (v != T{}) {
      Tag(field, 0);
      n_ += VarintSize(static_cast<uint64_t>(v));
    }
  }
  void Bytes(uint32_t field, std::string_view bytes) { Delimited(field, bytes.size()); }
  template <typename T>
  void Packed(uint32_t field, std::span<const T> values) {
    if (!values.empty())
      Delimited(field, PackedPayload(values));
  }
  template <typename F>
  void Nested(uint32_t field, F fill) {
    Sizer inner;
    fill(inner);
    Delimited(field, inner.n_);
  }
  size_t size() const { return n_; }

 private:
  void Delimited(uint32_t field, size_t len) {
    Tag(field, 2);
    n_ += VarintSize(len) + len;
  }
  size_t n_ = 0;
};

class Writer {
 public:
  explicit Writer(base::ByteWriter& out) : out_(out) {}
  void Tag(uint32_t field, uint32_t wire_type) {
    out_.Varint((static_cast<uint64_t>(field) << 3) | wire_type);
  }
  template <typename T>
  void Scalar(uint32_t field, T v) {
    if (v != T{}) {
      Tag(field, 0);
      out_.Varint(static_cast<uint64_t>(v));
    }
  }
  void Bytes(uint32_t field, std::string_view bytes) {
    Tag(field, 2);
    out_.Bytes(bytes);
  }
  template <typename T>
  void Packed(uint32_t field, std::span<const T> values) {
    if (!values.empty())
      Packed(field, values, PackedPayload(values));
  }
  // `len` is PackedPayload(values), when the caller has it already.
  template <typename T>
  void Packed(uint32_t field, std::span<const T> values, size_t len) {
    Header(field, len);
    for (T v : values)
      out_.Varint(static_cast<uint64_t>(v));
  }
  template <typename F>
  void Nested(uint32_t field, F fill) {
    Sizer sizer;
    fill(sizer);
    Header(field, sizer.size());
    fill(*this);
  }
  // The tag and length of a length-delimited field of `len` bytes, with room made for them.
  void Header(uint32_t field, size_t len) {
    Tag(field, 2);
    out_.Varint(len);
    out_.Reserve(len);
  }
 private:
  base::ByteWriter& out_;
};

template <typename Out>
void ValueTypeFields(Out& o, const model::ValueType& vt) {
  o.Scalar(1, vt.type);
  o.Scalar(2, vt.unit);
}

template <typename Out>
void SampleLabels(Out& o, const model::Profile& p, const model::Sample& s) {
  for (const model::Label& l : p.Labels(s)) {
    o.Nested(3, [&](auto& lo) {
      lo.Scalar(1, l.key);
      lo.Scalar(2, l.str);
      lo.Scalar(3, l.num);
      lo.Scalar(4, l.num_unit);
    });
  }
}

constexpr size_t DelimitedSize(size_t len) {
  return len == 0 ? 0 : 1 + VarintSize(len) + len;
}

// Samples are most of a profile: each packed array is sized once, not once per pass.
void WriteSample(Writer& w, const model::Profile& p, const model::Sample& s) {
  const auto ids = p.LocationIds(s);
  const auto values = p.Values(s);
  const size_t ids_len = PackedPayload(ids);
  const size_t values_len = PackedPayload(values);
  Sizer labels;
  SampleLabels(labels, p, s);
  w.Header(2, DelimitedSize(ids_len) + DelimitedSize(values_len) + labels.size());
  if (!ids.empty())
    w.Packed(1, ids, ids_len);
  if (!values.empty())
    w.Packed(2, values, values_len);
  SampleLabels(w, p, s);
}

template <typename Out>
void MappingFields(Out& o, const model::Mapping& m) {
  o.Scalar(1, m.id);
  o.Scalar(2, m.memory_start);
  o.Scalar(3, m.memory_limit);
  o.Scalar(4, m.file_offset);
  o.Scalar(5, m.filename);
  o.Scalar(6, m.build_id);
  o.Scalar(7, m.has_functions);
  o.Scalar(8, m.has_filenames);
  o.Scalar(9, m.has_line_numbers);
  o.Scalar(10, m.has_inline_frames);
}

template <typename Out>
void LocationFields(Out& o, const model::Profile& p, const model::Location& loc) {
  o.Scalar(1, loc.id);
  o.Scalar(2, loc.mapping_id);
  o.Scalar(3, loc.address);
  for (const model::Line& l : p.Lines(loc)) {
    o.Nested(4, [&](auto& lo) {
      lo.Scalar(1, l.function_id);
      lo.Scalar(2, l.line);
      lo.Scalar(3, l.column);
    });
  }
  o.Scalar(5, loc.is_folded);
}

template <typename Out>
void FunctionFields(Out& o, const model::Function& f) {
  o.Scalar(1, f.id);
  o.Scalar(2, f.name);
  o.Scalar(3, f.system_name);
  o.Scalar(4, f.filename);
  o.Scalar(5, f.start_line);
}

}  // namespace

std::string EncodeProfile(const model::Profile& p) {
  base::ByteWriter out;
  EncodeProfileTo(p, out);
  return std::move(out.str());
}

void EncodeProfileTo(const model::Profile& p, base::ByteWriter& out) {
  Writer w(out);
  for (const model::ValueType& vt : p.sample_types) {
    w.Nested(1, [&](auto& o) { ValueTypeFields(o, vt); });
  }
  for (const model::Sample& s : p.samples) {
    WriteSample(w, p, s);
  }
  for (const model::Mapping& m : p.mappings) {
    w.Nested(3, [&](auto& o) { MappingFields(o, m); });
  }
  for (const model::Location& loc : p.locations) {
    w.Nested(4, [&](auto& o) { LocationFields(o, p, loc); });
  }
  for (const model::Function& f : p.functions) {
    w.Nested(5, [&](auto& o) { FunctionFields(o, f); });
  }
  for (std::string_view s : p.string_table) {
    w.Bytes(6, s);
  }
  w.Scalar(7, p.drop_frames);
  w.Scalar(8, p.keep_frames);
  w.Scalar(9, p.time_nanos);
  w.Scalar(10, p.duration_nanos);
  if (p.period_type.type != 0 || p.period_type.unit != 0) {
    w.Nested(11, [&](auto& o) { ValueTypeFields(o, p.period_type); });
  }
  w.Scalar(12, p.period);
  w.Packed(13, std::span<const int64_t>(p.comments));
  w.Scalar(14, p.default_sample_type);
}

}  // namespace flamedb::pprof
