#pragma once
// A weight matrix ready for products: its kernel, chosen once from its type, shape and the CPU (gemm.h), and
// the bytes that kernel reads, either the mapped GGUF rows in place or a copy repacked into the kernel's
// layout when the model loads. Repacked weights give their mapped pages back to the kernel (the file keeps
// them), so memory holds one copy.
#include <cstdint>

#include "core/aligned_buffer.h"
#include "core/tensor_view.h"
#include "core/thread_pool.h"
#include "quant/kernels/gemm.h"

namespace qforge {

class LinearWeight {
public:
    // Where the view's bytes live: in a read-only file mapping (whose pages may be dropped once repacked), or
    // in memory the caller owns (never touched).
    enum class Source { MappedFile, Memory };
    LinearWeight() = default;
    // view: a 2-D weight (ne = {n_in, n_out}) that outlives this, with the fastest kernel this CPU has for it
    // (of llama.cpp's summation order unless choice says otherwise: gemm.h); repacked into that kernel's
    // layout (over the pool, or on this thread when it is null) if it has one.
    LinearWeight(const TensorView& view, ThreadPool* pool, Source source, KernelChoice choice = KernelChoice::LlamaCppOrder);
    // The view's rows in place with the rows kernel: no copy (one-off products of a few tokens).
    static LinearWeight rows_in_place(const TensorView& view);

    const TensorView& view() const { return *view_; }
    const GemmKernel& kernel() const { return *kernel_; }
    std::int64_t n_in() const { return n_in_; }
    std::int64_t n_out() const { return n_out_; }
    // What the kernel reads and the bytes from one group of rows (or one row) to the next.
    const std::uint8_t* data() const { return packed_.size() > 0 ? packed_.data() : view_->data.data(); }
    std::size_t stride() const { return stride_; }
    bool repacked() const { return packed_.size() > 0; }
    std::size_t bytes() const;  // bytes a product streams: the packed copy or the rows

private:
    void init(const TensorView& view);
    const TensorView* view_ = nullptr;
    const GemmKernel* kernel_ = nullptr;
    std::int64_t n_in_ = 0, n_out_ = 0;
    std::size_t stride_ = 0;
    AlignedBuffer packed_;
};

}  // namespace qforge
