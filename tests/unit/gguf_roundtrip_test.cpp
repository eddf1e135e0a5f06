#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "formats/gguf/gguf_file.h"
#include "formats/gguf/gguf_writer.h"
#include "support/fixtures.h"
#include "support/gguf_copy.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

template <typename T>
GgufValue val(T v) { return GgufValue::make<T>(v); }

GgufMetadata every_type() {
    GgufMetadata m;
    m.set("general.architecture", val<std::string>("llama"));
    m.set("t.u8", val<std::uint8_t>(200));
    m.set("t.i8", val<std::int8_t>(-100));
    m.set("t.u16", val<std::uint16_t>(60000));
    m.set("t.i16", val<std::int16_t>(-30000));
    m.set("t.u32", val<std::uint32_t>(4000000000u));
    m.set("t.i32", val<std::int32_t>(-2000000000));
    m.set("t.f32", val<float>(3.25f));
    m.set("t.bool", val<bool>(true));
    m.set("t.string", val<std::string>("h\xc3\xa9llo"));
    m.set("t.u64", val<std::uint64_t>(1ull << 60));
    m.set("t.i64", val<std::int64_t>(-(1ll << 60)));
    m.set("t.f64", val<double>(-1.5e300));
    m.set("t.strings", GgufValue{GgufArray::of_strings({"a", "", "\xe2\x96\x81x"})});
    const float fs[] = {1.0f, -2.0f};
    m.set("t.floats", GgufValue{GgufArray::of_f32(fs)});
    for (std::uint32_t t : {0u, 1u, 2u, 3u, 4u, 5u, 7u, 10u, 11u, 12u}) {
        GgufArray a;
        a.elem = static_cast<GgufType>(t);
        a.raw.assign(3 * gguf_scalar_size(a.elem), 1);
        m.set("t.array" + std::to_string(t), GgufValue{a});
    }
    m.set("t.empty", GgufValue{GgufArray::of_strings({})});
    return m;
}

TEST(GgufRoundTrip, EveryValueTypeAndAlignmentSurvives) {
    test::TempDir dir;
    GgufMetadata m = every_type();
    m.set("general.alignment", val<std::uint32_t>(64));
    std::vector<GgufTensorInfo> infos = {
        {"x.weight", TensorType::F32, {3, 2}},
        {"y.weight", TensorType::Q4_K, {256, 2}},
        {"z.weight", TensorType::F16, {5}},
    };
    std::vector<std::string> data;
    for (const auto& i : infos) {
        std::string d(i.nbytes(), '\0');
        for (std::size_t k = 0; k < d.size(); ++k) d[k] = static_cast<char>(k * 7 + i.name[0]);
        data.push_back(d);
    }
    {
        GgufWriter w(dir.file("a.gguf"), m, infos);
        for (const auto& d : data) {
            // in two pieces, to exercise chunked writes
            w.write({reinterpret_cast<const std::uint8_t*>(d.data()), d.size() / 2});
            w.write({reinterpret_cast<const std::uint8_t*>(d.data()) + d.size() / 2, d.size() - d.size() / 2});
        }
        w.finish();
    }
    GgufFile f(dir.file("a.gguf"));
    EXPECT_EQ(f.alignment(), 64u);
    EXPECT_TRUE(f.metadata() == m);
    ASSERT_EQ(f.tensors().size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(f.tensors()[i].name, infos[i].name);
        EXPECT_EQ(f.tensors()[i].ne, infos[i].ne);
        EXPECT_EQ(f.tensor_offsets()[i] % 64, 0u);
        ASSERT_EQ(f.tensors()[i].data.size(), data[i].size());
        EXPECT_EQ(std::memcmp(f.tensors()[i].data.data(), data[i].data(), data[i].size()), 0);
    }
    test::copy_gguf(f, dir.file("b.gguf"));
    EXPECT_EQ(test::read_file_bytes(dir.file("a.gguf")), test::read_file_bytes(dir.file("b.gguf")));
}

TEST(GgufWriter, RefusesWhatLlamaCppWouldReject) {
    test::TempDir dir;
    GgufMetadata m;
    m.set("general.architecture", val<std::string>("llama"));
    EXPECT_THROW(GgufWriter(dir.file("x.gguf"), m, {{std::string(64, 'n'), TensorType::F32, {4}}}), Error);
    EXPECT_THROW(GgufWriter(dir.file("x.gguf"), m, {{"a", TensorType::F32, {4}}, {"a", TensorType::F32, {4}}}), Error);
    EXPECT_THROW(GgufWriter(dir.file("x.gguf"), m, {{"a", TensorType::Q4_0, {48}}}), Error);
    EXPECT_THROW(GgufWriter(dir.file("x.gguf"), m, {{"a", TensorType::BOOL, {4}}}), Error);
    EXPECT_THROW(GgufWriter(dir.file("x.gguf"), m, {{"a", TensorType::F32, {1, 1, 1, 1, 1}}}), Error);
    GgufMetadata bad_align = m;
    bad_align.set("general.alignment", val<std::uint32_t>(48));
    EXPECT_THROW(GgufWriter(dir.file("x.gguf"), bad_align, {}), Error);
    EXPECT_FALSE(std::filesystem::exists(dir.file("x.gguf")));
}

TEST(GgufWriter, UnfinishedWriteLeavesNoFile) {
    test::TempDir dir;
    GgufMetadata m;
    m.set("general.architecture", val<std::string>("llama"));
    {
        GgufWriter w(dir.file("x.gguf"), m, {{"a", TensorType::F32, {4}}, {"b", TensorType::F32, {4}}});
        const std::uint8_t bytes[16] = {};
        w.write(bytes);
        EXPECT_THROW(w.finish(), Error);
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace qforge
