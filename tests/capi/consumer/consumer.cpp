// The installed C++ view: same job as consumer.c.
#include <ssogate/ssogate.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char **argv) {
    if (argc != 2) {
        return 2;
    }
    std::ifstream in(argv[1], std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    try {
        const auto idp = ssogate::Idp::import_metadata(s.str());
        std::cout << ssogate::version_string() << " " << idp.entity_id() << "\n";
    } catch (const ssogate::Error &e) {
        std::cerr << e.what() << "\n";
        return 3;
    }
    return 0;
}
