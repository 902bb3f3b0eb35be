#include "ingest/jfr_chunk.h"

#include <charconv>

namespace flamedb::ingest::jfr {
namespace {

constexpr uint32_t kMagic = 0x464c5200;  // "FLR\0"
constexpr int kMaxDepth = 32;            // Metadata elements and nested struct values.

// The metadata event's element tree: <root><metadata><class ...><field .../></class>...
struct Element {
  std::string_view name;
  std::vector<std::pair<std::string_view, std::string_view>> attributes;
  std::vector<Element> children;

  std::string_view Attr(std::string_view key) const {
    for (const auto& [k, v] : attributes) {
      if (k == key) return v;
    }
    return {};
  }
};

bool ParseId(std::string_view s, int64_t& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

Kind KindOf(std::string_view name) {
  static const std::pair<std::string_view, Kind> kKinds[] = {
      {"boolean", Kind::kBoolean}, {"byte", Kind::kByte},     {"char", Kind::kChar},
      {"short", Kind::kShort},     {"int", Kind::kInt},       {"long", Kind::kLong},
      {"float", Kind::kFloat},     {"double", Kind::kDouble}, {"java.lang.String", Kind::kString}};
  for (const auto& [n, k] : kKinds) {
    if (n == name) return k;
  }
  return Kind::kStruct;
}

void AppendUtf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | c >> 18);
    out += static_cast<char>(0x80 | (c >> 12 & 0x3f));
    out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

}  // namespace

int Type::FieldIndex(std::string_view field) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return static_cast<int>(i);
  }
  return -1;
}

Status Chunk::Bad(std::string what) const {
  return InvalidArgumentError("malformed JFR: " + what).WithTag("malformed_profile");
}

Result<std::unique_ptr<Chunk>> Chunk::Open(std::string_view data) {
  std::unique_ptr<Chunk> c(new Chunk());
  FLAMEDB_RETURN_IF_ERROR(c->ReadHeader(data));
  c->work_budget_ = 64 * c->bytes_.size() + (1 << 20);
  FLAMEDB_RETURN_IF_ERROR(c->ReadMetadata());
  FLAMEDB_RETURN_IF_ERROR(c->IndexConstantPools());
  return c;
}

Status Chunk::ReadHeader(std::string_view data) {
  if (data.size() < kHeaderSize) {
    return Bad("a chunk header needs 68 bytes, " + std::to_string(data.size()) + " remain");
  }
  Reader r(data.substr(0, kHeaderSize), false);
  if (r.Fixed(4) != kMagic) return Bad("wrong magic (not a JFR recording)");
  header_.major = static_cast<uint16_t>(r.Fixed(2));
  header_.minor = static_cast<uint16_t>(r.Fixed(2));
  if (header_.major != 2 && header_.major != 1) {
    return Bad("unsupported version " + std::to_string(header_.major) + "." +
               std::to_string(header_.minor));
  }
  header_.size = static_cast<int64_t>(r.Fixed(8));
  header_.constant_pool_offset = static_cast<int64_t>(r.Fixed(8));
  header_.metadata_offset = static_cast<int64_t>(r.Fixed(8));
  header_.start_nanos = static_cast<int64_t>(r.Fixed(8));
  header_.duration_nanos = static_cast<int64_t>(r.Fixed(8));
  header_.start_ticks = static_cast<int64_t>(r.Fixed(8));
  header_.ticks_per_second = static_cast<int64_t>(r.Fixed(8));
  header_.compressed_integers = (r.Fixed(4) & 1) != 0;
  if (header_.size < static_cast<int64_t>(kHeaderSize) ||
      static_cast<uint64_t>(header_.size) > data.size()) {
    return Bad("chunk size " + std::to_string(header_.size) + " does not fit the " +
               std::to_string(data.size()) + " bytes that remain (truncated recording?)");
  }
  for (const int64_t offset : {header_.constant_pool_offset, header_.metadata_offset}) {
    if (offset < static_cast<int64_t>(kHeaderSize) || offset >= header_.size) {
      return Bad("offset " + std::to_string(offset) + " is outside the chunk of " +
                 std::to_string(header_.size) + " bytes");
    }
  }
  if (header_.ticks_per_second <= 0) return Bad("ticks per second is not positive");
  bytes_ = data.substr(0, static_cast<size_t>(header_.size));
  return OkStatus();
}

