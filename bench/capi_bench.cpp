// The same verification through the C ABI (libssogate.so, the public header only), on the fixtures
// that ssogate_bench wrote: shows what the ABI layer costs on top of the core (handles, the error
// object, the login handle's copies of every string). bench/run.sh runs both programs.
//
//   ssogate_bench_capi FIXTURE_DIR [Google Benchmark flags]
//   ssogate_bench_capi --count-instructions FIXTURE_DIR      (under callgrind, see bench/run.sh)
#include "constants.hpp"

#include "ssogate/ssogate.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

std::string fixture_dir;

std::string slurp(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path + " (run ssogate_bench with SSOGATE_BENCH_FIXTURES first)");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Same policy as the core benchmark's AcceptEveryReplayCache: repeats are never refused.
int accept_every(void *, const char *, size_t, int64_t, int *inserted) {
    *inserted = 1;
    return 0;
}

struct Setup {
    ssogate_connection *conn = nullptr;
    ssogate_replay_cache *replay = nullptr;
    std::string typical, large;

    Setup() {
        ssogate_error *err = ssogate_error_new();
        const std::string metadata = slurp(fixture_dir + "/metadata.xml");
        ssogate_idp_options io;
        ssogate_idp_options_init(&io, sizeof io);
        io.now = ssogate::bench::signed_at;
        ssogate_idp *idp = ssogate_idp_import(metadata.data(), metadata.size(), nullptr, 0, nullptr, 0, &io, err);
        if (idp == nullptr) throw std::runtime_error(std::string("import: ") + ssogate_error_message(err));
        ssogate_connection_params *params = ssogate_connection_params_new();
        const std::string id = ssogate::bench::connection_id, acs = ssogate::bench::acs_url,
                          sp = ssogate::bench::sp_entity_id;
        if (ssogate_connection_params_set_id(params, id.data(), id.size(), err) != SSOGATE_OK ||
            ssogate_connection_params_set_acs_url(params, acs.data(), acs.size(), err) != SSOGATE_OK ||
            ssogate_connection_params_set_sp_entity_id(params, sp.data(), sp.size(), err) != SSOGATE_OK) {
            throw std::runtime_error(std::string("params: ") + ssogate_error_message(err));
        }
        conn = ssogate_connection_new(idp, params, nullptr, err);
        ssogate_connection_params_free(params);
        ssogate_idp_free(idp);
        if (conn == nullptr) throw std::runtime_error(std::string("connection: ") + ssogate_error_message(err));
        ssogate_replay_callbacks cb{};
        cb.struct_size = sizeof cb;
        cb.insert_if_absent = accept_every;
        replay = ssogate_replay_cache_new_callbacks(&cb, err);
        if (replay == nullptr) throw std::runtime_error(std::string("replay: ") + ssogate_error_message(err));
        ssogate_error_free(err);
        typical = slurp(fixture_dir + "/typical.b64");
        large = slurp(fixture_dir + "/large.b64");
    }
};

const Setup &setup() {
    static const Setup s;
    return s;
}

// One verification through the ABI, as a host would write it.
bool verify_once(const std::string &b64, ssogate_error *err) {
    const Setup &s = setup();
    ssogate_verify_options opts;
    ssogate_verify_options_init(&opts, sizeof opts);
    opts.now = ssogate::bench::verified_at;
    ssogate_verified_login *login =
        ssogate_verify_response(s.conn, b64.data(), b64.size(), ssogate::bench::request_id,
                                std::char_traits<char>::length(ssogate::bench::request_id), s.replay, &opts, err);
    benchmark::DoNotOptimize(ssogate_verified_login_email(login));
    ssogate_verified_login_free(login);
    return login != nullptr;
}

// Instruction counts under callgrind (see verify_bench.cpp): same repetitions, same warm-up.
constexpr int count_repetitions = 10;

void repeat_capi(const std::string &b64) {
    ssogate_error *err = ssogate_error_new();
    for (int i = 0; i < count_repetitions; ++i) {
        if (!verify_once(b64, err)) throw std::runtime_error(ssogate_error_message(err));
    }
    ssogate_error_free(err);
}

extern "C" __attribute__((noinline)) void count_capi_typical() { repeat_capi(setup().typical); }
extern "C" __attribute__((noinline)) void count_capi_large() { repeat_capi(setup().large); }

void BM_capi(benchmark::State &state) {
    const Setup &s = setup();
    const std::string &b64 = state.range(0) == 0 ? s.typical : s.large;
    ssogate_error *err = ssogate_error_new();
    for (auto _ : state) {
        if (!verify_once(b64, err)) {
            state.SkipWithError(ssogate_error_message(err));
            break;
        }
    }
    ssogate_error_free(err);
    state.SetLabel(state.range(0) == 0 ? "typical" : "large");
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_capi)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char **argv) {
    if (argc == 3 && std::string(argv[1]) == "--count-instructions") {
        fixture_dir = argv[2];
        repeat_capi(setup().typical);  // warm-up, not counted
        repeat_capi(setup().large);
        count_capi_typical();
        count_capi_large();
        return 0;
    }
    benchmark::Initialize(&argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s FIXTURE_DIR [benchmark flags]\n", argv[0]);
        return 2;
    }
    fixture_dir = argv[1];
    setup();  // outside the timed loops
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
