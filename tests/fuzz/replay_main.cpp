// A main() for the fuzz targets when they are built without libFuzzer (the normal gcc build):
// runs LLVMFuzzerTestOneInput once on every file given, or on every file inside each directory
// given (sorted by name, hidden files skipped). A violated invariant or a crash aborts, so the
// ctest that runs this over tests/fuzz/corpus/<target> and tests/fuzz/regressions/<target>
// fails. Directories that do not exist are skipped (a target may have no regressions yet).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_check.h"

namespace fs = std::filesystem;

namespace {

bool replay(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A copy on the heap of exactly the file's size, as libFuzzer passes it.
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.data(), data.size());
    return true;
}

} // namespace

int main(int argc, char** argv) {
    std::size_t n = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        if (fs::is_directory(arg)) {
            std::vector<fs::path> files;
            for (const fs::directory_entry& e : fs::directory_iterator(arg))
                if (e.is_regular_file() && e.path().filename().string().front() != '.')
                    files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const fs::path& f : files) {
                ok = replay(f) && ok;
                ++n;
            }
        } else if (fs::is_regular_file(arg)) {
            ok = replay(arg) && ok;
            ++n;
        } else {
            std::printf("replay: %s does not exist, skipped\n", arg.c_str());
        }
    }
    std::printf("replay: %zu inputs%s\n", n, ok ? ", no invariant violated" : ", some unreadable");
    return ok ? 0 : 2;
}
