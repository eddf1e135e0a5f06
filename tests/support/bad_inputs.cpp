#include "support/bad_inputs.h"

#include <tuple>

#include "support/byte_builder.h"

namespace qforge::test {
namespace {

// Pieces of a GGUF whose parts can be swapped out.
struct GgufParts {
    std::uint32_t magic = 0x46554747, version = 3;
    std::uint64_t n_tensors = 2, n_kv = 3;
    std::string kvs, infos;
    std::size_t data_bytes = 64 + 32;
};

std::string default_kvs() {
    ByteBuilder b;
    b.gguf_str("general.architecture").u32(8).gguf_str("llama");
    b.gguf_str("test.count").u32(4).u32(7);
    b.gguf_str("test.list").u32(9).u32(6).u64(2).f32(1.0f).f32(2.0f);
    return b.str();
}

std::string default_infos() {
    ByteBuilder b;
    b.gguf_str("a.weight").u32(2).u64(4).u64(4).u32(0).u64(0);   // 4x4 f32 = 64 bytes
    b.gguf_str("b.weight").u32(1).u64(32).u32(8).u64(64);        // one q8_0 block = 34 bytes
    return b.str();
}

std::string assemble(const GgufParts& p) {
    ByteBuilder b;
    b.u32(p.magic).u32(p.version).u64(p.n_tensors).u64(p.n_kv).raw(p.kvs).raw(p.infos).pad_to(32);
    b.zeros(p.data_bytes + 2);  // 64 + 34 bytes of tensor data
    return b.str();
}

GgufParts defaults() {
    GgufParts p;
    p.kvs = default_kvs();
    p.infos = default_infos();
    return p;
}

std::string gguf_with_kv(const std::string& kv_bytes, std::uint64_t n_kv = 1) {
    GgufParts p = defaults();
    p.kvs = kv_bytes;
    p.n_kv = n_kv;
    return assemble(p);
}

std::string gguf_with_infos(const std::string& info_bytes, std::uint64_t n_tensors) {
    GgufParts p = defaults();
    p.infos = info_bytes;
    p.n_tensors = n_tensors;
    return assemble(p);
}

std::string st_file(const std::string& header, std::size_t data_bytes) {
    ByteBuilder b;
    b.u64(header.size()).raw(header).zeros(data_bytes);
    return b.str();
}

}  // namespace

std::string valid_gguf() { return assemble(defaults()); }

std::vector<BadInput> bad_gguf_inputs() {
    std::vector<BadInput> v;
    const std::string good = valid_gguf();
    v.push_back({"empty.gguf", "", "too short"});
    v.push_back({"bad-magic.gguf", "GGUX" + good.substr(4), "bad magic"});
    { GgufParts p = defaults(); p.version = 1; v.push_back({"version1.gguf", assemble(p), "GGUFv1"}); }
    { GgufParts p = defaults(); p.version = 4; v.push_back({"version4.gguf", assemble(p), "version 4"}); }
    { GgufParts p = defaults(); p.version = 0x03000000; v.push_back({"big-endian.gguf", assemble(p), "big-endian"}); }
    v.push_back({"truncated-header.gguf", good.substr(0, 12), "truncated"});
    v.push_back({"truncated-kv.gguf", good.substr(0, 60), "truncated"});
    v.push_back({"truncated-data.gguf", good.substr(0, good.size() - 40), "runs past the end"});
    { GgufParts p = defaults(); p.n_kv = 1ull << 60; v.push_back({"absurd-kv-count.gguf", assemble(p), "metadata_kv_count"}); }
    { GgufParts p = defaults(); p.n_tensors = 1ull << 58; v.push_back({"absurd-tensor-count.gguf", assemble(p), "tensor_count"}); }
    v.push_back({"lying-key-length.gguf", gguf_with_kv(ByteBuilder().u64(1ull << 40).raw("k").str()), "claims"});
    v.push_back({"invalid-utf8-key.gguf", gguf_with_kv(ByteBuilder().gguf_str("bad\xff").u32(4).u32(1).str()), "UTF-8"});
    v.push_back({"invalid-utf8-value.gguf",
                 gguf_with_kv(ByteBuilder().gguf_str("general.name").u32(8).gguf_str("\xc3\x28").str()), "UTF-8"});
    v.push_back({"unknown-value-type.gguf", gguf_with_kv(ByteBuilder().gguf_str("k").u32(13).u32(1).str()), "unknown value type 13"});
    v.push_back({"empty-key.gguf", gguf_with_kv(ByteBuilder().gguf_str("").u32(4).u32(1).str()), "empty key"});
    v.push_back({"duplicate-key.gguf",
                 gguf_with_kv(ByteBuilder().gguf_str("k").u32(4).u32(1).gguf_str("k").u32(4).u32(2).str(), 2),
                 "duplicate metadata key 'k'"});
    v.push_back({"nested-array.gguf",
                 gguf_with_kv(ByteBuilder().gguf_str("k").u32(9).u32(9).u64(1).u32(4).u64(1).u32(5).str()), "nested array"});
    v.push_back({"absurd-array-count.gguf",
                 gguf_with_kv(ByteBuilder().gguf_str("k").u32(9).u32(10).u64(1ull << 61).str()), "array elements"});
    v.push_back({"absurd-string-array.gguf",
                 gguf_with_kv(ByteBuilder().gguf_str("k").u32(9).u32(8).u64(1ull << 62).str()), "array elements"});
    v.push_back({"bad-bool.gguf", gguf_with_kv(ByteBuilder().gguf_str("k").u32(7).u8(2).str()), "bool"});
    v.push_back({"alignment-wrong-type.gguf",
                 gguf_with_kv(ByteBuilder().gguf_str("general.alignment").u32(10).u64(32).str()), "expected u32"});
    v.push_back({"alignment-not-power-of-two.gguf",
                 gguf_with_kv(ByteBuilder().gguf_str("general.alignment").u32(4).u32(24).str()), "power of two"});
    v.push_back({"alignment-zero.gguf",
                 gguf_with_kv(ByteBuilder().gguf_str("general.alignment").u32(4).u32(0).str()), "power of two"});
    v.push_back({"long-tensor-name.gguf",
                 gguf_with_infos(ByteBuilder().gguf_str(std::string(64, 'x')).u32(1).u64(4).u32(0).u64(0).str(), 1),
                 "name is 64 bytes"});
    v.push_back({"duplicate-tensor.gguf",
                 gguf_with_infos(ByteBuilder().gguf_str("t").u32(1).u64(4).u32(0).u64(0)
                                     .gguf_str("t").u32(1).u64(4).u32(0).u64(32).str(), 2),
                 "duplicate tensor name 't'"});
    v.push_back({"too-many-dims.gguf",
                 gguf_with_infos(ByteBuilder().gguf_str("t").u32(5).u64(1).u64(1).u64(1).u64(1).u64(1).u32(0).u64(0).str(), 1),
                 "5 dimensions"});
    v.push_back({"absurd-shape.gguf",
                 gguf_with_infos(ByteBuilder().gguf_str("t").u32(2).u64(1ull << 40).u64(1ull << 40).u32(0).u64(0).str(), 1),
                 "absurd shape"});
    v.push_back({"row-not-block-multiple.gguf",
                 gguf_with_infos(ByteBuilder().gguf_str("t").u32(1).u64(48).u32(12).u64(0).str(), 1),
                 "multiple of the block size 256"});
    v.push_back({"unknown-tensor-type.gguf",
                 gguf_with_infos(ByteBuilder().gguf_str("odd.weight").u32(1).u64(4).u32(31).u64(0).str(), 1),
                 "tensor 'odd.weight' has tensor type id 31"});
    v.push_back({"wrong-offset.gguf",
                 gguf_with_infos(ByteBuilder().gguf_str("t").u32(1).u64(4).u32(0).u64(0)
                                     .gguf_str("u").u32(1).u64(4).u32(0).u64(16).str(), 2),
                 "has offset 16, expected 32"});
    v.push_back({"data-past-eof.gguf",
                 gguf_with_infos(ByteBuilder().gguf_str("t").u32(1).u64(1024).u32(0).u64(0).str(), 1),
                 "runs past the end"});
    return v;
}

std::string valid_safetensors() {
    return st_file(R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[16,24]}})", 24);
}

