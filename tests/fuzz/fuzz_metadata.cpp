// libFuzzer target: arbitrary bytes as uploaded IdP metadata. Import either succeeds or throws
// core::Error; a successful import must then make a connection whose keys load, and whose JSON form
// imports back to the same IdP.
#include "fuzz_support.hpp"

#include "connection/connection.hpp"
#include "crypto/keys.hpp"
#include "metadata/idp.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace ssogate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    core::ImportOptions options;
    options.now = fuzz::seeds_signed_at;
    std::shared_ptr<const core::IdpMetadata> idp;
    try {
        idp = core::import_idp_metadata(input, options);
    } catch (const core::Error &) {
        return 0;
    }
    if (idp->entity_id().empty()) fuzz::violated("imported metadata without an entityID");
    if (idp->signing_certificates().empty()) fuzz::violated("imported metadata without a signing certificate");
    try {
        core::ConnectionParams p;
        p.id = "fuzz";
        p.base_url = "https://app.example.com";
        auto conn = core::make_connection(idp, p);
        conn->verification_keys();
        auto again = core::connection_from_json(conn->to_json(), options);
        if (again->idp()->entity_id() != idp->entity_id()) fuzz::violated("JSON round trip changed the entityID");
        if (again->idp()->signing_certificates().size() != idp->signing_certificates().size()) {
            fuzz::violated("JSON round trip changed the certificates");
        }
        (void)conn->sp_metadata();
    } catch (const core::Error &) {
        // A key xmlsec1 cannot load is refused with metadata_bad_cert; that is a refusal, not a bug.
    }
    return 0;
}
