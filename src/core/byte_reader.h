#pragma once
// Bounds-checked little-endian reads from a byte span. Every read checks the remaining length first, so a
// truncated or lying file ends in an Error naming the file, the field and the offset, never in a bad access.
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace qforge {

class ByteReader {
public:
    ByteReader(std::span<const std::uint8_t> bytes, std::string file) : bytes_(bytes), file_(std::move(file)) {}

    std::uint64_t offset() const { return pos_; }
    std::uint64_t remaining() const { return bytes_.size() - pos_; }
    const std::string& file() const { return file_; }

    void need(std::uint64_t n, std::string_view what) const {
        if (n > remaining())
            fail("{}: truncated at offset {} reading {}: need {} bytes, {} left", file_, pos_, what, n, remaining());
    }

    template <typename T>
    T read(std::string_view what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::span<const std::uint8_t> take(std::uint64_t n, std::string_view what) {
        need(n, what);
        auto s = bytes_.subspan(pos_, n);
        pos_ += n;
        return s;
    }

    void skip(std::uint64_t n, std::string_view what) { take(n, what); }

private:
    std::span<const std::uint8_t> bytes_;
    std::string file_;
    std::uint64_t pos_ = 0;
};

}  // namespace qforge
