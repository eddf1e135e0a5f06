// llama-quantize's --include-weights, --exclude-weights and --override-kv through qforge's request API: the
// outputs are byte-identical to llama-quantize's (c392e509), whose SHA-256 each case holds. Made in
// ../shared/fixtures/gguf (the recorded imatrix path is the name as typed):
//   llama-quantize --imatrix pydoc6m.imatrix --include-weights ffn_down --include-weights attn_v
//       pydoc6m-f32.gguf OUT.gguf IQ3_M 2
//   llama-quantize --imatrix pydoc6m.imatrix --exclude-weights blk.0. --exclude-weights ffn_up
//       pydoc6m-f32.gguf OUT.gguf Q4_K_M 2
//   llama-quantize --override-kv general.name=str:renamed --override-kv tokenizer.ggml.add_bos_token=bool:false
//       --override-kv llama.rope.freq_base=float:500000 --override-kv custom.count=int:-7
//       --imatrix pydoc6m.imatrix pydoc6m-f32.gguf OUT.gguf IQ2_XS 2
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "convert/kv_override.h"
#include "convert/quantize_gguf.h"
#include "core/error.h"
#include "formats/gguf/gguf_file.h"
#include "qforge/qforge.h"
#include "support/fixtures.h"
#include "support/sha256.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

// Runs the request from inside a copy of the imatrix's folder layout: the imatrix is given by file name, as
// the references were made, so quantize.imatrix.file records the same string.
std::string quantize_in_fixture_dir(const test::TempDir& dir, QuantizeRequest r) {
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(std::filesystem::path(test::fixture("gguf/pydoc6m.imatrix")).parent_path());
    r.input = "pydoc6m-f32.gguf";
    r.imatrix = "pydoc6m.imatrix";
    r.output = dir.file("out.gguf");
    r.progress = false;
    r.threads = 2;
    try {
        quantize(r);
    } catch (...) {
        std::filesystem::current_path(cwd);
        throw;
    }
    std::filesystem::current_path(cwd);
    return r.output;
}

TEST(QuantizeFlags, IncludeWeightsMatchesLlamaQuantize) {
    test::TempDir dir;
    QuantizeRequest r;
    r.type = "IQ3_M";
    r.include_weights = {"ffn_down", "attn_v"};
    const std::string out = quantize_in_fixture_dir(dir, r);
    EXPECT_EQ(GgufFile(out).metadata().get_int("quantize.imatrix.entries_count"), 12);
    EXPECT_EQ(test::sha256_file(out), "cb62d4fb880505dc696733ebd6f5a940268f3c58abf62170b6868398922cb95e");
}

TEST(QuantizeFlags, ExcludeWeightsMatchesLlamaQuantize) {
    test::TempDir dir;
    QuantizeRequest r;
    r.type = "Q4_K_M";
    r.exclude_weights = {"blk.0.", "ffn_up"};
    const std::string out = quantize_in_fixture_dir(dir, r);
    EXPECT_EQ(GgufFile(out).metadata().get_int("quantize.imatrix.entries_count"), 30);
    EXPECT_EQ(test::sha256_file(out), "7322b359bfc5cd2908b5bb59f18049157cfe6f06c213b7de08b98aa6ac38ca94");
}

TEST(QuantizeFlags, OverrideKvMatchesLlamaQuantize) {
    test::TempDir dir;
    QuantizeRequest r;
    r.type = "IQ2_XS";
    r.kv_overrides = {"general.name=str:renamed", "tokenizer.ggml.add_bos_token=bool:false",
                      "llama.rope.freq_base=float:500000", "custom.count=int:-7"};
    const std::string out = quantize_in_fixture_dir(dir, r);
    EXPECT_EQ(GgufFile(out).metadata().get_string("general.name"), "renamed");
    EXPECT_EQ(test::sha256_file(out), "50b2a622427c6d2b4a5994e53f28094b4e5f18e41f54b65dc029b7df9f2b2857");
}

TEST(QuantizeFlags, RefusalsNameTheFlag) {
    test::TempDir dir;
    auto refused = [&](QuantizeRequest r, const std::string& expect) {
        try {
            quantize_in_fixture_dir(dir, r);
            ADD_FAILURE() << "accepted; expected an error containing '" << expect << "'";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
        }
        EXPECT_FALSE(std::filesystem::exists(dir.file("out.gguf")));  // nothing half-written
    };
    QuantizeRequest both;
    both.type = "Q4_K_M";
    both.include_weights = {"ffn"};
    both.exclude_weights = {"attn"};
    refused(both, "cannot be used together");
    QuantizeRequest none;  // the filter leaves nothing: quantized as without an imatrix, which IQ2_XS refuses
    none.type = "IQ2_XS";
    none.include_weights = {"no-such-tensor"};
    refused(none, "needs an importance matrix");
    for (const char* bad : {"general.name", "=str:x", "k=int:12x", "k=int:3000000000", "k=float:nan", "k=bool:yes",
                            "k=u32:5", "general.alignment=int:64"}) {
        QuantizeRequest r;
        r.type = "Q8_0";
        r.kv_overrides = {bad};
        refused(r, "--override-kv");
    }
    const std::string long_value(128, 'x');
    EXPECT_THROW(parse_kv_override("k=str:" + long_value), Error);
    EXPECT_NO_THROW(parse_kv_override("k=str:" + long_value.substr(1)));
}

}  // namespace
}  // namespace qforge
