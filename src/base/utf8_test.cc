#include "base/utf8.h"

#include <gtest/gtest.h>

namespace flamedb::base {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xA5"));
}

TEST(Utf8Test, RejectsInvalidSequences) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xC3"));         // truncated after an ASCII run
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));         // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));     // above U+10FFFF
}

TEST(Utf8Test, TailNeverStartsInsideACharacter) {
  EXPECT_EQ(Utf8Tail("abc", 5), "abc");
  EXPECT_EQ(Utf8Tail("abcdef", 3), "def");
  EXPECT_EQ(Utf8Tail("x\xE2\x82\xAC", 2), "");            // only part of the euro sign fits
  EXPECT_EQ(Utf8Tail("x\xE2\x82\xAC" "ab", 4), "ab");
  EXPECT_EQ(Utf8Tail("x\xE2\x82\xAC" "ab", 5), "\xE2\x82\xAC" "ab");
}

}  // namespace
}  // namespace flamedb::base
