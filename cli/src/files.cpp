#include "files.hpp"

#include <ssogate/ssogate.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace {

std::string why(const std::string &doing, const std::string &path) {
    return doing + " " + path + ": " + std::strerror(errno);
}

// "https://idp.example.com/metadata" and the like: a scheme, then "://".
bool looks_like_url(const std::string &path) {
    const auto sep = path.find("://");
    if (sep == std::string::npos || sep == 0) return false;
    for (std::size_t i = 0; i < sep; ++i) {
        const char c = path[i];
        const bool ok =
            std::isalpha(static_cast<unsigned char>(c)) != 0 ||
            (i > 0 && (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.'));
        if (!ok) return false;
    }
    return true;
}

}  // namespace

std::string read_input(const std::string &path, std::size_t cap, std::string_view what) {
    const bool is_stdin = path == "-";
    const int fd = is_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && looks_like_url(path)) {
        throw IoError("FILE_IS_URL", std::string(what) + " " + path +
                                         " is a URL: the ssogate command reads files (it does not fetch URLs). "
                                         "Download it first, e.g. curl -fsS -o file.xml '" +
                                         path + "', and pass the file");
    }
    if (fd < 0) throw IoError("FILE_UNREADABLE", why("cannot read " + std::string(what), path));
    struct Closer {
        int fd;
        bool owned;
        ~Closer() {
            if (owned) ::close(fd);
        }
    } closer{fd, !is_stdin};
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        throw IoError("FILE_IS_DIRECTORY", std::string(what) + " " + path + " is a directory; expected a file");
    }
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw IoError("FILE_UNREADABLE",
                          why("cannot read " + std::string(what), is_stdin ? std::string("stdin") : path));
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > cap) {
            throw ssogate::Error(SSOGATE_INPUT_TOO_LARGE, std::string(what) + " " +
                                                              (is_stdin ? std::string("(stdin)") : path) +
                                                              " is larger than " + std::to_string(cap) +
                                                              " bytes, the most accepted; stopped "
                                                              "reading there");
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

void write_output(const std::string &path, const std::string &text, unsigned mode) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
    if (fd < 0) throw IoError("FILE_UNWRITABLE", why("cannot write", path));
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const std::string message = why("cannot write", path);
            ::close(fd);
            throw IoError("FILE_UNWRITABLE", message);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) throw IoError("FILE_UNWRITABLE", why("cannot write", path));
}