std::vector<BadInput> bad_safetensors_inputs() {
    std::vector<BadInput> v;
    v.push_back({"short.safetensors", "abc", "too short"});
    v.push_back({"huge-header.safetensors", ByteBuilder().u64(200'000'000).raw("{}").str(), "exceeds"});
    v.push_back({"header-past-eof.safetensors", ByteBuilder().u64(100).raw("{}").str(), "runs past the end"});
    v.push_back({"not-json.safetensors", st_file("{\"a\": [1,", 0), "not valid JSON"});
    v.push_back({"not-object.safetensors", st_file("[1,2]", 0), "not a JSON object"});
    v.push_back({"invalid-utf8.safetensors", st_file("{\"\xff\":1}", 0), "UTF-8"});
    v.push_back({"unknown-dtype.safetensors", st_file(R"({"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}})", 1),
                 "unknown dtype 'Q4'"});
    v.push_back({"missing-shape.safetensors", st_file(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", 4), "'shape'"});
    v.push_back({"negative-shape.safetensors", st_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
                 "non-negative"});
    v.push_back({"offset-past-end.safetensors",
                 st_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8), "past the data section"});
    v.push_back({"reversed-offsets.safetensors",
                 st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 8), "reversed"});
    v.push_back({"shape-mismatch.safetensors",
                 st_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "needs 12 bytes"});
    v.push_back({"overlap.safetensors",
                 st_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12),
                 "overlap"});
    v.push_back({"hole.safetensors",
                 st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8), "hole"});
    v.push_back({"trailing-data.safetensors",
                 st_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 12), "data section holds 12"});
    v.push_back({"absurd-shape.safetensors",
                 st_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})", 4),
                 "absurdly large"});
    v.push_back({"bad-metadata.safetensors", st_file(R"({"__metadata__":{"k":1}})", 0), "__metadata__"});
    return v;
}

