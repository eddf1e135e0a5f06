#pragma once
// A unique path in the temporary directory ($TMPDIR or /tmp) for a file that lives only as long as this object
// (a model converted to GGUF so it can be mapped); whatever is at the path is removed on destruction, and the
// file also when SIGINT/SIGTERM/SIGHUP ends the process.
#include <string>

namespace qforge {

class ScratchPath {
public:
    explicit ScratchPath(const std::string& suffix);
    ~ScratchPath();
    ScratchPath(const ScratchPath&) = delete;
    ScratchPath& operator=(const ScratchPath&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace qforge
