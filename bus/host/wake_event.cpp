#include "host/wake_event.h"

#include <cerrno>
#include <cstdint>
#include <system_error>

#include <sys/eventfd.h>

namespace stacksim::host {

wake_event::wake_event() : m_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!m_fd)
        throw std::system_error(errno, std::generic_category(), "eventfd");
}

void wake_event::signal() {
    const std::uint64_t one = 1;
    // EAGAIN only when the counter is at its maximum: the thread is woken anyway.
    [[maybe_unused]] const ssize_t n = ::write(m_fd.get(), &one, sizeof one);
}

void wake_event::drain() {
    std::uint64_t v = 0;
    [[maybe_unused]] const ssize_t n = ::read(m_fd.get(), &v, sizeof v);
}

} // namespace stacksim::host
