#pragma once
// A byte buffer aligned to a cache line (64 bytes), for SIMD data: repacked weights, converted activations,
// scratch. Grows on request and never shrinks, so a buffer sized when a session starts is reused without
// allocating in the hot loop.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

namespace qforge {

class AlignedBuffer {
public:
    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t bytes) { reserve(bytes); }
    AlignedBuffer(AlignedBuffer&& o) noexcept : data_(std::move(o.data_)), size_(o.size_) { o.size_ = 0; }
    AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
        data_ = std::move(o.data_);
        size_ = o.size_;
        o.size_ = 0;
        return *this;
    }

    // Makes room for at least `bytes`; the contents are not kept when it grows.
    void reserve(std::size_t bytes) {
        if (bytes <= size_) return;
        const std::size_t rounded = (bytes + 63) / 64 * 64;
        void* p = std::aligned_alloc(64, rounded);
        if (p == nullptr) throw std::bad_alloc();
        data_.reset(static_cast<std::uint8_t*>(p));
        size_ = rounded;
    }
    std::uint8_t* data() { return data_.get(); }
    const std::uint8_t* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    template <typename T>
    T* as() { return reinterpret_cast<T*>(data_.get()); }
    template <typename T>
    const T* as_const() const { return reinterpret_cast<const T*>(data_.get()); }

private:
    struct Free {
        void operator()(std::uint8_t* p) const { std::free(p); }
    };
    std::unique_ptr<std::uint8_t, Free> data_;
    std::size_t size_ = 0;
};

}  // namespace qforge
