# Debian packages of the C library and the CLI, made by CPack from this build directory:
#
#   cpack --config <build>/CPackConfig.cmake -G DEB -B <outdir>
#
# One package per install component, named as Debian names a shared library and its development files:
#   runtime     -> libssogate0      libssogate.so.0 (the soname's major version is in the name)
#   development -> libssogate-dev   headers, the libssogate.so link, pkg-config file, CMake package
#   cli         -> ssogate          the ssogate command
# The python component belongs to the wheel and is never packaged here.
#
# Depends lines come from dpkg-shlibdeps over the packaged ELF files (so libssogate0 depends on exactly
# the Debian 12 packages whose libraries it links), plus the packages' own relations: the -dev package
# and the CLI need the library of the same version.

set(CPACK_PACKAGE_NAME ssogate)
set(CPACK_PACKAGE_VENDOR "ssogate")
set(CPACK_PACKAGE_CONTACT "ssogate maintainers <maintainers@ssogate.dev>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPackDeb would put it before each package's own description,
# whose first line is already that package's synopsis.
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_HOMEPAGE_URL "https://ssogate.dev")
set(CPACK_GENERATOR DEB)
# Debian packages install under /usr whatever CMAKE_INSTALL_PREFIX this build was configured with.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The build keeps DWARF in libssogate.so for the ABI check; the packages ship stripped files.
set(CPACK_STRIP_FILES ON)

set(CPACK_COMPONENTS_ALL runtime development)
if(SSOGATE_BUILD_CLI)
  list(APPEND CPACK_COMPONENTS_ALL cli)
endif()
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${CPACK_PACKAGE_HOMEPAGE_URL}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Where dpkg-shlibdeps finds libssogate.so.0 when it resolves the CLI's own dependency on it (the
# library is not installed on the building machine). The Depends on libssogate0 comes from the
# component relation below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR}/capi)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libssogate0)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
# A shlibs file (only libssogate0 has a shared library to declare), so packages built against
# libssogate0 get "libssogate0 (>= this version)" from their own dpkg-shlibdeps run. CPack adds the
# postinst/postrm that run ldconfig because the library lands in /usr/lib.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
    "SAML 2.0 single sign-on for products with a web dashboard (shared library)
ssogate verifies SAML 2.0 logins from an identity provider (Okta, Entra ID, ...)
for a service provider: metadata import, response verification, SP-initiated
login, membership policy and audit. This package holds libssogate.so.0, the
stable C ABI.")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libssogate-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION
    "SAML 2.0 single sign-on for products with a web dashboard (development files)
The C header ssogate/ssogate.h, the C++ view ssogate/ssogate.hpp, the
libssogate.so link, the pkg-config file ssogate.pc and the CMake package
(find_package(ssogate), target ssogate::ssogate).")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME ssogate)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_CLI_DESCRIPTION
    "SAML 2.0 single sign-on for products with a web dashboard (command)
The ssogate command: import an IdP's metadata and show what to paste back
into the IdP, SP metadata, verify a response, a testing IdP and a demo of
the whole flow.")

include(CPack)
cpack_add_component(runtime DISPLAY_NAME "Shared library")
cpack_add_component(development DISPLAY_NAME "Development files" DEPENDS runtime)
if(SSOGATE_BUILD_CLI)
  cpack_add_component(cli DISPLAY_NAME "Command" DEPENDS runtime)
endif()
