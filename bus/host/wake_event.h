// Wakes an I/O thread that sleeps in poll(2): an eventfd that any thread may signal; the I/O thread
// polls fd() for POLLIN and calls drain() when it is readable.
#pragma once

#include "host/unique_fd.h"

namespace stacksim::host {

class wake_event {
public:
    wake_event(); // throws std::system_error when no eventfd can be made
    int fd() const { return m_fd.get(); }
    void signal();  // any thread; never blocks
    void drain();   // the polling thread

private:
    unique_fd m_fd;
};

} // namespace stacksim::host
