#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "formats/safetensors/safetensors_file.h"
#include "formats/safetensors/safetensors_writer.h"
#include "support/bad_inputs.h"
#include "support/expect_rejected.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

TEST(Safetensors, ReadsCraftedValidFile) {
    test::TempDir dir;
    dir.write("ok.safetensors", test::valid_safetensors());
    SafetensorsFile f(dir.file("ok.safetensors"));
    ASSERT_EQ(f.tensors().size(), 2u);
    EXPECT_EQ(f.tensors()[0].name, "a");
    EXPECT_EQ(f.tensors()[0].ne, (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(f.tensors()[1].type, TensorType::BF16);
    EXPECT_EQ(f.metadata().at("format"), "pt");
}

TEST(Safetensors, RoundTripsEveryDtype) {
    test::TempDir dir;
    const TensorType types[] = {TensorType::F64, TensorType::F32, TensorType::F16, TensorType::BF16,
                                TensorType::I64, TensorType::I32, TensorType::I16, TensorType::I8,
                                TensorType::U8, TensorType::BOOL, TensorType::F8_E4M3, TensorType::F8_E5M2};
    std::vector<SafetensorsEntry> entries;
    for (auto t : types) entries.push_back({"t_" + std::string(type_name(t)), t, {3, 2}});
    entries.push_back({"scalar", TensorType::F32, {}});
    entries.push_back({"empty", TensorType::F32, {0}});
    {
        SafetensorsWriter w(dir.file("x.safetensors"), entries, {{"format", "pt"}});
        for (const auto& e : entries) {
            std::vector<std::uint8_t> bytes(e.nbytes());
            for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i + e.name.size());
            w.write(bytes);
        }
        w.finish();
    }
    SafetensorsFile f(dir.file("x.safetensors"));
    EXPECT_EQ((f.header_size() % 8), 0u);
    EXPECT_EQ(f.tensors().size(), entries.size());
    for (const auto& e : entries) {
        const TensorView* t = f.find(e.name);
        ASSERT_NE(t, nullptr) << e.name;
        EXPECT_EQ(t->type, e.type);
        EXPECT_EQ(t->ne, e.ne);
        ASSERT_EQ(t->data.size(), e.nbytes());
        for (std::size_t i = 0; i < t->data.size(); ++i)
            ASSERT_EQ(t->data[i], static_cast<std::uint8_t>(i + e.name.size()));
    }
}

TEST(Safetensors, EveryCraftedBadFileFailsWithItsReason) {
    test::TempDir dir;
    test::expect_each_rejected(test::bad_safetensors_inputs(), dir, [](const std::string& p) { SafetensorsFile f(p); });
}

TEST(Safetensors, ReadsTheFixtureCheckpoint) {
    SafetensorsFile f(test::fixture("models/pydoc6m/model.safetensors"));
    EXPECT_EQ(f.tensors().size(), 57u);
    const TensorView* q = f.find("model.layers.0.self_attn.q_proj.weight");
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->ne, (std::vector<std::int64_t>{256, 256}));
    EXPECT_EQ(q->type, TensorType::F32);
}

}  // namespace
}  // namespace qforge
