// A library must not print. libxml2 (and xmlsec1 through it) reports some errors through its
// generic handlers, which print to stderr unless the thread's handler was changed: iconv failures
// ("encoding error : input conversion failed due to input error", "I/O error : encoder error"),
// c14n failures, and more. These tests run the fuzz seed corpus, the interop corpus, the attack
// vectors and inputs known to trigger those messages through verification and metadata import with
// file descriptor 2 redirected to a file, and assert that nothing was written to it; and that a
// host's own per-thread handler is left in place.
#include "response_test_util.hpp"

#include "metadata/idp.hpp"
#include "xml/xml.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <unistd.h>

#include <dirent.h>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace ssogate::core::test {
namespace {

using testing::ResponseOptions;
using testing::TestIdp;

// Everything written to file descriptor 2 (by any code in the process) while `body` runs.
std::string stderr_of(const std::function<void()> &body) {
    std::fflush(stderr);
    std::FILE *sink = std::tmpfile();
    if (sink == nullptr) throw std::runtime_error("tmpfile failed");
    const int saved = ::dup(2);
    if (saved < 0 || ::dup2(::fileno(sink), 2) < 0) throw std::runtime_error("dup2 failed");
    try {
        body();
    } catch (...) {
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        std::fclose(sink);
        throw;
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::string out;
    std::rewind(sink);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, sink)) > 0;) out.append(buf, n);
    std::fclose(sink);
    return out;
}

std::vector<std::string> files_in(const std::string &dir, const std::string &suffix = "") {
    std::vector<std::string> out;
    if (DIR *d = ::opendir(dir.c_str())) {
        while (const dirent *e = ::readdir(d)) {
            const std::string name = e->d_name;
            if (name == "." || name == "..") continue;
            if (!suffix.empty() &&
                (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0))
                continue;
            out.push_back(dir + "/" + name);
        }
        ::closedir(d);
    }
    return out;
}

const std::string vectors = SSOGATE_VECTORS_DIR;
const std::string fuzz_dir = vectors + "/../fuzz";

// Inputs that made libxml2 print (iconv failures, then the I/O layer's complaint) when it decoded
// declared encodings itself.
std::vector<std::string> odd_encodings() {
    return {
        "<?xml version='1.0' encoding='Shift_JIS'?><a>\x81\x20\xff\xff</a>",
        "<?xml version='1.0' encoding='EUC-JP'?><a>\xff\xfe\xfd</a>",
        "<?xml version='1.0' encoding='ISO-2022-JP'?><a>\x1b$B\xff\xff</a>",
        "<?xml version='1.0' encoding='BIG5'?><a>\xff\xff\xff\xff</a>",
        "<?xml version='1.0' encoding='GB18030'?><a>\x81\x30\xff</a>",
        "<?xml version='1.0' encoding='windows-1252'?><a>\x81</a>",
        "<?xml version='1.0' encoding='UTF-32'?><a/>",
        "<?xml version='1.0' encoding='UTF-7'?><a>+ADw-b/+AD4-</a>",
    };
}

// Every outcome is fine; only the silence is under test.
void verify_quietly(const Connection &conn, const std::string &bytes, bool form_value) {
    MemoryReplayCache cache{[] { return t0; }};
    VerifyContext c;
    c.now = t0;
    c.replay = &cache;
    c.pending_request_ids = {"_req1"};
    try {
        if (form_value) {
            verify_response(conn, bytes, c);
        } else {
            verify_response_xml(conn, conn.verification_keys(), bytes, c);
            verify_response(conn, util::base64_encode(bytes), c);
        }
    } catch (const Error &) {
    }
}

void import_quietly(const std::string &bytes) {
    ImportOptions o;
    o.now = t0;
    try {
        import_idp_metadata(bytes, o);
    } catch (const Error &) {
    }
    // With a trusted signer too, so that signed metadata goes through xmlsec1's verification.
    try {
        o.trusted_signer_pem = read_file(vectors + "/attacks/TEST-IDP-CERT.pem");
        import_idp_metadata(bytes, o);
    } catch (const Error &) {
    }
}

TEST(Quiet, OddEncodingDeclarationsPrintNothing) {
    auto conn = connection_for(import_idp_metadata(read_file(vectors + "/attacks/idp-metadata.xml"), [] {
        ImportOptions o;
        o.now = t0;
        return o;
    }()));
    const std::string printed = stderr_of([&] {
        for (const std::string &doc : odd_encodings()) {
            try {
                xml::parse(doc, {}, "x");
                ADD_FAILURE() << "parsed: " << doc;
            } catch (const Error &e) {
                EXPECT_EQ(e.code(), Code::xml_malformed) << e.what();
            }
            verify_quietly(*conn, doc, false);
            import_quietly(doc);
        }
    });
    EXPECT_EQ(printed, "");
}