std::string valid_llama2c() {
    // dim 8, hidden 16, 1 layer, 2 heads, 2 kv heads, vocab 4 (shared classifier), seq_len 2
    ByteBuilder b;
    b.i32(8).i32(16).i32(1).i32(2).i32(2).i32(4).i32(2);
    const std::size_t floats = 4 * 8 + 8 + 4 * 64 + 8 + 3 * 128 + 8 + 2 * 2 * 2;
    b.zeros(floats * 4);
    return b.str();
}

std::vector<BadInput> bad_llama2c_inputs() {
    std::vector<BadInput> v;
    const std::string good = valid_llama2c();
    v.push_back({"header-only.bin", good.substr(0, 28), "truncated"});
    v.push_back({"truncated.bin", good.substr(0, good.size() - 4), "truncated"});
    v.push_back({"trailing.bin", good + std::string(8, '\0'), "trailing data"});
    {
        ByteBuilder b;
        b.i32(8).i32(16).i32(1).i32(3).i32(3).i32(4).i32(2);
        v.push_back({"heads-not-dividing.bin", b.str() + good.substr(28), "not divisible"});
    }
    {
        ByteBuilder b;
        b.i32(8).i32(16).i32(100000).i32(2).i32(2).i32(4).i32(2);
        v.push_back({"absurd-layers.bin", b.str() + good.substr(28), "n_layers"});
    }
    {
        ByteBuilder b;
        b.u32(0x616b3432).i32(2).i32(8).i32(16).i32(1).i32(2).i32(2).i32(4).i32(2).u8(1);
        b.zeros(256 - b.size());
        v.push_back({"version2.bin", b.str(), "version 2"});
    }
    return v;
}

std::string valid_hf_index() {
    return R"({"metadata":{"total_size":4},"weight_map":{"a":"model-00001-of-00001.safetensors"}})";
}

std::vector<BadInput> bad_hf_index_inputs() {
    return {
        {"not-json.json", R"({"weight_map": {)", "not valid JSON"},
        {"no-weight-map.json", R"({"metadata":{}})", "weight_map"},
        {"empty-weight-map.json", R"({"weight_map":{}})", "weight_map is empty"},
        {"number-shard.json", R"({"weight_map":{"a":7}})", "must name a file"},
        {"path-escape.json", R"({"weight_map":{"a":"../model.safetensors"}})", "not a file in the directory"},
        {"missing-shard.json", R"({"weight_map":{"a":"model-00002-of-00002.safetensors"}})", "missing"},
        {"unlisted-tensor.json", R"({"weight_map":{"b":"model-00001-of-00001.safetensors"}})", "not listed"},
    };
}

