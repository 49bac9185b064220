// Shared helpers for the core tests.
#pragma once

#include "crypto/certificate.hpp"
#include "error.hpp"
#include "util/time.hpp"
#include "xml/xml.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace ssogate::core::test {

inline std::string vectors_dir() { return SSOGATE_VECTORS_DIR; }

inline std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open test vector " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string interop(const std::string &rel) { return read_file(vectors_dir() + "/interop/" + rel); }
inline std::string crafted(const std::string &name) { return read_file(vectors_dir() + "/metadata/" + name); }

// The interop corpus' certificate dates are described relative to this day.
inline std::int64_t fixed_now() { return *util::parse_datetime("2026-11-28T00:00:00Z"); }

// Runs `stmt`, expects an ssogate Error with `code`, and returns its message ("" if none was thrown).
template <class F>
std::string expect_code(Code code, F &&stmt) {
    try {
        stmt();
    } catch (const Error &e) {
        EXPECT_EQ(code_name(e.code()), std::string(code_name(code))) << e.what();
        return e.what();
    } catch (const std::exception &e) {
        ADD_FAILURE() << "expected Error " << code_name(code) << ", got std::exception: " << e.what();
        return {};
    }
    ADD_FAILURE() << "expected Error " << code_name(code) << ", nothing was thrown";
    return {};
}

// The certificate in a signed document's own ds:Signature/KeyInfo, as PEM (to pin it as the trusted
// signer of that document).
inline std::string embedded_signer_pem(const std::string &xml_text) {
    xml::Document doc = xml::parse(xml_text, {}, "test metadata");
    xmlNode *sig = xml::first_child_element(doc.root(), xml::ns_ds, "Signature");
    xmlNode *ki = xml::first_child_element(sig, xml::ns_ds, "KeyInfo");
    xmlNode *data = xml::first_child_element(ki, xml::ns_ds, "X509Data");
    xmlNode *cert = xml::first_child_element(data, xml::ns_ds, "X509Certificate");
    if (cert == nullptr) throw std::runtime_error("no KeyInfo certificate in the signature");
    return crypto::to_pem(crypto::parse_certificate_base64(xml::text(cert)));
}

}  // namespace ssogate::core::test
