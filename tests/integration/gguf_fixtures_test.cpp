// Every GGUF that llama.cpp (or a third party) wrote reads without error and writes back byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "formats/gguf/gguf_file.h"
#include "formats/inventory.h"
#include "support/fixtures.h"
#include "support/gguf_copy.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> fixture_ggufs() {
    std::vector<std::string> files;
    for (const char* sub : {"gguf", "vocab"})
        for (const auto& e : fs::directory_iterator(fs::path(test::shared_dir()) / "fixtures" / sub))
            if (e.path().extension() == ".gguf") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

TEST(GgufFixtures, AllReadAndWriteBackByteIdentical) {
    const auto files = fixture_ggufs();
    ASSERT_GE(files.size(), 30u);
    test::TempDir dir;
    for (const auto& path : files) {
        SCOPED_TRACE(path);
        GgufFile f(path);
        EXPECT_TRUE(f.metadata().contains("general.architecture"));
        const std::string out = dir.file("copy.gguf");
        test::copy_gguf(f, out);
        ASSERT_EQ(fs::file_size(out), fs::file_size(path));
        EXPECT_TRUE(test::read_file_bytes(out) == test::read_file_bytes(path)) << "differs after write-back";
    }
}

TEST(GgufFixtures, InventoryListsEveryTensor) {
    for (const auto& path : fixture_ggufs()) {
        SCOPED_TRACE(path);
        GgufFile f(path);
        const Inventory inv = take_inventory(path);
        EXPECT_EQ(inv.tensors.size(), f.tensors().size());
        EXPECT_EQ(inv.metadata.size(), f.metadata().size());
    }
    const Inventory q4 = take_inventory(test::fixture("gguf/pydoc6m-pure-q4_0.gguf"));
    EXPECT_NEAR(q4.bits_per_weight(), 4.5, 0.1);  // Q4_0 blocks are 4.5 bpw; norms are F32 but tiny
}

}  // namespace
}  // namespace qforge
