#include "formats/tensor_byte_stream.h"

#include "core/error.h"

namespace qforge {

TensorByteStream::TensorByteStream(AtomicFile& out, std::vector<std::uint64_t> sizes, std::uint64_t alignment)
    : out_(out), sizes_(std::move(sizes)), alignment_(alignment == 0 ? 1 : alignment) {}

void TensorByteStream::skip_empty() {
    while (current_ < sizes_.size() && written_in_current_ == 0 && sizes_[current_] == 0) ++current_;
}

void TensorByteStream::write(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        skip_empty();
        if (current_ >= sizes_.size())
            fail("{}: more tensor data than the {} declared tensors hold", out_.target(), sizes_.size());
        const std::uint64_t need = sizes_[current_] - written_in_current_;
        const std::uint64_t n = bytes.size() < need ? bytes.size() : need;
        out_.write(bytes.data(), n);
        written_in_current_ += n;
        bytes = bytes.subspan(n);
        if (written_in_current_ == sizes_[current_]) {
            out_.write_zeros((alignment_ - out_.position() % alignment_) % alignment_);
            ++current_;
            written_in_current_ = 0;
        }
    }
}

void TensorByteStream::check_complete() {
    skip_empty();
    if (current_ != sizes_.size())
        fail("{}: only {} of {} tensors were written", out_.target(), current_, sizes_.size());
}

}  // namespace qforge
