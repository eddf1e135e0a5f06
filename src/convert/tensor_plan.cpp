#include "convert/tensor_plan.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "formats/gguf/gguf_split.h"
#include "quant/codecs/codec_table.h"
#include "core/progress.h"
#include "core/thread_pool.h"
#include "model/rope_permute.h"

namespace qforge {
namespace {

constexpr std::size_t kChunkBytes = 4u << 20;

// src: the planned tensor's source, or one of its stacked matrices (the first_matrix'th of the output).
void write_converted(GgufWriter& w, const PlannedTensor& p, const TensorView& src, std::int64_t first_matrix, ThreadPool& pool) {
    const auto& out = p.out;
    // A 1-D tensor (a bias) is permuted element by element; otherwise rows of ne[0] elements.
    const bool one_d = out.ne.size() == 1;
    const std::int64_t row_len = one_d ? 1 : out.ne[0];
    const std::int64_t rows = one_d ? out.ne[0] : src.n_rows();
    const std::int64_t rows_per_matrix = out.ne.size() >= 2 ? out.ne[1] : rows;
    if (p.permute_heads > 0 && (rows % p.permute_heads != 0 || (rows / p.permute_heads) % 2 != 0))
        fail("tensor '{}': {} rows cannot be permuted over {} heads", src.name, rows, p.permute_heads);

    const bool same_type = src.type == out.type;
    if (!same_type && !(can_dequantize(src.type) && can_quantize(out.type)))
        fail("tensor '{}': cannot convert {} to {}", src.name, type_name(src.type), type_name(out.type));
    std::int64_t n_matrices = 1;
    for (std::size_t d = 2; d < out.ne.size(); ++d) n_matrices *= out.ne[d];
    const float* importance = p.importance ? p.importance->data() + first_matrix * row_len : nullptr;
    if (importance != nullptr && p.importance->size() != static_cast<std::size_t>(row_len * n_matrices))
        fail("tensor '{}': {} importance values for rows of {}", src.name, p.importance->size(), row_len);
    const std::size_t in_row_bytes = *bytes_for(src.type, static_cast<std::uint64_t>(row_len));
    const std::size_t out_row_bytes = *bytes_for(out.type, static_cast<std::uint64_t>(row_len));
    const std::int64_t rows_per_chunk = std::max<std::int64_t>(1, static_cast<std::int64_t>(kChunkBytes / std::max<std::size_t>(out_row_bytes, 1)));

    std::vector<std::uint8_t> buffer;
    for (std::int64_t r0 = 0; r0 < rows; r0 += rows_per_chunk) {
        const std::int64_t r1 = std::min(rows, r0 + rows_per_chunk);
        buffer.resize(static_cast<std::size_t>(r1 - r0) * out_row_bytes);
        pool.parallel_for(r1 - r0, [&](std::int64_t b, std::int64_t e) {
            std::vector<float> f32(static_cast<std::size_t>(row_len));
            for (std::int64_t r = r0 + b; r < r0 + e; ++r) {
                const std::int64_t s = p.permute_heads > 0 ? rope_source_row(r, rows, p.permute_heads) : r;
                const std::uint8_t* in = src.data.data() + static_cast<std::size_t>(s) * in_row_bytes;
                std::uint8_t* dst = buffer.data() + static_cast<std::size_t>(r - r0) * out_row_bytes;
                if (same_type) {
                    std::memcpy(dst, in, out_row_bytes);
                } else {
                    dequantize_row(src.type, in, f32.data(), row_len);
                    const float* imp = importance != nullptr ? importance + (r / rows_per_matrix) * row_len : nullptr;
                    quantize_row(out.type, f32.data(), dst, row_len, imp);
                }
            }
        });
        w.write(buffer);
    }
}

}  // namespace

PlannedTensor planned_copy(const TensorView& src) {
    PlannedTensor p;
    p.out = {src.name, src.type, src.ne};
    p.src = &src;
    return p;
}

PlanTotals plan_totals(const std::vector<PlannedTensor>& plan) {
    PlanTotals t;
    for (const auto& p : plan) {
        std::uint64_t n = 1;
        for (auto d : p.out.ne) n *= static_cast<std::uint64_t>(d);
        t.parameters += n;
        t.bytes += p.out.nbytes();
    }
    return t;
}

void write_gguf_plan(const std::string& path, const GgufMetadata& metadata, const std::vector<PlannedTensor>& plan,
                     bool show_progress, int n_threads, const ShardedOutput* shards) {
    if (shards != nullptr && shards->shard_of.size() != plan.size())
        fail("internal error: {} shard indices for {} tensors", shards->shard_of.size(), plan.size());
    const int n_shards = shards == nullptr || plan.empty() ? 1 : shards->shard_of.back() + 1;
    ThreadPool pool(n_threads);
    // Every shard's writer stays open until the last tensor is written, so an error leaves no shard behind.
    std::vector<std::unique_ptr<GgufWriter>> writers;
    auto open_shard = [&](int i) {
        std::vector<GgufTensorInfo> infos;
        for (std::size_t k = 0; k < plan.size(); ++k)
            if (shards->shard_of[k] == i) infos.push_back(plan[k].out);
        writers.push_back(std::make_unique<GgufWriter>(
            gguf::split_path(shards->prefix, i, n_shards),
            gguf::shard_metadata(metadata, i, n_shards, static_cast<std::int32_t>(plan.size()), shards->key_order),
            std::move(infos)));
    };
    if (shards == nullptr) {
        std::vector<GgufTensorInfo> infos;
        for (const auto& p : plan) infos.push_back(p.out);
        writers.push_back(std::make_unique<GgufWriter>(path, metadata, std::move(infos)));
    } else {
        if (!std::is_sorted(shards->shard_of.begin(), shards->shard_of.end()) ||
            (!shards->shard_of.empty() && shards->shard_of.front() < 0))
            fail("internal error: the tensors of a split output must come shard by shard");
        open_shard(0);
    }
    Progress progress("convert", plan_totals(plan).bytes, show_progress);
    for (std::size_t k = 0; k < plan.size(); ++k) {
        const PlannedTensor& p = plan[k];
        if (shards != nullptr)
            while (static_cast<int>(writers.size()) <= shards->shard_of[k]) open_shard(static_cast<int>(writers.size()));
        GgufWriter& w = *writers.back();
        if (p.produce) {
            const std::vector<std::uint8_t> bytes = p.produce();
            if (bytes.size() != p.out.nbytes())
                fail("internal error: tensor '{}' was made with {} bytes, expected {}", p.out.name, bytes.size(), p.out.nbytes());
            w.write(bytes);
        } else if (p.src == nullptr && p.stacked.empty()) {
            if (p.generated.size() != p.out.nbytes())
                fail("internal error: generated tensor '{}' has {} bytes, expected {}", p.out.name,
                     p.generated.size(), p.out.nbytes());
            w.write(p.generated);
        } else {
            std::vector<const TensorView*> parts = p.stacked;
            if (parts.empty()) parts.push_back(p.src);
            for (std::size_t i = 0; i < parts.size(); ++i) {
                const TensorView& src = *parts[i];
                if (src.type == p.out.type && p.permute_heads == 0) {
                    for (std::size_t off = 0; off < src.data.size(); off += kChunkBytes)
                        w.write(src.data.subspan(off, std::min(kChunkBytes, src.data.size() - off)));
                } else {
                    write_converted(w, p, src, static_cast<std::int64_t>(i), pool);
                }
            }
        }
        progress.advance(p.out.nbytes(), p.out.name);
    }
    while (static_cast<int>(writers.size()) < n_shards) open_shard(static_cast<int>(writers.size()));
    for (auto& w : writers) w->finish();
    progress.finish();
}

}  // namespace qforge
