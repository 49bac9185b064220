#include "fuzz_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ssogate::fuzz {

void violated(const char *what) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        std::abort();
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace ssogate::fuzz
