#pragma once
// Bytes the process holds on the heap right now: what the allocator has handed out and not got back. Unlike
// resident memory this does not count allocator caches, arenas' free lists or a sanitizer's quarantine and
// shadow, so a server can show (and a test can check) that serving requests leaves nothing behind.
#include <cstdint>

namespace qforge {

// glibc's count over all arenas (mallinfo2: in-use chunks plus mmapped blocks), or AddressSanitizer's own
// count when the build runs under it (its allocator replaces glibc's).
std::uint64_t heap_bytes_in_use();

}  // namespace qforge
