#include "core/heap_usage.h"

#include <malloc.h>

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define QFORGE_ASAN_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QFORGE_ASAN_HEAP 1
#endif
#endif

#ifdef QFORGE_ASAN_HEAP
// From the sanitizer runtime (clang's sanitizer/allocator_interface.h; GCC ships the function, not the header).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace qforge {

std::uint64_t heap_bytes_in_use() {
#ifdef QFORGE_ASAN_HEAP
    return __sanitizer_get_current_allocated_bytes();
#else
    const struct mallinfo2 m = mallinfo2();
    return static_cast<std::uint64_t>(m.uordblks) + static_cast<std::uint64_t>(m.hblkhd);
#endif
}

}  // namespace qforge
