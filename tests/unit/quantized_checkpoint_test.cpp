// GPTQ/AWQ checkpoints read back: the quantization config each tool writes, each layer's tensors from a
// TensorSource (dtype and shape checked), and a layer as GGUF blocks where its grid maps (Q4_0, Q8_0 exactly).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include "convert/quantized_linear_to_gguf.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "formats/awq/awq_gemv_layout.h"
#include "formats/awq/awq_layout.h"
#include "formats/gptq/gptq_layout.h"
#include "formats/hf/quantized_linear.h"
#include "fuzz/read_fp8_dir.h"
#include "fuzz/read_mlx_dir.h"
#include "fuzz/read_quantized_dir.h"
#include "support/bad_inputs.h"
#include "support/expect_rejected.h"
#include "support/temp_dir.h"
#include "support/int_layers.h"
#include "model/rope_permute.h"
#include "quant/codecs/codec_table.h"
#include "quant/methods/gptq.h"

namespace qforge {
namespace {

// Tensors held in memory, named and shaped as a checkpoint's.
class MemorySource : public TensorSource {
public:
    template <typename T>
    void add(const std::string& name, TensorType type, std::vector<std::int64_t> ne, const std::vector<T>& values) {
        auto& b = buffers_.emplace_back(values.size() * sizeof(T));
        std::memcpy(b.data(), values.data(), b.size());
        views_.push_back({name, type, std::move(ne), {}});
    }
    const std::vector<TensorView>& tensors() const override {
        for (std::size_t i = 0; i < views_.size(); ++i) views_[i].data = {buffers_[i].data(), buffers_[i].size()};
        return views_;
    }

private:
    std::deque<std::vector<std::uint8_t>> buffers_;
    mutable std::vector<TensorView> views_;
};

QuantizationConfig config_of(const nlohmann::json& q) {
    return *read_quantization_config({{"quantization_config", q}}, "/nonexistent");
}

TEST(QuantizationConfig, ReadsWhatEachToolWrites) {
    const auto gptq = config_of({{"bits", 4}, {"group_size", 128}, {"desc_act", true}, {"sym", true}, {"quant_method", "gptq"},
                                 {"checkpoint_format", "gptq"}, {"damp_percent", 0.01}});
    EXPECT_EQ(gptq.method, QuantMethod::Gptq);
    EXPECT_TRUE(gptq.desc_act);
    EXPECT_FALSE(gptq.gptq_v2);
    EXPECT_EQ(gptq.describe(), "GPTQ INT4 g128 sym act-order");
    EXPECT_TRUE(config_of({{"bits", 4}, {"quant_method", "gptq"}, {"format", "gptq_v2"}, {"sym", false}}).gptq_v2);
    const auto awq = config_of({{"quant_method", "awq"}, {"zero_point", true}, {"group_size", 64}, {"bits", 4}, {"version", "GEMV"}});
    EXPECT_EQ(awq.method, QuantMethod::Awq);
    EXPECT_EQ(awq.awq_version, "gemv");
    EXPECT_EQ(awq.group_size, 64);
    EXPECT_FALSE(read_quantization_config({{"hidden_size", 8}}, "/nonexistent"));  // a float checkpoint
    // what qforge writes reads back as it was
    EXPECT_EQ(config_of(quantization_config_json(gptq)).describe(), gptq.describe());
    EXPECT_EQ(config_of(quantization_config_json(awq)).describe(), awq.describe());
    for (const nlohmann::json& bad :
         {nlohmann::json{{"quant_method", "gptq"}, {"bits", 5}}, nlohmann::json{{"quant_method", "gptq"}, {"checkpoint_format", "marlin"}},
          nlohmann::json{{"quant_method", "awq"}, {"bits", 3}}, nlohmann::json{{"quant_method", "awq"}, {"version", "exllama"}},
          nlohmann::json{{"quant_method", "bitsandbytes"}}, nlohmann::json{{"quant_method", "gptq"}, {"bits", "four"}}}) {
        try {
            config_of(bad);
            ADD_FAILURE() << "accepted " << bad.dump();
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("quantization_config"), std::string::npos) << e.what();
        }
    }
}

TEST(QuantizedLinear, GptqV1V2AndAwqGemmGemvReadBack) {
    const IntLayer l = test::random_int_layer(4, 128, 64, 32, false, 11);
    for (bool v2 : {false, true}) {
        const GptqTensors t = pack_gptq(l, !v2);
        MemorySource s;
        s.add("m.qweight", TensorType::I32, {64, 16}, t.qweight);
        s.add("m.qzeros", TensorType::I32, {8, 4}, t.qzeros);
        s.add("m.scales", TensorType::F16, {64, 4}, t.scales);
        s.add("m.g_idx", TensorType::I32, {128}, t.g_idx);
        QuantizationConfig c;
        c.group_size = 32;
        c.gptq_v2 = v2;
        EXPECT_EQ(quantized_linear_prefixes(s), std::vector<std::string>{"m"});
        const LinearShape shape = quantized_linear_shape(s, "m", c, "ck");
        EXPECT_EQ(shape.in, 128);
        EXPECT_EQ(shape.out, 64);
        EXPECT_EQ(read_quantized_linear(s, "m", c, "ck").dequantize(), l.dequantize());
    }
    QuantizationConfig awq;
    awq.method = QuantMethod::Awq;
    awq.group_size = 32;
    awq.symmetric = false;
    {
        const AwqTensors t = pack_awq_gemm(l);
        MemorySource s;
        s.add("m.qweight", TensorType::I32, {8, 128}, t.qweight);
        s.add("m.qzeros", TensorType::I32, {8, 4}, t.qzeros);
        s.add("m.scales", TensorType::F16, {64, 4}, t.scales);
        EXPECT_EQ(read_quantized_linear(s, "m", awq, "ck").dequantize(), l.dequantize());
        // a qzeros of the wrong shape is named
        MemorySource bad;
        bad.add("m.qweight", TensorType::I32, {8, 128}, t.qweight);
        bad.add("m.qzeros", TensorType::I32, {4, 8}, t.qzeros);
        bad.add("m.scales", TensorType::F16, {64, 4}, t.scales);
        try {
            read_quantized_linear(bad, "m", awq, "ck");
            ADD_FAILURE() << "accepted a transposed qzeros";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("'m.qzeros' has shape"), std::string::npos) << e.what();
        }
    }
    {
        awq.awq_version = "gemv";
        const AwqGemvTensors t = pack_awq_gemv(l);
        const std::int64_t width = awq_gemv_zeros_width(128, 32);
        MemorySource s;
        s.add("m.qweight", TensorType::I32, {16, 64}, t.qweight);
        s.add("m.qzeros", TensorType::I32, {width, 64}, t.qzeros);
        s.add("m.scales", TensorType::F16, {width * 8, 64}, t.scales);
        EXPECT_EQ(quantized_linear_shape(s, "m", awq, "ck").in, 128);
        EXPECT_EQ(read_quantized_linear(s, "m", awq, "ck").dequantize(), l.dequantize());
    }
}

