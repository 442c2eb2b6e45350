#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keel {

/// Base64url without padding (RFC 4648 §5).
std::string base64url_encode(std::string_view bytes);
/// The bytes of unpadded base64url text; std::nullopt when it is not valid base64url.
std::optional<std::string> base64url_decode(std::string_view text);
/// HMAC-SHA256 of `data` under `key`: 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// Lowercase hex SHA-256 of `data`: how keel stores the tokens it hands out.
std::string sha256_hex(std::string_view data);
/// 256 bits from the OS CSPRNG (via OpenSSL), base64url: 43 characters. Throws std::runtime_error
/// when the CSPRNG fails.
std::string random_token();
/// Compares two byte strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace keel
