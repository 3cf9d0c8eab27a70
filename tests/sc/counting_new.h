// Counts every heap allocation of the process: the global operator new replaced (with its
// operator delete partners). Include it from exactly one translation unit of a program (a test or
// a bench), then read allocations() around the code that must not allocate.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace stacksim::testing {
inline std::size_t g_allocations = 0;
inline std::size_t allocations() { return g_allocations; }
} // namespace stacksim::testing

// noinline: GCC 12 otherwise pairs the inlined malloc/free with new/delete expressions and warns
// (-Wmismatched-new-delete) although replacing both is the standard's own pattern.
[[gnu::noinline]] void* operator new(std::size_t n) {
    ++stacksim::testing::g_allocations;
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
