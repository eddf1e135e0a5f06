#include "quant/kernels/linear_weight.h"

#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"

namespace qforge {
namespace {

// Drops the mapped file pages of a tensor that now lives repacked (they are re-read from the file if anything
// touches them again), so resident memory is not the file plus its copy. Only for read-only file mappings:
// on anonymous memory this would zero the pages.
void release_pages(std::span<const std::uint8_t> bytes) {
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto begin = (reinterpret_cast<std::uintptr_t>(bytes.data()) + page - 1) / page * page;
    const auto end = (reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.size()) / page * page;
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace

void LinearWeight::init(const TensorView& view) {
    if (view.ne.size() != 2) fail("tensor '{}' is not a matrix", view.name);
    view_ = &view;
    n_in_ = view.ne[0];
    n_out_ = view.ne[1];
    if (n_out_ < 1 || n_in_ < 1) fail("tensor '{}' is empty", view.name);
    stride_ = view.data.size() / static_cast<std::size_t>(n_out_);
}

LinearWeight LinearWeight::rows_in_place(const TensorView& view) {
    LinearWeight w;
    w.init(view);
    w.kernel_ = &gemm_rows_kernel(view.type);
    return w;
}

LinearWeight::LinearWeight(const TensorView& view, ThreadPool* pool, Source source, KernelChoice choice) {
    init(view);
    kernel_ = &gemm_kernel_for(view.type, n_in_, n_out_, choice);
    if (kernel_->kind != GemmKernel::Kind::Interleaved) return;
    const std::int64_t group = kernel_->row_group, groups = (n_out_ + group - 1) / group;
    const std::size_t row_bytes = stride_;
    stride_ = kernel_->group_bytes(n_in_);
    packed_.reserve(stride_ * static_cast<std::size_t>(groups));
    const GemmKernel& k = *kernel_;
    std::uint8_t* out = packed_.data();
    const std::uint8_t* src = view.data.data();
    const std::int64_t n_out = n_out_, n_in = n_in_;
    const std::size_t stride = stride_;
    auto pack_groups = [&](std::int64_t g0, std::int64_t g1) {
        for (std::int64_t g = g0; g < g1; ++g) {
            const std::int64_t r0 = g * group, n = std::min(group, n_out - r0);
            k.pack(src + static_cast<std::size_t>(r0) * row_bytes, row_bytes, n, out + static_cast<std::size_t>(g) * stride, n_in);
        }
    };
    if (pool != nullptr) pool->parallel_chunks(groups, 16, pack_groups);
    else pack_groups(0, groups);
    if (source == Source::MappedFile) release_pages(view.data);
}

std::size_t LinearWeight::bytes() const {
    if (repacked()) return stride_ * static_cast<std::size_t>((n_out_ + kernel_->row_group - 1) / kernel_->row_group);
    return view_->data.size();
}

}  // namespace qforge
