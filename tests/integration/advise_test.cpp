// qforge advise: sizes are the arithmetic (parameters x bits per weight + KV cache) for assumed shapes, and
// exactly the files' tensor bytes for a real model (llama.cpp's mix rules run over its tensors).
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/advise/advisor.h"
#include "eval/advise/format_sizes.h"
#include "formats/gguf/gguf_file.h"
#include "qforge/qforge.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

const FormatFit& row(const Advice& a, const std::string& name) {
    for (const auto& f : a.formats)
        if (f.size.name == name) return f;
    throw std::runtime_error("no row " + name);
}

std::uint64_t tensor_bytes(const std::string& fixture) {
    GgufFile f(test::fixture(fixture));
    std::uint64_t n = 0;
    for (const auto& t : f.tensors()) n += t.data.size();
    return n;
}

TEST(Advise, Llama70BOnA24GBCpu) {
    AdviseOptions o;
    o.memory_bytes = parse_memory_size("24GB");
    o.bandwidth_gbs = 50;
    const Advice a = advise(shape_from_parameters(parse_parameter_count("70B"), {}), o);
    EXPECT_EQ(a.shape.layers, 80);
    EXPECT_EQ(a.shape.kv_heads, 8);
    const double kv = 2.0 * 80 * 4096 * 8 * 128 * 2;  // K and V, f16
    for (const char* name : {"F16", "Q8_0"}) {
        const FormatFit& f = row(a, name);
        const double bpw = std::string(name) == "F16" ? 16.0 : 8.5;
        EXPECT_NEAR(static_cast<double>(f.size.weight_bytes), 70e9 * bpw / 8, 0.02 * 70e9 * bpw / 8) << name;
        EXPECT_EQ(f.kv_bytes, kv);
        EXPECT_FALSE(f.fits) << name;
    }
    EXPECT_NEAR(row(a, "Q4_K_M").size.bits_per_weight, 4.85, 0.1);  // llama.cpp's Llama-3 70B Q4_K_M: ~4.85 bpw
    EXPECT_FALSE(a.recommended.empty());
    EXPECT_TRUE(row(a, a.recommended).fits);
    EXPECT_NEAR(row(a, "Q2_K").decode_tps, 50e9 / (static_cast<double>(row(a, "Q2_K").size.weight_bytes) + kv), 1e-9);
}

TEST(Advise, Llama8BOnAn8GBNvidiaGpu) {
    AdviseOptions o;
    o.device = "nvidia";
    o.memory_bytes = parse_memory_size("8GB");
    const Advice a = advise(shape_from_parameters(parse_parameter_count("8B"), {}), o);
    EXPECT_NEAR(static_cast<double>(row(a, "F16").size.weight_bytes), 16e9, 0.02 * 16e9);
    // AWQ INT4 g128: linear layers at 4 bits plus an fp16 scale and a 4-bit zero per 128, the rest fp16
    const double linear = 32.0 * (4096.0 * 4096 * 2 + 4096.0 * 1024 * 2 + 3 * 4096.0 * 14336);
    const double awq = linear * (4 + 20.0 / 128) / 8 + (8e9 - linear) * 2;
    EXPECT_NEAR(static_cast<double>(row(a, "AWQ INT4 g128").size.weight_bytes), awq, 0.02 * awq);
    EXPECT_FALSE(row(a, "F16").fits);
    EXPECT_EQ(a.recommended, "AWQ INT4 g128");
    o.gpu_arch = "hopper";
    o.memory_bytes = parse_memory_size("80GB");
    EXPECT_EQ(advise(shape_from_parameters(parse_parameter_count("8B"), {}), o).recommended, "FP8 (e4m3)");
}

// Memory between Q4_K_M and Q5_K_M on a CPU: a budget plan sized to what is left holds more bits than
// Q4_K_M, and is recommended with the command that makes it; a report's budget plans are quoted. Where Q6_K
// fits, or under --priority size, the fixed mix stays.
TEST(Advise, ABudgetPlanFillsTheMemoryBetweenMixes) {
    const ModelShape shape = shape_from_parameters(parse_parameter_count("8B"), {});
    AdviseOptions o;
    o.bandwidth_gbs = 50;
    o.context = 4096;
    const double q4 = static_cast<double>(gguf_format_size(shape, "Q4_K_M").weight_bytes);
    const double q5 = static_cast<double>(gguf_format_size(shape, "Q5_K_M").weight_bytes);
    const double kv = kv_cache_bytes(shape, o.context, 1);
    const double fixed = 0.25 * 1024 * 1024 * 1024;
    const double weights = 0.5 * (q4 + q5);  // the room a memory limit leaves
    o.memory_bytes = weights * 1.02 + kv + fixed;
    o.measured_kld = {{"Q4_K_M", 0.0037}};
    o.measured_budget_kld = {{3.5, 0.006}, {4.5, 0.0034}, {9.0, 0.0001}};
    const Advice a = advise(shape, o);
    EXPECT_TRUE(row(a, "Q4_K_M").fits);
    EXPECT_FALSE(row(a, "Q5_K_M").fits);
    ASSERT_EQ(a.recommended.rfind("budget plan ", 0), 0u) << a.recommended << ": " << a.reason;
    const FormatFit& plan = row(a, a.recommended);
    EXPECT_TRUE(plan.fits);
    EXPECT_NEAR(static_cast<double>(plan.size.weight_bytes), weights, 1.0);
    EXPECT_NEAR(plan.total_bytes, *o.memory_bytes, 2.0);
    EXPECT_GT(plan.size.bits_per_weight, row(a, "Q4_K_M").size.bits_per_weight + 0.25);
    EXPECT_LT(plan.size.bits_per_weight, row(a, "Q5_K_M").size.bits_per_weight);
    EXPECT_EQ(plan.measured_kld, 0.0034);  // the report's plan of the most bits this one also holds
    EXPECT_EQ(plan.measured_at_bpw, 4.5);
    EXPECT_NE(a.reason.find("--target-size"), std::string::npos) << a.reason;
    EXPECT_NE(a.reason.find("0.003400"), std::string::npos) << a.reason;
    o.priority = "size";
    EXPECT_EQ(advise(shape, o).recommended, "Q4_K_M");
    o.priority = "balanced";
    o.memory_bytes = static_cast<double>(gguf_format_size(shape, "Q6_K").weight_bytes) * 1.05 + kv + fixed;
    EXPECT_EQ(advise(shape, o).recommended, "Q6_K");
    // just above Q4_K_M: too few extra bits to be worth a plan
    o.memory_bytes = (q4 + 0.05 / 8 * 8e9) * 1.02 + kv + fixed;
    EXPECT_EQ(advise(shape, o).recommended, "Q4_K_M");
}

