#pragma once
// CTranslate2's model.bin (the binary model specification its loader reads, src/models/model.cc; version 6,
// little-endian, no padding):
//   u32 version | string spec name | u32 spec revision | u32 variable count
//   per variable: string name | u8 rank | u32 dims[rank] | u8 dtype | u32 byte count | bytes
//   u32 alias count | per alias: string alias | string target
// A string is a u16 length that counts a terminating NUL, the bytes, then the NUL. Scalars are rank 0.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/mapped_file.h"

namespace qforge {

inline constexpr std::uint32_t kCt2BinaryVersion = 6;

// CTranslate2's DataType ids.
enum class Ct2Dtype : std::uint8_t { F32 = 0, I8 = 1, I16 = 2, I32 = 3, F16 = 4, BF16 = 5 };

std::size_t ct2_dtype_size(Ct2Dtype t);
const char* ct2_dtype_name(Ct2Dtype t);

struct Ct2VariableInfo {
    std::string name;
    std::vector<std::uint32_t> shape;  // empty: a scalar
    Ct2Dtype dtype = Ct2Dtype::F32;
    std::uint64_t elements() const;
    std::uint64_t bytes() const { return elements() * ct2_dtype_size(dtype); }
};

// Writes the variables announced up front, in that order, each as its bytes arrive; the file appears at
// finish() (AtomicFile) or not at all.
class Ct2ModelBinWriter {
public:
    Ct2ModelBinWriter(const std::string& path, const std::string& spec, std::uint32_t revision, std::vector<Ct2VariableInfo> variables);
    // The next announced variable's bytes (its exact size).
    void write(std::span<const std::uint8_t> bytes);
    void finish(const std::vector<std::pair<std::string, std::string>>& aliases);

private:
    void write_string(const std::string& s, const char* what);
    AtomicFile file_;
    std::vector<Ct2VariableInfo> variables_;
    std::size_t next_ = 0;
};

struct Ct2Variable {
    Ct2VariableInfo info;
    std::span<const std::uint8_t> data;  // inside the mapped file
};

// model.bin mapped and parsed; every field is checked (errors name the file, the field and the offset).
class Ct2ModelBin {
public:
    explicit Ct2ModelBin(const std::string& path);
    const std::string& path() const { return path_; }
    std::uint32_t version() const { return version_; }
    const std::string& spec() const { return spec_; }
    std::uint32_t revision() const { return revision_; }
    const std::vector<Ct2Variable>& variables() const { return variables_; }
    const std::vector<std::pair<std::string, std::string>>& aliases() const { return aliases_; }
    // A variable by name, through an alias if needed; nullptr when absent.
    const Ct2Variable* find(const std::string& name) const;

private:
    std::string path_;
    MappedFile file_;
    std::uint32_t version_ = 0, revision_ = 0;
    std::string spec_;
    std::vector<Ct2Variable> variables_;
    std::vector<std::pair<std::string, std::string>> aliases_;
};

}  // namespace qforge
