#include <gtest/gtest.h>

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

TEST(AtomicFile, NothingAppearsUntilCommit) {
    test::TempDir dir;
    {
        AtomicFile f(dir.file("out.bin"));
        f.write("abc", 3);
        EXPECT_FALSE(std::filesystem::exists(dir.file("out.bin")));
        f.commit();
    }
    EXPECT_EQ(test::read_file_bytes(dir.file("out.bin")), "abc");
}

TEST(AtomicFile, AbandonedWriteLeavesNothingBehind) {
    test::TempDir dir;
    dir.write("out.bin", "old");
    {
        AtomicFile f(dir.file("out.bin"));
        f.write("new data", 8);
    }
    EXPECT_EQ(test::read_file_bytes(dir.file("out.bin")), "old");
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
    EXPECT_EQ(entries, 1u);
}

TEST(AtomicFile, UnwritableDirectoryIsAnError) {
    EXPECT_THROW(AtomicFile("/nonexistent-dir/x.bin"), Error);
}

}  // namespace
}  // namespace qforge