std::string valid_tokenizer_json() {
    return R"({"added_tokens":[{"id":2,"content":"<|end|>","special":true}],"pre_tokenizer":null,)"
           R"("model":{"type":"BPE","vocab":{"a":0,"b":1},"merges":["a b"]}})";
}

std::vector<BadInput> bad_tokenizer_json_inputs() {
    return {
        {"not-json.json", R"({"model":)", "not valid JSON"},
        {"no-model.json", R"({"added_tokens":[]})", "missing object 'model'"},
        {"unigram.json", R"({"model":{"type":"Unigram","vocab":[]}})", "not supported"},
        {"bad-id.json", R"({"model":{"type":"BPE","vocab":{"a":-1}}})", "no valid id"},
        {"huge-id.json", R"({"model":{"type":"BPE","vocab":{"a":99999999999}}})", "out of range"},
        {"bad-merge.json", R"({"model":{"type":"BPE","vocab":{"a":0},"merges":[1]}})", "malformed entry in model.merges"},
        {"bad-added.json", R"({"added_tokens":[{"id":"x"}],"model":{"type":"BPE","vocab":{"a":0}}})", "malformed entry"},
        // found by fuzz_tokenizer_json: typed fields of the wrong type
        {"number-type.json", R"({"model":{"type":7799999}})", "field 'type' must be a string"},
        {"number-special.json",
         R"({"added_tokens":[{"id":0,"content":"a","special":1}],"model":{"type":"BPE","vocab":{"a":0}}})",
         "field 'special' must be true or false"},
    };
}

namespace {

// CTranslate2's strings: u16 length counting a terminating NUL, the bytes, the NUL.
ByteBuilder& ct2_str(ByteBuilder& b, const std::string& s) {
    b.put(static_cast<std::uint16_t>(s.size() + 1)).raw(s).u8(0);
    return b;
}

ByteBuilder ct2_head(std::uint32_t version, std::uint32_t n_vars) {
    ByteBuilder b;
    b.u32(version);
    ct2_str(b, "TransformerDecoderSpec").u32(8).u32(n_vars);
    return b;
}

ByteBuilder& ct2_matrix(ByteBuilder& b, const std::string& name, std::uint8_t dtype, std::uint32_t bytes) {
    ct2_str(b, name).u8(2).u32(2).u32(2).u8(dtype).u32(bytes);
    return b;
}

}  // namespace

std::string valid_ct2_model_bin() {
    ByteBuilder b = ct2_head(6, 2);
    ct2_matrix(b, "a/weight", 0, 16).f32(1.0f).f32(-2.0f).f32(0.5f).f32(4.0f);
    ct2_str(b, "a/flag").u8(0).u8(1).u32(1).u8(1);
    b.u32(1);
    ct2_str(b, "b/weight");
    ct2_str(b, "a/weight");
    return b.str();
}

std::vector<BadInput> bad_ct2_model_bin_inputs() {
    std::vector<BadInput> v;
    const std::string good = valid_ct2_model_bin();
    v.push_back({"empty.bin", "", "truncated"});
    v.push_back({"truncated.bin", good.substr(0, good.size() - 5), "truncated"});
    v.push_back({"trailing.bin", good + "x", "bytes after the aliases"});
    v.push_back({"version-3.bin", ct2_head(3, 0).u32(0).str(), "binary version 3"});
    v.push_back({"version-7.bin", ct2_head(7, 0).u32(0).str(), "binary version 7"});
    {
        ByteBuilder b = ct2_head(6, 1);
        ct2_matrix(b, "a/weight", 9, 16).zeros(16).u32(0);
        v.push_back({"bad-dtype.bin", b.str(), "data type id 9"});
    }
    {
        ByteBuilder b = ct2_head(6, 1);
        ct2_matrix(b, "a/weight", 0, 12).zeros(12).u32(0);
        v.push_back({"short-data.bin", b.str(), "'a/weight' has 12 bytes"});
    }
    {
        ByteBuilder b = ct2_head(6, 1);
        b.put(std::uint16_t{0}).zeros(16);
        v.push_back({"empty-string.bin", b.str(), "length 0"});
    }
    {
        ByteBuilder b = ct2_head(6, 1);
        b.put(std::uint16_t{3}).raw("abc").zeros(16);
        v.push_back({"no-nul.bin", b.str(), "does not end with NUL"});
    }
    {
        ByteBuilder b = ct2_head(6, 0);
        b.u32(1);
        ct2_str(b, "x");
        ct2_str(b, "missing");
        v.push_back({"dangling-alias.bin", b.str(), "alias 'x' names 'missing'"});
    }
    v.push_back({"huge-count.bin", ct2_head(6, 0x7fffffff).str(), "variables announced"});
    {
        ByteBuilder b = ct2_head(6, 1);
        ct2_str(b, "w").u8(2).u32(0x10000).u32(0x10000).u8(0).u32(0);
        v.push_back({"overflow.bin", b.str(), "too large"});
    }
    return v;
}

