#include "sim/version.h"
namespace stacksim {
const char* version() { return "0.1.0"; }
}