std::vector<float> decode(TensorType type, const std::vector<std::uint8_t>& bytes, std::int64_t rows, std::int64_t cols) {
    std::vector<float> out(static_cast<std::size_t>(rows * cols));
    const std::size_t row_bytes = bytes.size() / static_cast<std::size_t>(rows);
    for (std::int64_t r = 0; r < rows; ++r) dequantize_row(type, bytes.data() + r * row_bytes, out.data() + r * cols, cols);
    return out;
}

IntLayer symmetric(IntLayer l) {
    for (auto& z : l.zeros) z = static_cast<std::uint8_t>(1 << (l.bits - 1));
    return l;
}

TEST(QuantizedLinearToGguf, SymmetricGroupsOf32AreExactlyQ4_0AndQ8_0) {
    EXPECT_EQ(gguf_type_for_grid({4, 32, true, false}, 256), TensorType::Q4_0);
    EXPECT_EQ(gguf_type_for_grid({8, 32, true, false}, 256), TensorType::Q8_0);
    EXPECT_EQ(gguf_type_for_grid({4, 32, false, false}, 256), TensorType::Q4_1);
    EXPECT_FALSE(gguf_type_for_grid({4, 128, true, false}, 256));
    EXPECT_FALSE(gguf_type_for_grid({4, 32, true, true}, 256));
    EXPECT_FALSE(gguf_type_for_grid({3, 32, true, false}, 256));
    const IntLayer four = symmetric(test::random_int_layer(4, 128, 16, 32, false, 12));
    EXPECT_EQ(decode(TensorType::Q4_0, int_layer_to_gguf(four, TensorType::Q4_0, "t"), 16, 128), four.dequantize());
    const IntLayer eight = symmetric(test::random_int_layer(8, 128, 16, 32, false, 13));
    EXPECT_EQ(decode(TensorType::Q8_0, int_layer_to_gguf(eight, TensorType::Q8_0, "t"), 16, 128), eight.dequantize());
    // asymmetric: Q4_1 keeps the levels and the scale; only m = -scale * zero is rounded to fp16
    const IntLayer asym = test::random_int_layer(4, 128, 16, 32, false, 14);
    const auto q41 = decode(TensorType::Q4_1, int_layer_to_gguf(asym, TensorType::Q4_1, "t"), 16, 128);
    const auto ref = asym.dequantize();
    for (std::size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(q41[i], ref[i], 1e-3f * 0.5f * 16.0f);
    // any grid dequantizes exactly into F32
    const IntLayer act = test::random_int_layer(3, 128, 16, 64, true, 15);
    EXPECT_EQ(decode(TensorType::F32, int_layer_to_gguf(act, TensorType::F32, "t"), 16, 128), act.dequantize());
    // a layer not holding the grid its config claims is refused by name
    IntLayer wrong = four;
    wrong.zeros[5] = 3;
    try {
        int_layer_to_gguf(wrong, TensorType::Q4_0, "blk.0.attn_q.weight");
        ADD_FAILURE() << "accepted an asymmetric zero point as Q4_0";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("blk.0.attn_q.weight"), std::string::npos) << e.what();
    }
    EXPECT_THROW(int_layer_to_gguf(symmetric(test::random_int_layer(4, 128, 16, 32, true, 16)), TensorType::Q4_0, "t"), Error);
}

