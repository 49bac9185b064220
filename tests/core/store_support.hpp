// Test helpers for the store suites: a private redis-server on a free 127.0.0.1 port, a
// temporary directory, and child processes that report a result string (races between processes). Each test process
// starts its own server, so tests never share Redis state.
#pragma once

#if SSOGATE_WITH_REDIS
#include <hiredis/hiredis.h>
#endif

#include "error.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace store_test {

// The Error a call throws, or Error(ok, "no error") when it returns: for asserting a code and message.
template <typename F>
ssogate::core::Error error_of(F &&f) {
    try {
        f();
    } catch (const ssogate::core::Error &e) {
        return e;
    }
    return ssogate::core::Error(ssogate::core::Code::ok, "no error");
}

inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

#if SSOGATE_WITH_REDIS
// How a test's redis-server authenticates: the default user's password (--requirepass) and ACL users,
// each given as the words of one "user" line ({"ssogate", "on", ">pw", "~ssogate:*", "+get", ...}).
struct RedisAuth {
    std::string requirepass;
    std::vector<std::vector<std::string>> users;
};

class RedisServer {
public:
    explicit RedisServer(int port = 0) : port_(port ? port : free_port()) { start(); }
    explicit RedisServer(RedisAuth auth) : port_(free_port()), auth_(std::move(auth)) { start(); }
    ~RedisServer() { stop(); }
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    int port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    // "redis://CREDENTIALS@127.0.0.1:PORT" + rest (credentials as written in a location: "user:pw").
    std::string url_with(const std::string &credentials, const std::string &rest = "") const {
        return "redis://" + credentials + "@127.0.0.1:" + std::to_string(port_) + rest;
    }

    void start() {
        if (pid_ > 0) return;
        const std::string port = std::to_string(port_);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
            std::freopen("/dev/null", "w", stdout);
            std::vector<std::string> args{"redis-server", "--port", port,           "--bind", "127.0.0.1",
                                          "--save",       "",       "--appendonly", "no"};
            if (!auth_.requirepass.empty()) args.insert(args.end(), {"--requirepass", auth_.requirepass});
            for (const auto &user : auth_.users) {
                args.emplace_back("--user");
                args.insert(args.end(), user.begin(), user.end());
            }
            std::vector<char *> argv;
            for (auto &a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv("/usr/bin/redis-server", argv.data());
            ::_exit(127);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline) {
            if (ping()) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throw std::runtime_error("redis-server did not answer PING on port " + port);
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGCONT);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    // SIGSTOP: the socket stays open and accepts bytes, but nothing answers (a hung server).
    void freeze() { ::kill(pid_, SIGSTOP); }
    void thaw() { ::kill(pid_, SIGCONT); }

    bool ping() const {
        timeval tv{0, 200000};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", port_, tv);
        bool ok = false;
        if (c && !c->err && !auth_.requirepass.empty()) {
            auto *r = static_cast<redisReply *>(redisCommand(c, "AUTH %s", auth_.requirepass.c_str()));
            if (r) freeReplyObject(r);
        }
        if (c && !c->err) {
            auto *r = static_cast<redisReply *>(redisCommand(c, "PING"));
            ok = r && r->type == REDIS_REPLY_STATUS;
            if (r) freeReplyObject(r);
        }
        if (c) redisFree(c);
        return ok;
    }

private:
    int port_;
    RedisAuth auth_;
    pid_t pid_ = -1;
};
#endif  // SSOGATE_WITH_REDIS

class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ssogate-store-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    std::string file(const std::string &name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// Runs `work` in a child process that writes its result string to a pipe; returns the result.
struct Child {
    pid_t pid = -1;
    int fd = -1;
};

template <typename F>
Child spawn(F &&work) {
    int p[2];
    if (::pipe(p) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        std::string out;
        try {
            out = work();
        } catch (const std::exception &e) {
            out = std::string("E") + e.what();
        }
        std::size_t off = 0;
        while (off < out.size()) {
            const auto n = ::write(p[1], out.data() + off, out.size() - off);
            if (n <= 0) ::_exit(3);
            off += static_cast<std::size_t>(n);
        }
        ::_exit(0);
    }
    ::close(p[1]);
    return {pid, p[0]};
}

inline std::string collect(Child c) {
    std::string out;
    char buf[4096];
    while (true) {
        const auto n = ::read(c.fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(c.fd);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
    return out;
}

}  // namespace store_test
