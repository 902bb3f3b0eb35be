// The block data object's layout (docs/block-format.md): a header, zstd-compressed sections,
// a table of contents (TOC) and a fixed footer that locates the TOC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace flamedb::block {

inline constexpr std::string_view kHeaderMagic = "FLAMEBLK";
inline constexpr std::string_view kFooterMagic = "FLBLKEND";
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kHeaderBytes = 16;  // Magic, version u32, flags u32.
inline constexpr size_t kFooterBytes = 24;  // TOC offset u64, TOC size u32, TOC CRC u32, magic.
inline constexpr uint64_t kMaxTocBytes = 256 << 20;

// Where a section lives in the object, and how to check and decompress it.
struct SectionRef {
  uint64_t offset = 0;
  uint64_t size = 0;      // Stored (compressed) bytes.
  uint64_t raw_size = 0;  // Decompressed bytes.
  uint32_t crc = 0;       // CRC-32 of the stored bytes.
};

struct PartitionEntry {
  std::string name;  // The service.
  uint64_t stacks = 0;  // Stack tree nodes: row stack ids are below this.
  SectionRef section;
};

// A run of rows, ordered by (series, time), cut between rows.
struct ChunkEntry {
  SectionRef section;
  uint64_t rows = 0;
  uint64_t samples = 0;
  uint32_t first_series = 0;
  uint32_t last_series = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;
};

struct Toc {
  uint64_t series = 0;
  uint64_t profiles = 0;
  uint64_t samples = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;
  SectionRef series_section;
  std::vector<PartitionEntry> partitions;
  std::vector<ChunkEntry> chunks;
};

std::string EncodeToc(const Toc& toc);
// Errors: kDataLoss naming what does not decode or is out of range for an object of
// `object_size` bytes.
Result<Toc> DecodeToc(std::string_view bytes, uint64_t object_size);

std::string EncodeHeader();
std::string EncodeFooter(uint64_t toc_offset, std::string_view toc);

}  // namespace flamedb::block
