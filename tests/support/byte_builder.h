#pragma once
// Builds little-endian binary files field by field, so tests can craft valid and deliberately broken inputs.
#include <cstdint>
#include <cstring>
#include <string>

namespace qforge::test {

class ByteBuilder {
public:
    template <typename T>
    ByteBuilder& put(T v) {
        char b[sizeof(T)];
        std::memcpy(b, &v, sizeof(T));
        bytes_.append(b, sizeof(T));
        return *this;
    }
    ByteBuilder& u8(std::uint8_t v) { return put(v); }
    ByteBuilder& u32(std::uint32_t v) { return put(v); }
    ByteBuilder& i32(std::int32_t v) { return put(v); }
    ByteBuilder& u64(std::uint64_t v) { return put(v); }
    ByteBuilder& f32(float v) { return put(v); }
    ByteBuilder& raw(const std::string& s) { bytes_ += s; return *this; }
    ByteBuilder& gguf_str(const std::string& s) { u64(s.size()); return raw(s); }
    ByteBuilder& zeros(std::size_t n) { bytes_.append(n, '\0'); return *this; }
    ByteBuilder& pad_to(std::size_t alignment) {
        while (bytes_.size() % alignment) bytes_ += '\0';
        return *this;
    }
    std::size_t size() const { return bytes_.size(); }
    const std::string& str() const { return bytes_; }

private:
    std::string bytes_;
};

}  // namespace qforge::test
