// Built with -DSSOGATE_WITH_CURL=OFF: no HTTP client of its own; a host supplies a fetch callback.
#include "fetch/fetch.hpp"

namespace ssogate::core::fetch {

Reply curl_transport(const Request &, const Policy &) {
    fail(Code::invalid_setting,
         "this ssogate was built without libcurl (SSOGATE_WITH_CURL=OFF): give the import or refresh a fetch callback");
}

}  // namespace ssogate::core::fetch
