// stream_port "pty:PATH" (stream_port.h): a pseudo-terminal whose slave a host program opens as
// if it were a serial adapter (/dev/ttyACM0), reached through a symlink at PATH.
//
// Created at construction: posix_openpt/grantpt/unlockpt, raw mode (cfmakeraw; set through the
// master, which sets the slave's termios), the slave opened and closed once so that the master
// reports POLLHUP until a client opens it. The symlink is made under a temporary name in PATH's
// directory and renamed over PATH, so PATH is replaced atomically when it is a symlink (a stale one
// of an earlier run); anything else at PATH (a file, a directory, a device) is refused. stop()
// removes the symlink if it still points to this pty.
//
// Client presence: inotify on the slave device reports every open and close (IN_OPEN,
// IN_CLOSE_*), in order, however quickly a host closes and reopens (pyserial closing and python-can
// opening at once); the port counts the slave's openers. The first open = "connected" (raw mode is
// applied again: a previous client may have changed it); the last close = the bytes still in the
// pty are read, then "disconnected". While nobody has the slave open the master is left out of
// poll(2) (it would report POLLHUP at once, a busy loop); the loop then sleeps on inotify and its
// wake-up only. Bytes a host wrote before its open was processed wait in the pty and are read.
#pragma once

#include <string>

#include "host/threaded_stream_port.h"
#include "host/unique_fd.h"

namespace stacksim::host {

class pty_stream_port final : public threaded_stream_port {
public:
    // Throws std::invalid_argument naming `spec` and the reason.
    pty_stream_port(const std::string& spec, const std::string& path);
    ~pty_stream_port() override;

    std::string describe() const override { return "pty " + m_path + " -> " + m_slave; }
    const std::string& slave_path() const { return m_slave; }

private:
    void run() override;
    void close_port() override;
    void make_raw() const;
    // Reads what the master has for us, up to EAGAIN (all read) or EIO (slave side closed, empty).
    void read_available();
    // Applies the queued inotify events; `connected` follows the count of openers.
    void handle_open_close_events(bool& connected);

    std::string m_path;  // the symlink
    std::string m_slave; // /dev/pts/N
    unique_fd m_master;
    unique_fd m_inotify; // watches m_slave for opens and closes
    int m_openers = 0;   // I/O thread: processes that have the slave open, from inotify
};

} // namespace stacksim::host
