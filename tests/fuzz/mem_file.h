#pragma once
// Fuzz input as a file the readers can open and mmap (an in-memory memfd, reached through /proc/self/fd).
#include <cstddef>
#include <cstdint>
#include <string>

namespace qforge::fuzz {

class MemFile {
public:
    MemFile(const std::uint8_t* data, std::size_t size);
    ~MemFile();
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;
    const std::string& path() const { return path_; }

private:
    int fd_ = -1;
    std::string path_;
};

}  // namespace qforge::fuzz