TEST(Quiet, CorporaAndAttackVectorsPrintNothing) {
    ImportOptions io;
    io.now = t0;
    auto fuzz_conn = connection_for(import_idp_metadata(read_file(fuzz_dir + "/testidp-metadata.xml"), io));
    auto attack_conn = connection_for(import_idp_metadata(read_file(vectors + "/attacks/idp-metadata.xml"), io));
    std::size_t files = 0;
    const std::string printed = stderr_of([&] {
        for (const std::string &dir : {fuzz_dir + "/corpus/verify", vectors + "/interop/responses"}) {
            for (const std::string &f : files_in(dir)) {
                const std::string bytes = read_file(f);
                verify_quietly(*fuzz_conn, bytes, f.size() > 4 && f.compare(f.size() - 4, 4, ".b64") == 0);
                import_quietly(bytes);
                ++files;
            }
        }
        for (const std::string &f : files_in(vectors + "/attacks/responses")) {
            const bool form = f.compare(f.size() - 4, 4, ".txt") == 0;
            verify_quietly(*attack_conn, read_file(f), form);
            ++files;
        }
        for (const std::string &f : files_in(fuzz_dir + "/corpus/base64")) {
            verify_quietly(*fuzz_conn, read_file(f), true);
            ++files;
        }
        for (const std::string &dir : {vectors + "/interop/metadata", vectors + "/metadata"}) {
            for (const std::string &f : files_in(dir, ".xml")) {
                import_quietly(read_file(f));
                ++files;
            }
        }
    });
    EXPECT_GT(files, 150u);  // the corpora are really there
    EXPECT_EQ(printed, "");
}

// A signed response with a relative namespace URI added after signing, inside the signed Assertion:
// libxml2's c14n refuses it (as Canonical XML requires) and says so through the generic handler.
Outcome verify_relative_namespace() {
    static TestIdp idp;
    ResponseOptions o;
    o.now = t0;
    o.acs_url = acs;
    o.sp_entity_id = sp_entity;
    o.in_response_to = "_req1";
    std::string xml = idp.response_xml(o);
    const std::size_t at = xml.find("<saml:NameID");
    if (at == std::string::npos) throw std::runtime_error("no NameID");
    xml.insert(at + std::string("<saml:NameID").size(), " xmlns:rel=\"relative/namespace\"");
    auto conn = connection_for(idp.metadata());
    MemoryReplayCache cache{[] { return t0; }};
    VerifyContext c;
    c.now = t0;
    c.replay = &cache;
    c.pending_request_ids = {"_req1"};
    return run_verify(*conn, util::base64_encode(xml), c);
}

TEST(Quiet, CanonicalizationErrorsGoToTheCallNotToStderr) {
    Outcome out;
    const std::string printed = stderr_of([&] { out = verify_relative_namespace(); });
    EXPECT_EQ(printed, "");
    EXPECT_CODE(out, Code::signature_invalid);
    // The reason now reaches the caller's message instead.
    EXPECT_NE(out.message.find("Relative namespace"), std::string::npos) << out.message;
}

int host_generic_calls = 0;
void host_generic(void *, const char *, ...) { ++host_generic_calls; }
int host_structured_calls = 0;
void host_structured(void *, xmlErrorPtr) { ++host_structured_calls; }

TEST(Quiet, AHostsOwnHandlersAreLeftInPlace) {
    // A host (lxml, say) may have set this thread's handlers: ssogate swaps them only for the length
    // of its own calls and puts them back.
    int marker = 0;
    xmlSetGenericErrorFunc(&marker, host_generic);
    xmlSetStructuredErrorFunc(&marker, host_structured);
    const std::string printed = stderr_of([] {
        for (const std::string &doc : odd_encodings()) import_quietly(doc);
        import_quietly("<a><!-- -- --></a>");
        import_quietly("<?xml version='1.0'?><a b='1' b='2'/>");
        verify_relative_namespace();
    });
    EXPECT_EQ(printed, "");
    EXPECT_EQ(host_generic_calls, 0);
    EXPECT_EQ(host_structured_calls, 0);
    EXPECT_EQ(xmlGenericError, &host_generic);
    EXPECT_EQ(xmlGenericErrorContext, &marker);
    EXPECT_EQ(xmlStructuredError, &host_structured);
    EXPECT_EQ(xmlStructuredErrorContext, &marker);
    xmlSetGenericErrorFunc(nullptr, nullptr);
    xmlSetStructuredErrorFunc(nullptr, nullptr);
}

}  // namespace
}  // namespace ssogate::core::test
