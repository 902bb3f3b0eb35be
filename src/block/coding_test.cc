#include "block/coding.h"

#include <gtest/gtest.h>

#include <vector>

#include "testing/status_matchers.h"

namespace flamedb::block {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

const std::vector<uint64_t> kUnsigned = {0, 1, 127, 128, UINT64_MAX};
const std::vector<int64_t> kSigned = {0, -1, 1, INT64_MIN, INT64_MAX};

TEST(CodingTest, StreamHashOfPiecesEqualsHashOfTheWhole) {
  const std::string whole(100000, 'x');
  StreamHash64 h;
  h.Update(std::string_view(whole).substr(0, 7));
  h.Update("");
  h.Update(std::string_view(whole).substr(7));

  EXPECT_EQ(h.Digest(), Hash64(whole));
  EXPECT_NE(h.Digest(), Hash64(whole.substr(1)));
}

TEST(CodingTest, VarintsAndZigZagRoundTrip) {
  ByteWriter w;
  for (uint64_t v : kUnsigned) w.Varint(v);
  for (int64_t v : kSigned) w.Signed(v);
  w.Bytes("abc");

  ByteReader r(w.str());
  for (uint64_t v : kUnsigned) EXPECT_EQ(r.Varint(), v);
  for (int64_t v : kSigned) EXPECT_EQ(r.Signed(), v);
  EXPECT_EQ(r.Bytes(), "abc");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.done());
}

TEST(CodingTest, AClearedWriterStartsOverInTheRoomItHas) {
  ByteWriter w;
  for (uint64_t v : kUnsigned) w.Varint(v);
  const std::string first(w.view());
  w.Clear();
  EXPECT_EQ(w.view(), "");
  w.Bytes("xy");

  EXPECT_EQ(w.view(), std::string_view("\x02" "xy", 3));
  EXPECT_EQ(w.str(), w.view());
  EXPECT_EQ(ByteReader(first).Varint(), kUnsigned[0]);
}

TEST(CodingTest, AKeptWriterLetsGoOfRoomOnlyPastTheLimit) {
  ByteWriter small, large;
  small.Raw(std::string(1000, 's'));
  large.Raw(std::string(5000, 'l'));

  base::ReleaseIfLarge(small, 4096);
  base::ReleaseIfLarge(large, 4096);

  EXPECT_EQ(small.view(), std::string(1000, 's'));  // Kept, room and bytes.
  EXPECT_EQ(large.capacity(), 0u);
  EXPECT_EQ(large.view(), "");
  large.Bytes("again");  // Usable after.
  EXPECT_EQ(large.view(), std::string_view("\x05" "again", 6));
}

TEST(CodingTest, ReadsPastTheEndFailAndStayFailed) {
  ByteReader r(std::string_view("\x05" "ab", 3));  // Claims 5 bytes, has 2.

  EXPECT_EQ(r.Bytes(), "");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.Varint(), 0u);
  ByteReader unterminated("\xff\xff");
  unterminated.Varint();
  EXPECT_FALSE(unterminated.ok());
}

TEST(CodingTest, DecompressChecksTheClaimedSize) {
  const std::string raw(10000, 'x');
  const std::string z = Compress(raw, 3);

  EXPECT_EQ(*Decompress(z, raw.size(), 1 << 20, "t"), raw);
  EXPECT_THAT(Decompress(z, raw.size() - 1, 1 << 20, "t"), StatusIs(StatusCode::kDataLoss, "claims"));
  EXPECT_THAT(Decompress(z, raw.size() + 1, 1 << 20, "t"), StatusIs(StatusCode::kDataLoss, "claims"));
  EXPECT_THAT(Decompress(z, 1ull << 40, 1 << 20, "t"), StatusIs(StatusCode::kDataLoss, "over the limit"));
  EXPECT_THAT(Decompress(z.substr(0, z.size() / 2), raw.size(), 1 << 20, "t"),
              StatusIs(StatusCode::kDataLoss, "t"));
  EXPECT_THAT(Decompress("not zstd", 5, 1 << 20, "t"), StatusIs(StatusCode::kDataLoss, "t"));
  EXPECT_EQ(*Decompress(Compress("", 3), 0, 1 << 20, "t"), "");
}

TEST(CodingTest, DecompressRecoversAfterAFrameLeftHalfRead) {
  // The thread's zstd context is reused: a frame abandoned midway must not leak into the next.
  std::string a;
  for (int i = 0; i < 20000; ++i) a += std::to_string(i * 2654435761u);
  const std::string b = "the next section";
  const std::string za = Compress(a, 3), zb = Compress(b, 3);
  EXPECT_THAT(Decompress(za, a.size() - 100, 1 << 20, "t"), StatusIs(StatusCode::kDataLoss, "t"));
  EXPECT_EQ(*Decompress(zb, b.size(), 1 << 20, "t"), b);
  EXPECT_THAT(Decompress(za.substr(0, za.size() / 2), a.size(), 1 << 20, "t"),
              StatusIs(StatusCode::kDataLoss, "t"));
  EXPECT_EQ(*Decompress(zb, b.size(), 1 << 20, "t"), b);
  EXPECT_EQ(*Decompress(za, a.size(), 1 << 20, "t"), a);
}

TEST(CodingTest, CompressIntoReusesItsBufferForSmallerSections) {
  std::string buffer;
  const std::string big(100000, 'q');
  std::string raw_small;
  for (int i = 0; i < 300; ++i) raw_small += std::to_string(i * 7919 % 1000);
  const std::string z_big(CompressInto(big, 3, buffer));
  const size_t grown = buffer.size();
  const std::string z_small(CompressInto(raw_small, 3, buffer));

  EXPECT_EQ(buffer.size(), grown);  // Not cleared or shrunk for the smaller section.
  EXPECT_EQ(*Decompress(z_big, big.size(), 1 << 20, "t"), big);
  EXPECT_EQ(*Decompress(z_small, raw_small.size(), 1 << 20, "t"), raw_small);
}

}  // namespace
}  // namespace flamedb::block
