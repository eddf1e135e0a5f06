#include "formats/ctranslate2/ct2_model_bin.h"

#include <cstring>
#include <limits>

#include "core/byte_reader.h"
#include "core/error.h"

namespace qforge {

std::size_t ct2_dtype_size(Ct2Dtype t) {
    switch (t) {
        case Ct2Dtype::I8: return 1;
        case Ct2Dtype::I16: case Ct2Dtype::F16: case Ct2Dtype::BF16: return 2;
        default: return 4;
    }
}

const char* ct2_dtype_name(Ct2Dtype t) {
    switch (t) {
        case Ct2Dtype::F32: return "float32";
        case Ct2Dtype::I8: return "int8";
        case Ct2Dtype::I16: return "int16";
        case Ct2Dtype::I32: return "int32";
        case Ct2Dtype::F16: return "float16";
        case Ct2Dtype::BF16: return "bfloat16";
    }
    return "?";
}

std::uint64_t Ct2VariableInfo::elements() const {
    std::uint64_t n = 1;
    for (std::uint32_t d : shape) n *= d;
    return n;
}

Ct2ModelBinWriter::Ct2ModelBinWriter(const std::string& path, const std::string& spec, std::uint32_t revision,
                                     std::vector<Ct2VariableInfo> variables)
    : file_(path), variables_(std::move(variables)) {
    if (variables_.size() > std::numeric_limits<std::uint32_t>::max()) fail("{}: {} variables", path, variables_.size());
    const std::uint32_t head[] = {kCt2BinaryVersion};
    file_.write(head, sizeof head);
    write_string(spec, "spec name");
    file_.write(&revision, sizeof revision);
    const auto n = static_cast<std::uint32_t>(variables_.size());
    file_.write(&n, sizeof n);
}

void Ct2ModelBinWriter::write_string(const std::string& s, const char* what) {
    if (s.size() + 1 > std::numeric_limits<std::uint16_t>::max() || s.find('\0') != std::string::npos)
        fail("{}: {} '{}' cannot be written (at most 65534 bytes, no NUL)", file_.target(), what, s.substr(0, 64));
    const auto len = static_cast<std::uint16_t>(s.size() + 1);
    file_.write(&len, sizeof len);
    file_.write(s.data(), s.size());
    file_.write_zeros(1);
}

void Ct2ModelBinWriter::write(std::span<const std::uint8_t> bytes) {
    if (next_ >= variables_.size()) fail("{}: more variables written than announced", file_.target());
    const Ct2VariableInfo& v = variables_[next_];
    if (bytes.size() != v.bytes())
        fail("{}: variable '{}' has {} bytes, its shape and {} need {}", file_.target(), v.name, bytes.size(), ct2_dtype_name(v.dtype), v.bytes());
    if (v.bytes() > std::numeric_limits<std::uint32_t>::max())
        fail("{}: variable '{}' has {} bytes; model.bin counts a variable's bytes in 32 bits", file_.target(), v.name, v.bytes());
    if (v.shape.size() > 255) fail("{}: variable '{}' has rank {}", file_.target(), v.name, v.shape.size());
    write_string(v.name, "variable name");
    const auto rank = static_cast<std::uint8_t>(v.shape.size());
    file_.write(&rank, 1);
    file_.write(v.shape.data(), v.shape.size() * sizeof(std::uint32_t));
    const auto dtype = static_cast<std::uint8_t>(v.dtype);
    file_.write(&dtype, 1);
    const auto n = static_cast<std::uint32_t>(bytes.size());
    file_.write(&n, sizeof n);
    file_.write(bytes.data(), bytes.size());
    ++next_;
}

void Ct2ModelBinWriter::finish(const std::vector<std::pair<std::string, std::string>>& aliases) {
    if (next_ != variables_.size()) fail("{}: {} of {} variables written", file_.target(), next_, variables_.size());
    const auto n = static_cast<std::uint32_t>(aliases.size());
    file_.write(&n, sizeof n);
    for (const auto& [alias, target] : aliases) {
        write_string(alias, "alias");
        write_string(target, "alias target");
    }
    file_.commit();
}

namespace {

std::string read_string(ByteReader& r, const std::string& what) {
    const auto len = r.read<std::uint16_t>(what + " length");
    if (len == 0) fail("{}: {} at offset {} has length 0 (the length counts a terminating NUL)", r.file(), what, r.offset() - 2);
    const auto bytes = r.take(len, what);
    if (bytes[len - 1] != 0) fail("{}: {} at offset {} does not end with NUL", r.file(), what, r.offset() - len);
    std::string s(reinterpret_cast<const char*>(bytes.data()), len - 1);
    if (s.find('\0') != std::string::npos) fail("{}: {} at offset {} holds a NUL inside", r.file(), what, r.offset() - len);
    return s;
}

}  // namespace

Ct2ModelBin::Ct2ModelBin(const std::string& path) : path_(path), file_(path) {
    ByteReader r(file_.bytes(), path);
    version_ = r.read<std::uint32_t>("binary version");
    if (version_ < 4 || version_ > kCt2BinaryVersion)
        fail("{}: CTranslate2 model binary version {} (read: 4 to {}; older files predate typed variables, newer ones "
             "need a newer reader)", path, version_, kCt2BinaryVersion);
    spec_ = read_string(r, "spec name");
    revision_ = r.read<std::uint32_t>("spec revision");
    const auto n = r.read<std::uint32_t>("variable count");
    // each variable takes at least 9 bytes: a bound on the count before reserving for it
    if (n > r.remaining() / 9) fail("{}: {} variables announced in {} bytes", path, n, r.remaining());
    variables_.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        Ct2Variable v;
        v.info.name = read_string(r, "variable name");
        if (v.info.name.empty()) fail("{}: variable {} has an empty name", path, i);
        const auto rank = r.read<std::uint8_t>("rank of '" + v.info.name + "'");
        for (std::uint8_t d = 0; d < rank; ++d) v.info.shape.push_back(r.read<std::uint32_t>("shape of '" + v.info.name + "'"));
        const auto dtype = r.read<std::uint8_t>("dtype of '" + v.info.name + "'");
        if (dtype > static_cast<std::uint8_t>(Ct2Dtype::BF16))
            fail("{}: variable '{}' has data type id {} (expected 0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16)", path,
                 v.info.name, dtype);
        v.info.dtype = static_cast<Ct2Dtype>(dtype);
        const auto bytes = r.read<std::uint32_t>("byte count of '" + v.info.name + "'");
        std::uint64_t elements = 1;
        for (std::uint32_t d : v.info.shape) {
            if (d != 0 && elements > std::numeric_limits<std::uint32_t>::max() / d) fail("{}: variable '{}' is too large for its byte count", path, v.info.name);
            elements *= d;
        }
        if (elements * ct2_dtype_size(v.info.dtype) != bytes)
            fail("{}: variable '{}' has {} bytes; {} {} elements need {}", path, v.info.name, bytes, elements, ct2_dtype_name(v.info.dtype),
                 elements * ct2_dtype_size(v.info.dtype));
        v.data = r.take(bytes, "data of '" + v.info.name + "'");
        variables_.push_back(std::move(v));
    }
    const auto n_alias = r.read<std::uint32_t>("alias count");
    if (n_alias > r.remaining() / 4) fail("{}: {} aliases announced in {} bytes", path, n_alias, r.remaining());
    for (std::uint32_t i = 0; i < n_alias; ++i) {
        std::string alias = read_string(r, "alias");
        std::string target = read_string(r, "alias target");
        aliases_.emplace_back(std::move(alias), std::move(target));
    }
    for (const auto& [alias, target] : aliases_) {
        bool found = false;
        for (const Ct2Variable& v : variables_) found = found || v.info.name == target;
        if (!found) fail("{}: alias '{}' names '{}', which is no variable of the file", path, alias, target);
    }
    if (r.remaining() != 0) fail("{}: {} bytes after the aliases", path, r.remaining());
}

const Ct2Variable* Ct2ModelBin::find(const std::string& name) const {
    for (const Ct2Variable& v : variables_)
        if (v.info.name == name) return &v;
    for (const auto& [alias, target] : aliases_)
        if (alias == name) return find(target);
    return nullptr;
}

}  // namespace qforge
