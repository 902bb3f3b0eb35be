#include "base/remove_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/status_matchers.h"

namespace flamedb::base {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;

class RemoveFileTest : public ::testing::Test {
 protected:
  RemoveFileTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("flamedb-remove-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~RemoveFileTest() override { std::filesystem::remove_all(dir_); }

  std::string File(const std::string& name, size_t bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << std::string(bytes, 'x');
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(RemoveFileTest, RemovesFilesSmallerAndLargerThanAStep) {
  const std::string large = File("large", 3 * 4096 + 17);
  const std::string small = File("small", 100);
  const std::string exact = File("exact", 4096);
  for (const std::string& path : {large, small, exact}) {
    EXPECT_THAT(RemoveFileGradually(path, 4096), IsOk());
    EXPECT_FALSE(std::filesystem::exists(path)) << path;
  }
}

TEST_F(RemoveFileTest, AFileAlreadyGoneIsNotAnError) {
  EXPECT_THAT(RemoveFileGradually((dir_ / "never-was").string()), IsOk());
}

TEST_F(RemoveFileTest, ADirectoryIsInternalAndStays) {
  std::filesystem::create_directories(dir_ / "sub");
  EXPECT_THAT(RemoveFileGradually((dir_ / "sub").string()),
              StatusIs(StatusCode::kInternal, "sub"));
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "sub"));
}

}  // namespace
}  // namespace flamedb::base