namespace {

Status ReadElement(Reader& r, const std::vector<std::string_view>& strings, int depth,
                   Element& out) {
  if (depth > kMaxDepth) {
    return InvalidArgumentError("malformed JFR: metadata nested deeper than " +
                                std::to_string(kMaxDepth));
  }
  auto str = [&](int64_t i) {
    if (i < 0 || static_cast<uint64_t>(i) >= strings.size()) {
      r.Fail();
      return std::string_view();
    }
    return strings[static_cast<size_t>(i)];
  };
  out.name = str(r.Int());
  const uint32_t attributes = r.Count(2);
  out.attributes.reserve(attributes);
  for (uint32_t i = 0; i < attributes && r.ok(); ++i) {
    const std::string_view key = str(r.Int());
    out.attributes.emplace_back(key, str(r.Int()));
  }
  const uint32_t children = r.Count(3);
  out.children.resize(children);
  for (Element& child : out.children) {
    FLAMEDB_RETURN_IF_ERROR(ReadElement(r, strings, depth + 1, child));
  }
  return r.ok() ? OkStatus()
                : InvalidArgumentError("malformed JFR: metadata element is truncated or names a "
                                       "string that does not exist");
}

}  // namespace

Status Chunk::ReadMetadata() {
  Reader r = NewReader();
  const auto start = static_cast<size_t>(header_.metadata_offset);
  r.Seek(start);
  const int64_t size = r.Int();
  if (!r.ok() || size <= 0 || static_cast<uint64_t>(size) > bytes_.size() - start) {
    return Bad("metadata event size " + std::to_string(size) + " does not fit the chunk");
  }
  Reader m(bytes_.substr(0, start + static_cast<size_t>(size)), header_.compressed_integers);
  m.Seek(r.pos());
  if (m.Long() != 0) return Bad("the metadata offset does not point to a metadata event");
  m.Long();  // Start ticks, duration, metadata id.
  m.Long();
  m.Long();
  std::vector<std::string_view> strings(m.Count(1));
  for (std::string_view& s : strings) s = ReadString(m);
  if (!m.ok()) return Bad("metadata strings: " + (error_.empty() ? "truncated" : error_));
  Element root;
  if (Status s = ReadElement(m, strings, 0, root); !s.ok()) return s.WithTag("malformed_profile");
  for (const Element& section : root.children) {
    if (section.name != "metadata") continue;
    for (const Element& cls : section.children) {
      if (cls.name != "class") continue;
      Type t;
      if (!ParseId(cls.Attr("id"), t.id)) return Bad("class without a numeric id");
      t.name = cls.Attr("name");
      t.kind = KindOf(t.name);
      for (const Element& f : cls.children) {
        if (f.name != "field") continue;
        Field field{f.Attr("name"), 0, f.Attr("constantPool") == "true", f.Attr("dimension") == "1"};
        if (!ParseId(f.Attr("class"), field.type)) return Bad("field without a numeric class");
        t.fields.push_back(field);
      }
      if (t.kind != Kind::kStruct) t.fields.clear();
      if (!types_.emplace(t.id, std::move(t)).second) return Bad("two classes with one id");
    }
  }
  for (auto& [id, t] : types_) {
    for (const Field& f : t.fields) {
      if (!types_.count(f.type)) {
        return Bad("field " + std::string(f.name) + " of " + std::string(t.name) +
                   " has unknown type " + std::to_string(f.type));
      }
    }
    type_by_name_.emplace(t.name, id);
    if (t.kind == Kind::kString) string_type_ = id;
  }
  return OkStatus();
}

Status Chunk::IndexConstantPools() {
  return ForEachRecord([this](int64_t type, Reader& r) {
    return type == 1 ? ReadCheckpoint(r) : OkStatus();
  });
}

Status Chunk::ReadCheckpoint(Reader& r) {
  r.Long();  // Start ticks, duration, delta to the previous checkpoint.
  r.Long();
  r.Long();
  r.U8();  // Kind of checkpoint (flush, chunk header, statics, thread).
  const uint32_t pools = r.Count(2);
  for (uint32_t p = 0; p < pools && r.ok(); ++p) {
    const int64_t type_id = r.Long();
    const Type* type = TypeById(type_id);
    if (type == nullptr) {
      return Bad("constant pool of unknown type " + std::to_string(type_id));
    }
    auto& pool = constants_[type_id];
    const uint32_t n = r.Count(1);
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
      const int64_t id = r.Long();
      pool.emplace(id, r.pos());
      SkipValue(r, *type);
    }
  }
  if (!r.ok() || r.pos() != r.size()) {
    return Bad("constant pool ending at offset " + std::to_string(r.size()) +
               (error_.empty() ? " is truncated or does not fill its event" : ": " + error_));
  }
  return OkStatus();
}

