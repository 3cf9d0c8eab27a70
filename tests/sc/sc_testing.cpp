#include "sc_testing.h"

#include <cstdlib>
#include <string>

namespace {

void report_handler(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
    if (report.get_severity() >= sc_core::SC_WARNING) {
        ADD_FAILURE() << "SystemC " << (report.get_severity() == sc_core::SC_WARNING ? "warning" : "error") << " ["
                      << report.get_msg_type() << "] " << report.get_msg();
    }
    if (actions & sc_core::SC_THROW)
        throw report;
}

} // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    sc_core::sc_report_handler::set_handler(report_handler);
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DISPLAY);
    return RUN_ALL_TESTS();
}

// Debian's libsystemc needs sc_main to exist (systemc-style.md §8); benches build and run their
// modules directly from the test body instead.
extern "C" int sc_main(int, char**) { return 0; }
