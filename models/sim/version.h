#pragma once
namespace stacksim {
const char* version();
}
