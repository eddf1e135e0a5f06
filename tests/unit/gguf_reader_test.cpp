#include <gtest/gtest.h>

#include "core/error.h"
#include "formats/gguf/gguf_file.h"
#include "support/bad_inputs.h"
#include "support/expect_rejected.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

TEST(GgufReader, ReadsCraftedValidFile) {
    test::TempDir dir;
    dir.write("ok.gguf", test::valid_gguf());
    GgufFile f(dir.file("ok.gguf"));
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.metadata().get_string("general.architecture"), "llama");
    EXPECT_EQ(f.metadata().get_int("test.count"), 7);
    const auto& list = f.metadata().get("test.list").as_array("test.list");
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list.at<float>(1), 2.0f);
    ASSERT_EQ(f.tensors().size(), 2u);
    EXPECT_EQ(f.tensors()[0].name, "a.weight");
    EXPECT_EQ(f.tensors()[0].data.size(), 64u);
    EXPECT_EQ(f.tensors()[1].type, TensorType::Q8_0);
    EXPECT_EQ(f.tensors()[1].data.size(), 34u);
    EXPECT_EQ(f.tensor_offsets()[1], 64u);
    EXPECT_EQ(f.data_offset() % 32, 0u);
}

TEST(GgufReader, EveryCraftedBadFileFailsWithItsReason) {
    test::TempDir dir;
    test::expect_each_rejected(test::bad_gguf_inputs(), dir, [](const std::string& p) { GgufFile f(p); });
}

TEST(GgufReader, EveryTruncationOfAValidFileFailsCleanly) {
    test::TempDir dir;
    const std::string good = test::valid_gguf();
    for (std::size_t n = 0; n < good.size(); ++n) {
        dir.write("t.gguf", good.substr(0, n));
        EXPECT_THROW(GgufFile(dir.file("t.gguf")), Error) << "prefix of " << n << " bytes";
    }
}

TEST(GgufReader, MissingFileIsAnError) {
    EXPECT_THROW(GgufFile("/nonexistent/x.gguf"), Error);
}

}  // namespace
}  // namespace qforge