namespace {

ByteBuilder& imatrix_entry(ByteBuilder& b, const std::string& name, std::int32_t ncall, std::int32_t nval) {
    b.i32(static_cast<std::int32_t>(name.size()));
    for (char c : name) b.u8(static_cast<std::uint8_t>(c));
    b.i32(ncall).i32(nval);
    for (std::int32_t i = 0; i < nval; ++i) b.f32(static_cast<float>(i + 1));
    return b;
}

}  // namespace

std::string valid_imatrix_dat() {
    ByteBuilder b;
    b.i32(2);
    imatrix_entry(b, "blk.0.attn_q.weight", 3, 4);
    imatrix_entry(b, "blk.0.ffn_down.weight", 3, 8);
    b.i32(3).i32(9);
    for (char c : std::string("calib.txt")) b.u8(static_cast<std::uint8_t>(c));
    return b.str();
}

std::vector<BadInput> bad_imatrix_dat_inputs() {
    std::vector<BadInput> v;
    const std::string good = valid_imatrix_dat();
    v.push_back({"empty.dat", "", "truncated"});
    v.push_back({"no-entries.dat", std::string(4, '\0'), "entry count 0"});
    v.push_back({"truncated-values.dat", good.substr(0, 40), "truncated"});
    v.push_back({"trailing.dat", good + "zz", "unexpected bytes"});
    {
        ByteBuilder b;
        b.i32(1).i32(-3);
        v.push_back({"negative-name.dat", b.str(), "name of -3 bytes"});
    }
    {
        ByteBuilder b;
        b.i32(1);
        imatrix_entry(b, "x", 1, 0);
        v.push_back({"no-values.dat", b.str(), "has 0 values"});
    }
    {
        ByteBuilder b;
        b.i32(2);
        imatrix_entry(b, "x", 1, 2);
        imatrix_entry(b, "x", 1, 2);
        v.push_back({"duplicate.dat", b.str(), "appears twice"});
    }
    {
        ByteBuilder b;
        b.i32(1).i32(1).u8('x').i32(1).i32(0x7fffffff);
        v.push_back({"huge-count.dat", b.str(), "truncated"});
    }
    return v;
}

namespace {

// One layer's tensors, each entry "NAME":{"dtype":..., "shape":..., offsets} built in order.
std::string quantized_file(const std::vector<std::tuple<std::string, std::string, std::string, std::size_t>>& tensors) {
    std::string header = "{";
    std::size_t offset = 0;
    for (const auto& [name, dtype, shape, bytes] : tensors) {
        header += (header.size() > 1 ? "," : "") + ("\"model.layers.0.self_attn.o_proj." + name + "\":{\"dtype\":\"" + dtype +
                  "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}");
        offset += bytes;
    }
    return st_file(header + "}", offset);
}

}  // namespace

std::string valid_quantized_safetensors() {
    return quantized_file({{"qweight", "I32", "[4,8]", 128}, {"qzeros", "I32", "[1,1]", 4}, {"scales", "F16", "[1,8]", 16},
                           {"g_idx", "I32", "[32]", 128}});
}

