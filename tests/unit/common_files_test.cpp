#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "common/files.hpp"
#include "support/temp_dir.hpp"

using namespace cobble;

namespace {
unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("a secret file is created readable by its owner only, whatever the umask", "[common][files]") {
  test::TempDir dir;
  auto old_umask = ::umask(0);  // the worst case: nothing masked
  auto written = common::write_file(dir.file("unpause.key"), "00ff\n", true);
  ::umask(old_umask);
  REQUIRE(written);
  CHECK(mode_of(dir.file("unpause.key")) == 0600);
  CHECK(common::read_file_if_exists(dir.file("unpause.key")).value() == std::optional<std::string>("00ff\n"));
  // Written through a temporary file: nothing else is left in the directory.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("a public file is 0644 and a missing one reads as nullopt", "[common][files]") {
  test::TempDir dir;
  auto old_umask = ::umask(0);
  REQUIRE(common::write_file(dir.file("root.pem"), "pem", false));
  ::umask(old_umask);
  CHECK(mode_of(dir.file("root.pem")) == 0644);
  CHECK(common::read_file_if_exists(dir.file("missing")).value() == std::nullopt);
}
