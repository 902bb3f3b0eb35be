#include "block/format.h"

#include "block/coding.h"

namespace flamedb::block {
namespace {

void PutRef(ByteWriter& w, const SectionRef& r) {
  w.Varint(r.offset);
  w.Varint(r.size);
  w.Varint(r.raw_size);
  w.Fixed32(r.crc);
}

SectionRef GetRef(ByteReader& r, uint64_t object_size, bool& in_range) {
  SectionRef ref;
  ref.offset = r.Varint();
  ref.size = r.Varint();
  ref.raw_size = r.Varint();
  ref.crc = r.Fixed32();
  if (ref.offset < kHeaderBytes || ref.offset > object_size || ref.size > object_size - ref.offset) {
    in_range = false;
  }
  return ref;
}

}  // namespace

std::string EncodeToc(const Toc& toc) {
  ByteWriter w;
  w.Varint(kFormatVersion);
  w.Varint(toc.series);
  w.Varint(toc.profiles);
  w.Varint(toc.samples);
  w.Signed(toc.min_time);
  w.Signed(toc.max_time);
  PutRef(w, toc.series_section);
  w.Varint(toc.partitions.size());
  for (const PartitionEntry& p : toc.partitions) {
    w.Bytes(p.name);
    w.Varint(p.stacks);
    PutRef(w, p.section);
  }
  w.Varint(toc.chunks.size());
  for (const ChunkEntry& c : toc.chunks) {
    PutRef(w, c.section);
    w.Varint(c.rows);
    w.Varint(c.samples);
    w.Varint(c.first_series);
    w.Varint(c.last_series);
    w.Signed(c.min_time);
    w.Signed(c.max_time);
  }
  return std::move(w.str());
}

Result<Toc> DecodeToc(std::string_view bytes, uint64_t object_size) {
  ByteReader r(bytes);
  Toc toc;
  bool in_range = true;
  if (const uint64_t version = r.Varint(); r.ok() && version != kFormatVersion) {
    return DataLossError("block: TOC version " + std::to_string(version) + " is not supported");
  }
  toc.series = r.Below(UINT32_MAX);
  toc.profiles = r.Varint();
  toc.samples = r.Varint();
  toc.min_time = r.Signed();
  toc.max_time = r.Signed();
  toc.series_section = GetRef(r, object_size, in_range);
  // Each entry takes several bytes, so a count above the bytes left is damage, not a count.
  const uint64_t partitions = r.Below(r.remaining() + 1);
  for (uint64_t i = 0; i < partitions && r.ok(); ++i) {
    PartitionEntry p;
    p.name = std::string(r.Bytes());
    p.stacks = r.Below(UINT32_MAX);
    p.section = GetRef(r, object_size, in_range);
    toc.partitions.push_back(std::move(p));
  }
  const uint64_t chunks = r.Below(r.remaining() + 1);
  for (uint64_t i = 0; i < chunks && r.ok(); ++i) {
    ChunkEntry c;
    c.section = GetRef(r, object_size, in_range);
    c.rows = r.Varint();
    c.samples = r.Varint();
    c.first_series = static_cast<uint32_t>(r.Below(toc.series));
    c.last_series = static_cast<uint32_t>(r.Below(toc.series));
    c.min_time = r.Signed();
    c.max_time = r.Signed();
    toc.chunks.push_back(c);
  }
  if (!r.ok() || !r.done()) {
    return DataLossError("block: the table of contents does not decode");
  }
  if (!in_range) {
    return DataLossError("block: a section lies outside the " + std::to_string(object_size) +
                         "-byte object");
  }
  return toc;
}

std::string EncodeHeader() {
  ByteWriter w;
  w.Raw(kHeaderMagic);
  w.Fixed32(kFormatVersion);
  w.Fixed32(0);
  return std::move(w.str());
}

std::string EncodeFooter(uint64_t toc_offset, std::string_view toc) {
  ByteWriter w;
  w.Fixed64(toc_offset);
  w.Fixed32(static_cast<uint32_t>(toc.size()));
  w.Fixed32(Crc32(toc));
  w.Raw(kFooterMagic);
  return std::move(w.str());
}

}  // namespace flamedb::block