std::vector<BadInput> bad_quantized_safetensors_inputs() {
    return {
        {"no-scales.safetensors", quantized_file({{"qweight", "I32", "[4,8]", 128}, {"qzeros", "I32", "[1,1]", 4}}), "no 'model.layers.0.self_attn.o_proj.scales'"},
        {"float-qweight.safetensors",
         quantized_file({{"qweight", "F32", "[4,8]", 128}, {"qzeros", "I32", "[1,1]", 4}, {"scales", "F16", "[1,8]", 16}}),
         "qweight' has dtype f32 (expected I32)"},
        {"transposed-scales.safetensors",
         quantized_file({{"qweight", "I32", "[4,8]", 128}, {"qzeros", "I32", "[1,1]", 4}, {"scales", "F16", "[8,1]", 16}}),
         "scales' has shape [8, 1] (expected [1, 8])"},
        {"short-g_idx.safetensors",
         quantized_file({{"qweight", "I32", "[4,8]", 128}, {"qzeros", "I32", "[1,1]", 4}, {"scales", "F16", "[1,8]", 16},
                         {"g_idx", "I32", "[16]", 64}}),
         "g_idx' is i32 [16] (expected I32 [32])"},
        {"empty-qweight.safetensors",
         quantized_file({{"qweight", "I32", "[0,8]", 0}, {"qzeros", "I32", "[1,1]", 4}, {"scales", "F16", "[1,8]", 16}}),
         "qweight' has shape [0, 8]"},
        {"odd-outputs.safetensors",
         quantized_file({{"qweight", "I32", "[4,3]", 48}, {"qzeros", "I32", "[1,1]", 4}, {"scales", "F16", "[1,3]", 6}}),
         "3 outputs, which do not pack"},
    };
}

std::string valid_fp8_safetensors() {
    return quantized_file({{"weight", "F8_E4M3", "[32,32]", 1024}, {"weight_scale", "F32", "[1]", 4}});
}

std::vector<BadInput> bad_fp8_safetensors_inputs() {
    return {
        {"fp8-no-scale.safetensors", quantized_file({{"weight", "F8_E4M3", "[32,32]", 1024}}),
         "FP8 tensor 'model.layers.0.self_attn.o_proj.weight' has no 'model.layers.0.self_attn.o_proj.weight_scale'"},
        {"fp8-scale-per-column.safetensors", quantized_file({{"weight", "F8_E4M3", "[32,32]", 1024}, {"weight_scale", "F32", "[1,32]", 128}}),
         "weight_scale' has shape [32, 1]: not one scale, one per row"},
        {"fp8-int-scale.safetensors", quantized_file({{"weight", "F8_E4M3", "[32,32]", 1024}, {"weight_scale", "I32", "[1]", 4}}),
         "weight_scale' has dtype i32 (expected a float scale)"},
        {"fp8-vector.safetensors", quantized_file({{"weight", "F8_E4M3", "[1024]", 1024}, {"weight_scale", "F32", "[1]", 4}}),
         "has shape [1024] (expected a matrix)"},
    };
}

std::string valid_mlx_safetensors() {
    return quantized_file({{"weight", "U32", "[32,4]", 512}, {"scales", "F16", "[32,1]", 64}, {"biases", "F16", "[32,1]", 64}});
}

std::vector<BadInput> bad_mlx_safetensors_inputs() {
    return {
        {"mlx-no-biases.safetensors", quantized_file({{"weight", "U32", "[32,4]", 512}, {"scales", "F16", "[32,1]", 64}}),
         "MLX weight 'model.layers.0.self_attn.o_proj.weight' has no 'model.layers.0.self_attn.o_proj.scales' and"},
        {"mlx-mixed-types.safetensors",
         quantized_file({{"weight", "U32", "[32,4]", 512}, {"scales", "F32", "[32,1]", 128}, {"biases", "F16", "[32,1]", 64}}),
         "'.biases' must be of one float type (they are f32 and f16)"},
        {"mlx-wrong-width.safetensors",
         quantized_file({{"weight", "U32", "[32,3]", 384}, {"scales", "F16", "[32,1]", 64}, {"biases", "F16", "[32,1]", 64}}),
         "not 4-bit groups of 32"},
        {"mlx-vector-scales.safetensors",
         quantized_file({{"weight", "U32", "[32,4]", 512}, {"scales", "F16", "[32]", 64}, {"biases", "F16", "[32]", 64}}),
         "expected matrices"},
    };
}