TEST(Advise, RealModelSizesAreTheFilesTensorBytes) {
    AdviseOptions o;
    o.bandwidth_gbs = 10;
    const Advice a = advise(shape_from_model(test::fixture("gguf/pydoc6m-f32.gguf")), o);
    EXPECT_FALSE(a.shape.assumed);
    EXPECT_EQ(a.shape.layers, 6);
    EXPECT_EQ(a.shape.kv_heads, 2);
    EXPECT_EQ(row(a, "Q4_K_M").size.weight_bytes, tensor_bytes("gguf/pydoc6m-q4_k_m.gguf"));
    EXPECT_EQ(row(a, "Q8_0").size.weight_bytes, tensor_bytes("gguf/pydoc6m-pure-q8_0.gguf"));
    EXPECT_EQ(row(a, "F16").size.weight_bytes, tensor_bytes("gguf/pydoc6m-f16.gguf"));
    EXPECT_EQ(row(a, "Q2_K").size.weight_bytes, tensor_bytes("gguf/pydoc6m-q2_k.gguf"));
    // the Hugging Face checkpoint gives the same sizes
    const Advice hf = advise(shape_from_model(test::fixture("models/pydoc6m")), o);
    EXPECT_EQ(row(hf, "Q4_K_M").size.weight_bytes, row(a, "Q4_K_M").size.weight_bytes);
}

// The checkpoint formats' sizes are the bytes qforge writes for them: FP8 (per-channel scales) and MLX (4 bits,
// groups of 64) of pydoc6m, and Apple silicon is sent to MLX.
TEST(Advise, CheckpointFormatSizesAreWhatQuantizeWrites) {
    const ModelShape shape = shape_from_model(test::fixture("gguf/pydoc6m-f32.gguf"));
    auto written = [](const std::string& format) {
        test::TempDir dir;
        QuantizeRequest r;
        r.input = test::fixture("models/pydoc6m");
        r.output = dir.file("out");
        r.format = format;
        r.group_size = 64;
        r.progress = false;
        return quantize(r).bytes_after;
    };
    EXPECT_EQ(fp8_size(shape).weight_bytes, written("fp8"));
    EXPECT_EQ(mlx_size(shape, 4, 64).weight_bytes, written("mlx"));
    AdviseOptions o;
    o.device = "apple";
    o.memory_bytes = parse_memory_size("16GB");
    EXPECT_EQ(advise(shape_from_parameters(parse_parameter_count("8B"), {}), o).recommended, "MLX INT6 g64");
    o.priority = "quality";
    EXPECT_EQ(advise(shape_from_parameters(parse_parameter_count("8B"), {}), o).recommended, "MLX INT8 g64");
    o.memory_bytes = parse_memory_size("6GB");
    o.priority = "balanced";
    EXPECT_EQ(advise(shape_from_parameters(parse_parameter_count("8B"), {}), o).recommended, "MLX INT4 g64");
}

TEST(Advise, BadRequestsAreRefused) {
    EXPECT_THROW(parse_parameter_count("seventy"), Error);
    EXPECT_THROW(parse_parameter_count("70Q"), Error);
    EXPECT_THROW(parse_memory_size("24 parsecs"), Error);
    EXPECT_EQ(parse_memory_size("8GiB"), 8.0 * 1024 * 1024 * 1024);
    AdviseOptions o;
    o.device = "tpu";
    EXPECT_THROW(advise(shape_from_parameters(8'000'000'000, {}), o), Error);
    EXPECT_THROW(shape_from_parameters(8'000'000'000, {.kv_heads = 5}), Error);
    EXPECT_THROW(shape_from_model(test::fixture("text/pydoc-test.txt")), Error);
}

}  // namespace
}  // namespace qforge
