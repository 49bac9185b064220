// The test metadata host (tests/support/metadata_server.py) for one test: HTTPS and HTTP on 127.0.0.1
// with its own test CA, serving the files of a temporary directory; stopped by its pid.
#pragma once

#include <nlohmann/json.hpp>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace metadata_test {

class MetadataServer {
public:
    MetadataServer() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ssogate-metadata-host-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        int p[2];
        if (::pipe(p) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
            ::dup2(p[1], STDOUT_FILENO);
            ::close(p[0]);
            ::close(p[1]);
            const std::string script = std::string(SSOGATE_SOURCE_DIR) + "/tests/support/metadata_server.py";
            ::execlp("python3", "python3", script.c_str(), dir_.c_str(), static_cast<char *>(nullptr));
            ::_exit(127);
        }
        ::close(p[1]);
        std::string line;
        char c = 0;
        while (::read(p[0], &c, 1) == 1 && c != '\n') line += c;
        ::close(p[0]);
        if (line.empty()) throw std::runtime_error("metadata_server.py did not start");
        const auto j = nlohmann::json::parse(line);
        https_port_ = j.at("https_port").get<int>();
        http_port_ = j.at("http_port").get<int>();
        ca_file_ = j.at("ca_file").get<std::string>();
    }
    ~MetadataServer() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    MetadataServer(const MetadataServer &) = delete;
    MetadataServer &operator=(const MetadataServer &) = delete;

    std::string https(const std::string &path) const {
        return "https://127.0.0.1:" + std::to_string(https_port_) + "/" + path;
    }
    std::string http(const std::string &path) const {
        return "http://127.0.0.1:" + std::to_string(http_port_) + "/" + path;
    }
    std::string localhost(const std::string &path) const {
        return "https://localhost:" + std::to_string(https_port_) + "/" + path;
    }
    const std::string &ca_file() const { return ca_file_; }

    // Writes a file the server serves; `mtime` (Unix seconds) sets its Last-Modified.
    void put(const std::string &name, const std::string &content, long mtime = 0) const {
        const auto path = dir_ / name;
        std::ofstream(path, std::ios::binary) << content;
        if (mtime > 0) {
            std::filesystem::last_write_time(
                path, std::filesystem::file_time_type::clock::from_sys(std::chrono::system_clock::from_time_t(mtime)));
        }
    }
    // The requests the server saw, one line each: "GET /path If-None-Match If-Modified-Since".
    std::string requests() const {
        std::ifstream in(dir_ / "requests.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

private:
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    int https_port_ = 0;
    int http_port_ = 0;
    std::string ca_file_;
};

}  // namespace metadata_test