std::string valid_chat_template() {
    return std::string(
               "{{- bos_token }}{% set ns = namespace(n=0) %}{% for m in messages if m.role != 'tool' %}"
               "{% set ns.n = ns.n + 1 %}<|{{ m.role }}|>{{ m.content | trim if m.content is string else m.tool_calls | tojson }}"
               "{%- if not loop.last %}\n{% endif %}{% endfor %}{% if tools %}{{ tools[0].function | tojson(indent=2) }}{% endif %}"
               "{% if add_generation_prompt %}<|assistant|>{% endif %}") +
           '\0' +
           R"({"messages": [{"role": "user", "content": " Hi "}, {"role": "assistant", "content": null,
               "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]}, {"role": "tool", "content": "1"}],
               "tools": [{"function": {"name": "f", "parameters": {}}}], "add_generation_prompt": true, "bos_token": "<s>"})";
}

std::vector<BadInput> bad_chat_template_inputs() {
    const std::string ctx = std::string(1, '\0') + R"({"messages": [{"role": "user", "content": "x"}]})";
    return {
        {"unclosed-for", "{% for m in messages %}{{ m.content }}" + ctx, "never closed"},
        {"unknown-filter", "{{ messages[0].content | frobnicate }}" + ctx, "filter 'frobnicate'"},
        {"raise-exception", "{{ raise_exception('roles must alternate') }}" + ctx, "roles must alternate"},
        {"endless-recursion", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}" + ctx, "unbounded recursion"},
        {"deep-parentheses", "{{ " + std::string(300, '(') + "1" + std::string(300, ')') + " }}" + ctx, "nested more than"},
        {"huge-range", "{% for i in range(10**12) %}{% endfor %}" + ctx, "exceeds the limit"},
        {"self-namespace", "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns | tojson }}" + ctx, "nested more than"},
    };
}

std::string valid_openai_request() {
    return R"({"model": "m", "prompt": ["def f(", [1, 2, 3]], "max_tokens": 16, "temperature": 0.7, "top_p": 0.9,
               "top_k": 40, "min_p": 0.05, "seed": 7, "stop": ["\n\n", "END"], "stream": true,
               "stream_options": {"include_usage": true}, "logprobs": 2, "echo": false, "presence_penalty": 0.5,
               "frequency_penalty": 0.1, "repeat_penalty": 1.1,
               "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
               "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}], "top_logprobs": 1})";
}

std::vector<BadInput> bad_openai_request_inputs() {
    return {
        {"not-json", R"({"prompt": "x", )", "not valid JSON"},
        {"not-an-object", R"(["prompt"])", "must be a JSON object"},
        {"invalid-utf8", std::string("{\"prompt\": \"\xc3\x28\"}"), "not valid JSON"},
        {"temperature-type", R"({"prompt": "x", "temperature": "hot"})", "'temperature' must be a number"},
        {"temperature-range", R"({"prompt": "x", "temperature": 3})", "'temperature' must be between 0 and 2"},
        {"max-tokens-type", R"({"prompt": "x", "max_tokens": "ten"})", "'max_tokens' must be an integer"},
        {"prompt-missing", R"({"max_tokens": 3})", "'prompt' is required"},
        {"prompt-type", R"({"prompt": {"text": "x"}})", "'prompt' must be a string, a list of token ids"},
        {"prompt-token-range", R"({"prompt": [1, 99999]})", "outside the vocabulary"},
        {"stop-type", R"({"prompt": "x", "stop": 5})", "'stop' must be a string or a list of strings"},
        {"logprobs-range", R"({"prompt": "x", "logprobs": 50})", "'logprobs' must be between 0 and 20"},
        {"n-unsupported", R"({"prompt": "x", "n": 3})", "'n' other than 1 is not supported"},
        {"messages-empty", R"({"messages": []})", "'messages' must be a non-empty list"},
        {"message-role", R"({"messages": [{"role": 3, "content": "x"}]})", "messages[0].role must be a string"},
        {"message-content", R"({"messages": [{"role": "user", "content": 5}]})", "messages[0].content must be a string"},
        {"message-image", R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})", "only text is supported"},
        {"top-logprobs-alone", R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2})", "needs 'logprobs': true"},
    };
}

}  // namespace qforge::test
