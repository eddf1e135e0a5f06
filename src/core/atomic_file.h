#pragma once
// Writes a file so that the target path either holds the complete result or nothing:
// data goes to an unnamed temporary file in the target's directory (O_TMPFILE, so even SIGKILL leaves nothing),
// or to a hidden "NAME.tmp.XXXXXX" where O_TMPFILE is unsupported; commit() fsyncs and renames it into place.
// Writeback of what is written starts every 64 MiB (sync_file_range), so the disk works while the caller
// computes the rest and commit()'s fsync waits only for the tail.
// SIGINT/SIGTERM/SIGHUP remove named temporaries before the process dies.
#include <cstddef>
#include <cstdint>
#include <string>

namespace qforge {

// A file path (not a directory) to unlink if SIGINT/SIGTERM/SIGHUP ends the process, until forgotten; the
// string must stay alive and unchanged meanwhile. For scratch files that live under a name.
void unlink_on_fatal_signal(const std::string& path);
void forget_on_fatal_signal(const std::string& path);

class AtomicFile {
public:
    explicit AtomicFile(std::string target);
    ~AtomicFile();  // discards the temporary unless committed
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, std::size_t n);
    void write_zeros(std::size_t n);
    std::uint64_t position() const { return position_; }
    void commit();
    const std::string& target() const { return target_; }

private:
    std::string target_;
    std::string temp_path_;  // empty when the file is unnamed (O_TMPFILE)
    int fd_ = -1;
    std::uint64_t position_ = 0;
    std::uint64_t flushed_ = 0;  // bytes whose writeback has been started
    bool committed_ = false;
};

}  // namespace qforge