TEST(QuantizedLinearToGguf, RopeRowPermutationOfLevelsMatchesThePermutedWeights) {
    const IntLayer l = test::random_int_layer(4, 64, 32, 32, false, 17);
    const IntLayer p = permute_int_layer_rows(l, 4, false);
    const auto w = l.dequantize();
    std::vector<float> expected(w.size());
    permute_rope_rows(reinterpret_cast<const std::uint8_t*>(w.data()), reinterpret_cast<std::uint8_t*>(expected.data()), 32,
                      64 * sizeof(float), 4);
    EXPECT_EQ(p.dequantize(), expected);
    const IntLayer back = permute_int_layer_rows(p, 4, true);
    EXPECT_EQ(back.q, l.q);
    EXPECT_EQ(back.scales, l.scales);
    EXPECT_EQ(back.zeros, l.zeros);
}

TEST(IntGrid, ScalesAreFp16AndV1KeepsZeroPointsAboveZero) {
    std::vector<float> w(4 * 64);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.001f * static_cast<float>(i % 97) + 0.0001f;  // all > 0
    GptqOptions o;
    o.bits = 4;
    o.group_size = 32;
    const GptqResult plain = rtn_quantize(w.data(), 4, 64, o);
    for (float s : plain.scales) EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(s)), s);
    EXPECT_TRUE(std::any_of(plain.zeros.begin(), plain.zeros.end(), [](float z) { return z == 0; }));
    o.min_zero = 1;
    const GptqResult v1 = rtn_quantize(w.data(), 4, 64, o);
    for (float z : v1.zeros) EXPECT_GE(z, 1.0f);
    for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(v1.dequantized[i], w[i], 0.5 * 0.097 / 14 + 1e-4);
}

TEST(QuantizedLinear, EveryCraftedBadLayerFailsWithItsReason) {
    test::TempDir dir;
    dir.write("config.json", fuzz::quantized_config_for(0));
    dir.write("model.safetensors", test::valid_quantized_safetensors());
    EXPECT_EQ(fuzz::read_quantized_dir(dir.path()), 8u * 20u);  // 8 rows of one Q4_1 block
    test::expect_each_rejected(test::bad_quantized_safetensors_inputs(), dir, [](const std::string& d) { fuzz::read_quantized_dir(d); },
                               "model.safetensors");
}

// FP8: the valid layer converts under every FP8 config (its 32 x 32 weights dequantized to F32; the per-channel
// and block configs read the one scale as the whole tensor's), each crafted bad layer fails naming its reason.
TEST(Fp8Linear, EveryCraftedBadLayerFailsWithItsReason) {
    test::TempDir dir;
    dir.write("tokenizer.json", fuzz::fp8_tokenizer_json());
    dir.write("model.safetensors", test::valid_fp8_safetensors());
    for (unsigned char c = 0; c < 3; ++c) {
        dir.write("config.json", fuzz::fp8_config_for(c));
        EXPECT_EQ(fuzz::read_fp8_dir(dir.path()), 32u * 32u * 4u) << int(c);
    }
    dir.write("config.json", fuzz::fp8_config_for(0));
    test::expect_each_rejected(test::bad_fp8_safetensors_inputs(), dir, [](const std::string& d) { fuzz::read_fp8_dir(d); },
                               "model.safetensors");
}

// MLX: the valid layer converts under each grid config that fits it (4 bits in groups of 32), each crafted bad
// layer fails naming its reason.
TEST(MlxLinear, EveryCraftedBadLayerFailsWithItsReason) {
    test::TempDir dir;
    dir.write("tokenizer.json", fuzz::fp8_tokenizer_json());
    dir.write("model.safetensors", test::valid_mlx_safetensors());
    dir.write("config.json", fuzz::mlx_config_for(0));
    EXPECT_EQ(fuzz::read_mlx_dir(dir.path()), 32u * 32u * 4u);
    dir.write("config.json", fuzz::mlx_config_for(1));  // 3 bits: the words do not fit
    EXPECT_THROW(fuzz::read_mlx_dir(dir.path()), Error);
    dir.write("config.json", fuzz::mlx_config_for(0));
    test::expect_each_rejected(test::bad_mlx_safetensors_inputs(), dir, [](const std::string& d) { fuzz::read_mlx_dir(d); },
                               "model.safetensors");
}

}  // namespace
}  // namespace qforge
