// The public API (include/qforge/qforge.h) does what the CLI does.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "qforge/qforge.h"
#include "support/fixtures.h"
#include "support/temp_dir.h"

namespace qforge {
namespace {

TEST(PublicApi, ConvertAndInspect) {
    test::TempDir dir;
    ConvertRequest req;
    req.source = test::fixture("models/stories260K/stories260K.bin");
    req.output = dir.file("s.gguf");
    req.outtype = "f32";
    req.progress = false;
    const ConvertResult r = convert(req);
    EXPECT_EQ(r.input_kind, "llama2.c checkpoint");
    EXPECT_EQ(r.tensors, 48u);

    const ModelSummary m = inspect(req.output);
    EXPECT_EQ(m.format, "GGUF v3");
    EXPECT_EQ(m.tensors.size(), 48u);
    EXPECT_DOUBLE_EQ(m.bits_per_weight, 32.0);

    const auto j = nlohmann::json::parse(inspect_json(req.output));
    EXPECT_EQ(j["tensors"].size(), 48u);
    bool found = false;
    for (const auto& e : j["metadata"])
        if (e["key"] == "tokenizer.ggml.tokens") found = e["value"].size() == 512;
    EXPECT_TRUE(found);
}

TEST(PublicApi, BadRequestsThrowOneLineErrors) {
    ConvertRequest req;
    req.source = test::fixture("models/pydoc6m");
    req.output = "/nonexistent-dir/x.gguf";
    EXPECT_THROW(convert(req), Error);
    req.outtype = "q9";
    EXPECT_THROW(convert(req), Error);
    EXPECT_THROW(inspect("/nonexistent"), Error);
}

}  // namespace
}  // namespace qforge
