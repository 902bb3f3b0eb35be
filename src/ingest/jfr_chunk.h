// One chunk of a JFR recording (docs/jfr.md): its header, the type metadata, and an index of its
// constant pools. Values stay in the recording's bytes and are read on demand: the index maps
// each constant's (type, id) to the offset of its value, so opening a chunk allocates in
// proportion to the number of constants, never to a count the input claims.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "ingest/jfr_reader.h"

namespace flamedb::ingest::jfr {

inline constexpr size_t kHeaderSize = 68;

// How a type's values are encoded.
enum class Kind : uint8_t {
  kStruct, kBoolean, kByte, kChar, kShort, kInt, kLong, kFloat, kDouble, kString
};

struct Field {
  std::string_view name;
  int64_t type = 0;
  bool constant_pool = false;  // The value is the id of a constant of `type`.
  bool array = false;          // A count, then that many values.
};

struct Type {
  int64_t id = 0;
  std::string_view name;
  Kind kind = Kind::kStruct;
  std::vector<Field> fields;  // kStruct only, in encoding order.
  // Index of the field named `name`, or -1.
  int FieldIndex(std::string_view name) const;
};

struct Header {
  uint16_t major = 0;
  uint16_t minor = 0;
  int64_t size = 0;  // The whole chunk, header included.
  int64_t constant_pool_offset = 0;
  int64_t metadata_offset = 0;
  int64_t start_nanos = 0;
  int64_t duration_nanos = 0;
  int64_t start_ticks = 0;
  int64_t ticks_per_second = 0;
  bool compressed_integers = false;
};

class Chunk {
 public:
  // Opens the chunk at the start of `data` (which may hold further chunks after it). Views into
  // `data` are kept: it must outlive the chunk. Errors: kInvalidArgument naming what is wrong
  // (magic, version, a size or offset outside the data, malformed metadata or constant pools).
  static Result<std::unique_ptr<Chunk>> Open(std::string_view data);

  const Header& header() const { return header_; }
  std::string_view bytes() const { return bytes_; }
  Reader NewReader() const { return Reader(bytes_, header_.compressed_integers); }

  const Type* TypeById(int64_t id) const;
  const Type* TypeByName(std::string_view name) const;

  // Offset in bytes() of the value of constant `id` of `type`, or 0 when there is none.
  size_t Constant(int64_t type, int64_t id) const;

  // Skips one value of `field` (or of `type`) at `r`. Nested structs deeper than a fixed limit,
  // and more work than the chunk's size can justify, fail the reader.
  void SkipField(Reader& r, const Field& field, int depth = 0) const;
  void SkipValue(Reader& r, const Type& type, int depth = 0) const;

  // Reads a string in any of JFR's encodings, following constant-pool references. Strings that
  // are not UTF-8 in the recording are converted and kept by the chunk. Errors fail the reader
  // and are described by error().
  std::string_view ReadString(Reader& r) const;

  // Why the last failed ReadString or SkipValue failed, when the reader alone cannot tell.
  const std::string& error() const { return error_; }

  // Calls fn(type id, reader positioned after the type id and ending with the event) for every
  // event of the chunk except metadata and constant pools, in order. Returns the first error of the walk or
  // of fn.
  template <typename Fn>
  Status ForEachEvent(Fn&& fn) const;

 private:
  Chunk() = default;
  Status ReadHeader(std::string_view data);
  Status ReadMetadata();
  // Calls fn(type id, reader) for every record, metadata and constant pools included.
  template <typename Fn>
  Status ForEachRecord(Fn&& fn) const;
  Status IndexConstantPools();
  Status ReadCheckpoint(Reader& r);
  Status Bad(std::string what) const;
  std::string_view Convert(std::string s) const;

  Header header_;
  std::string_view bytes_;
  std::unordered_map<int64_t, Type> types_;
  std::unordered_map<std::string_view, int64_t> type_by_name_;
  // Per type id: constant id -> offset of its value.
  std::unordered_map<int64_t, std::unordered_map<int64_t, size_t>> constants_;
  int64_t string_type_ = -1;
  mutable std::deque<std::string> converted_;
  mutable std::string error_;
  mutable uint64_t work_budget_ = 0;  // Steps SkipValue may still take.
};

// The walk: each record is a size (of the whole record), a type id, then the fields.
template <typename Fn>
Status Chunk::ForEachRecord(Fn&& fn) const {
  Reader r = NewReader();
  size_t pos = kHeaderSize;
  while (pos < bytes_.size()) {
    r.Seek(pos);
    const int64_t size = r.Int();
    if (!r.ok() || size <= 0 || static_cast<uint64_t>(size) > bytes_.size() - pos) {
      return Bad("event at offset " + std::to_string(pos) + " has an invalid size " +
                 std::to_string(size));
    }
    const size_t end = pos + static_cast<size_t>(size);
    const int64_t type = r.Long();
    if (!r.ok()) return Bad("event at offset " + std::to_string(pos) + " is truncated");
    Reader record(bytes_.substr(0, end), header_.compressed_integers);  // Ends with the record.
    record.Seek(r.pos());
    FLAMEDB_RETURN_IF_ERROR(fn(type, record));
    pos = end;
  }
  return OkStatus();
}

template <typename Fn>
Status Chunk::ForEachEvent(Fn&& fn) const {
  return ForEachRecord([&](int64_t type, Reader& r) {
    return type == 0 || type == 1 ? OkStatus() : fn(type, r);  // Metadata and pools: read.
  });
}

}  // namespace flamedb::ingest::jfr
