// How the ssogate command reads and writes its files: one reader for every input, with a size cap
// checked while reading (a huge file or /dev/zero costs no more than the cap), a clear word for a
// directory, and "-" for stdin.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

// A file that could not be read or written: not the input's fault, so exit code 1, not 3. `name` is
// stable, for --json: FILE_UNREADABLE, FILE_IS_DIRECTORY, FILE_IS_URL or FILE_UNWRITABLE.
struct IoError : std::runtime_error {
    IoError(const char *error_name, const std::string &message) : std::runtime_error(message), name(error_name) {}
    const char *name;
};

// Caps for what the command reads. The SAMLResponse and metadata caps are the library's own; a
// connection file holds the IdP metadata plus a little JSON, escaped; PEM keys are small.
inline constexpr std::size_t metadata_file_cap = 8u << 20;  // ssogate::IdpOptions' default max_bytes
inline constexpr std::size_t connection_file_cap = 4 * metadata_file_cap;
// A SAMLResponse form value: the base64 of the default 1 MiB cap, line breaks allowed; the library
// applies its own exact bound to what is read.
inline constexpr std::size_t response_file_cap = 3u << 20;
inline constexpr std::size_t pem_file_cap = 1u << 20;

// The contents of `path` ("-": stdin). `what` names it in messages ("RESPONSE", "the metadata file").
// Throws IoError when it cannot be read, is a directory or is a URL (the command reads files only), and ssogate::Error
// (INPUT_TOO_LARGE) (saying the cap and that reading stopped there) when it holds more than `cap` bytes.
std::string read_input(const std::string &path, std::size_t cap, std::string_view what);

// Writes `text` to `path`, replacing it; `mode` applies when the file is created. Throws IoError.
void write_output(const std::string &path, const std::string &text, unsigned mode = 0644);
