// A private PostgreSQL server for a test: Debian's initdb into a fresh temporary directory, the server on a
// free 127.0.0.1 port (no Unix socket), password authentication over TCP, stopped by its pid. Run as root
// (CI), initdb and the server run as the unprivileged "postgres" user, as PostgreSQL requires.
#pragma once

#include "store_support.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <fstream>
#include <vector>

namespace store_test {

inline constexpr const char *kPgBin = "/usr/lib/postgresql/15/bin";
inline constexpr const char *kPgUser = "ssogate";
inline constexpr const char *kPgPassword = "test-password-not-secret";

class PostgresServer {
public:
    PostgresServer() : port_(free_port()) {
        char tmpl[] = "/tmp/ssogate-pg-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        ::chmod(dir_.c_str(), 0755);
        as_postgres_ = ::geteuid() == 0;
        if (as_postgres_) {
            const passwd *pw = ::getpwnam("postgres");
            if (pw == nullptr) throw std::runtime_error("no 'postgres' user to run the test server as");
            uid_ = pw->pw_uid;
            gid_ = pw->pw_gid;
            if (::chown(dir_.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown failed");
        }
        {
            std::ofstream(dir_ + "/pw") << kPgPassword << "\n";
            if (as_postgres_ && ::chown((dir_ + "/pw").c_str(), uid_, gid_) != 0)
                throw std::runtime_error("chown failed");
        }
        run({std::string(kPgBin) + "/initdb", "-D", data(), "-U", kPgUser, "--pwfile=" + dir_ + "/pw",
             "--auth-host=scram-sha-256", "--auth-local=reject", "-N", "-E", "UTF8", "--locale=C"});
        start();
    }
    ~PostgresServer() {
        kill_now();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    int port() const { return port_; }
    std::string data() const { return dir_ + "/data"; }
    std::string url(const std::string &extra = "") const {
        return std::string("postgresql://") + kPgUser + ":" + kPgPassword + "@127.0.0.1:" + std::to_string(port_) +
               "/postgres" + extra;
    }

    void start() {
        if (pid_ > 0) return;
        pid_ = spawn(server_argv(), true);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < deadline) {
            if (accepts()) return;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                // After a SIGKILL the old backends may still hold the shared memory for a moment: the new
                // server refuses to start until they are gone, so try again.
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                pid_ = spawn(server_argv(), true);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        throw std::runtime_error("postgres did not accept connections on port " + std::to_string(port_));
    }

    // A clean shutdown (SIGINT: "fast": open sessions are cut, everything committed is on disk).
    void stop() { signal_and_wait(SIGINT); }
    // The server killed mid-flight, as by the OOM killer: the next start replays the WAL.
    void kill_now() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        // Its backends notice the postmaster's death and exit; wait until the port is free again.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (accepts() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }

    bool accepts() const {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(port_));
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (!ok) return false;
        // The port opens before the server accepts logins; pg_isready asks properly.
        return run_quiet({std::string(kPgBin) + "/pg_isready", "-q", "-h", "127.0.0.1", "-p", std::to_string(port_)});
    }

private:
    std::vector<std::string> server_argv() const {
        return {std::string(kPgBin) + "/postgres",
                "-D",
                data(),
                "-p",
                std::to_string(port_),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "max_connections=60"};
    }

    void signal_and_wait(int sig) {
        if (pid_ <= 0) return;
        ::kill(pid_, sig);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    pid_t spawn(const std::vector<std::string> &argv, bool drop) const {
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
            const int null = ::open("/dev/null", O_RDWR);
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
            if (drop && as_postgres_) {
                if (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0) ::_exit(126);
            }
            std::vector<char *> args;
            for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        return pid;
    }

    bool run_quiet(const std::vector<std::string> &argv) const {
        const pid_t pid = spawn(argv, false);
        int status = 0;
        ::waitpid(pid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }

    void run(const std::vector<std::string> &argv) const {
        const pid_t pid = spawn(argv, true);
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(argv[0] + " failed");
    }

    int port_;
    std::string dir_;
    bool as_postgres_ = false;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    pid_t pid_ = -1;
};

}  // namespace store_test
