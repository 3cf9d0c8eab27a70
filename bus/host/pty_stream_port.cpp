#include "host/pty_stream_port.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

namespace stacksim::host {

namespace {

std::string errno_text() { return std::strerror(errno); }

} // namespace

pty_stream_port::pty_stream_port(const std::string& spec, const std::string& path) : m_path(path) {
    const auto fail = [&](const std::string& why) { throw std::invalid_argument(spec + ": " + why); };
    if (path.empty())
        fail("no path for the symlink");
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISLNK(st.st_mode))
        fail(path + " exists and is not a symlink; not replaced");

    m_master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!m_master)
        fail("posix_openpt: " + errno_text());
    if (::grantpt(m_master.get()) != 0 || ::unlockpt(m_master.get()) != 0)
        fail("grantpt/unlockpt: " + errno_text());
    char name[PATH_MAX] = {};
    if (::ptsname_r(m_master.get(), name, sizeof name) != 0)
        fail("ptsname: " + errno_text());
    m_slave = name;
    make_raw();
    // Open and close the slave once: from then on the master reports POLLHUP until a client opens it
    // (a never-opened slave reports nothing).
    {
        unique_fd s(::open(m_slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!s)
            fail("cannot open " + m_slave + ": " + errno_text());
    }
    const int flags = ::fcntl(m_master.get(), F_GETFL);
    ::fcntl(m_master.get(), F_SETFL, flags | O_NONBLOCK);
    // After our own open and close: from here on every event is a client's.
    m_inotify.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!m_inotify || ::inotify_add_watch(m_inotify.get(), m_slave.c_str(), IN_OPEN | IN_CLOSE) < 0)
        fail("inotify on " + m_slave + ": " + errno_text());

    // Atomic replacement: a symlink under a temporary name in the same directory, renamed over PATH.
    const std::filesystem::path p(path);
    const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    const std::string tmp = (dir / ("." + p.filename().string() + ".stacksim-" + std::to_string(::getpid()))).string();
    ::unlink(tmp.c_str());
    if (::symlink(m_slave.c_str(), tmp.c_str()) != 0)
        fail("cannot create a symlink in " + dir.string() + ": " + errno_text());
    // Checked again just before the rename: something other than a symlink may have appeared.
    if (::lstat(path.c_str(), &st) == 0 && !S_ISLNK(st.st_mode)) {
        ::unlink(tmp.c_str());
        fail(path + " exists and is not a symlink; not replaced");
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = errno_text();
        ::unlink(tmp.c_str());
        fail("cannot place the symlink at " + path + ": " + why);
    }
}

pty_stream_port::~pty_stream_port() { stop(); }

void pty_stream_port::make_raw() const {
    termios t{};
    if (::tcgetattr(m_master.get(), &t) == 0) {
        ::cfmakeraw(&t);
        ::tcsetattr(m_master.get(), TCSANOW, &t);
    }
}

void pty_stream_port::close_port() {
    if (m_path.empty())
        return;
    char target[PATH_MAX] = {};
    const ssize_t n = ::readlink(m_path.c_str(), target, sizeof target - 1);
    if (n > 0 && std::string(target, static_cast<std::size_t>(n)) == m_slave)
        ::unlink(m_path.c_str());
    m_master.reset();
}

void pty_stream_port::read_available() {
    char buf[4096];
    for (;;) {
        const ssize_t r = ::read(m_master.get(), buf, sizeof buf);
        if (r > 0) {
            received(std::string_view(buf, static_cast<std::size_t>(r)));
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        return; // EAGAIN: all read; EIO: the slave side is closed and nothing is left
    }
}

void pty_stream_port::handle_open_close_events(bool& connected) {
    alignas(inotify_event) char buf[4096];
    for (;;) {
        const ssize_t r = ::read(m_inotify.get(), buf, sizeof buf);
        if (r <= 0)
            return;
        for (ssize_t off = 0; off < r;) {
            const auto* e = reinterpret_cast<const inotify_event*>(buf + off);
            off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
            if (e->mask & IN_Q_OVERFLOW) {
                // Events were lost: take the count from the master (POLLHUP = nobody has it open).
                pollfd p{m_master.get(), POLLIN, 0};
                m_openers = ::poll(&p, 1, 0) > 0 && (p.revents & POLLHUP) ? 0 : 1;
            } else if (e->mask & IN_OPEN) {
                ++m_openers;
            } else if ((e->mask & IN_CLOSE) && m_openers > 0) {
                --m_openers;
            }
            if (m_openers > 0 && !connected) {
                make_raw();
                connected = true;
                client_connected(m_slave);
            } else if (m_openers == 0 && connected) {
                read_available(); // the last bytes of the client that left
                connected = false;
                client_gone(m_slave, "closed by the client");
            }
        }
    }
}

void pty_stream_port::run() {
    notify("listening", describe());
    bool connected = false;
    while (!stopping()) {
        // The master only while a client has the slave open: without one it reports POLLHUP at once.
        pollfd fds[3] = {{wake_fd(), POLLIN, 0},
                         {m_inotify.get(), POLLIN, 0},
                         {m_master.get(), static_cast<short>(POLLIN | (output_pending() ? POLLOUT : 0)), 0}};
        if (::poll(fds, connected ? 3 : 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            notify("error", "poll: " + errno_text());
            break;
        }
        if (fds[0].revents & POLLIN)
            wake_drain();
        if (stopping())
            break;
        if (fds[1].revents & POLLIN) {
            handle_open_close_events(connected);
            continue; // poll again with the master in or out
        }
        if (!connected)
            continue;
        const short ev = fds[2].revents;
        if (ev & POLLIN)
            read_available();
        if (ev & POLLOUT) {
            int err = 0;
            if (!flush_to(m_master.get(), false, err)) {
                // EIO: the slave closed a moment ago; its inotify event is on its way.
                if (err != EIO)
                    notify("error", "write: " + std::string(std::strerror(err)));
            }
        }
        if ((ev & POLLHUP) && !(ev & POLLIN)) {
            // Closed, and the inotify event not read yet: wait for it instead of spinning on POLLHUP.
            pollfd in{m_inotify.get(), POLLIN, 0};
            ::poll(&in, 1, 100);
        }
    }
}

} // namespace stacksim::host