const Type* Chunk::TypeById(int64_t id) const {
  auto it = types_.find(id);
  return it == types_.end() ? nullptr : &it->second;
}

const Type* Chunk::TypeByName(std::string_view name) const {
  auto it = type_by_name_.find(name);
  return it == type_by_name_.end() ? nullptr : TypeById(it->second);
}

size_t Chunk::Constant(int64_t type, int64_t id) const {
  auto pool = constants_.find(type);
  if (pool == constants_.end()) return 0;
  auto it = pool->second.find(id);
  return it == pool->second.end() ? 0 : it->second;
}

void Chunk::SkipField(Reader& r, const Field& field, int depth) const {
  const Type& type = *TypeById(field.type);  // Checked when the metadata was read.
  const uint32_t n = field.array ? r.Count(0) : 1;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    if (field.constant_pool) {
      r.Long();
    } else {
      SkipValue(r, type, depth);
    }
  }
}

void Chunk::SkipValue(Reader& r, const Type& type, int depth) const {
  if (work_budget_ == 0 || depth > kMaxDepth) {
    error_ = "values nested too deeply or too many of them";
    return r.Fail();
  }
  --work_budget_;
  switch (type.kind) {
    case Kind::kBoolean:
    case Kind::kByte:
      return r.Skip(1);
    case Kind::kChar:
    case Kind::kShort:
      return void(r.Short());
    case Kind::kInt:
      return void(r.Int());
    case Kind::kLong:
      return void(r.Long());
    case Kind::kFloat:
      return r.Skip(4);
    case Kind::kDouble:
      return r.Skip(8);
    case Kind::kString:
      return void(ReadString(r));
    case Kind::kStruct:
      for (const Field& f : type.fields) SkipField(r, f, depth + 1);
      return;
  }
}

std::string_view Chunk::Convert(std::string s) const {
  converted_.push_back(std::move(s));
  return converted_.back();
}

std::string_view Chunk::ReadString(Reader& r) const {
  const uint8_t encoding = r.U8();
  switch (encoding) {
    case 0:  // null
    case 1:  // ""
      return {};
    case 2: {  // A constant of java.lang.String.
      const int64_t id = r.Long();
      const size_t at = string_type_ < 0 ? 0 : Constant(string_type_, id);
      Reader s = NewReader();
      s.Seek(at);
      if (at == 0 || s.U8() == 2) {  // A reference to a reference would never end.
        error_ = "string constant " + std::to_string(id) + " does not exist";
        r.Fail();
        return {};
      }
      s.Seek(at);
      const std::string_view v = ReadString(s);
      if (!s.ok()) r.Fail();
      return v;
    }
    case 3:  // UTF-8: a view into the recording.
      return r.Bytes(r.Count(1));
    case 4: {  // UTF-16 code units, each a compressed char.
      const uint32_t n = r.Count(1);
      std::string out;
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        uint32_t c = static_cast<uint16_t>(r.Short());
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
          const uint32_t low = static_cast<uint16_t>(r.Short());
          ++i;
          c = low >= 0xdc00 && low < 0xe000 ? 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
                                            : 0xfffd;
        } else if (c >= 0xd800 && c < 0xe000) {
          c = 0xfffd;  // A lone surrogate.
        }
        AppendUtf8(out, c);
      }
      return Convert(std::move(out));
    }
    case 5: {  // Latin-1.
      const std::string_view bytes = r.Bytes(r.Count(1));
      bool ascii = true;
      for (char ch : bytes) ascii = ascii && static_cast<uint8_t>(ch) < 0x80;
      if (ascii) return bytes;
      std::string out;
      for (char ch : bytes) AppendUtf8(out, static_cast<uint8_t>(ch));
      return Convert(std::move(out));
    }
    default:
      error_ = "unknown string encoding " + std::to_string(encoding);
      r.Fail();
      return {};
  }
}

}  // namespace flamedb::ingest::jfr
