#include "authority/shared_nonces.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include "common/base64url.hpp"
#include "common/random.hpp"

namespace cobble::authority {
namespace {

constexpr std::size_t kTimeBytes = 8;    // issue time, microseconds since the epoch, big-endian
constexpr std::size_t kRandomBytes = 8;  // so two nonces of one microsecond differ
constexpr std::size_t kMacBytes = 16;    // HMAC-SHA256, truncated
constexpr std::size_t kNonceBytes = kTimeBytes + kRandomBytes + kMacBytes;
// Instances' clocks may differ a little: a nonce "from the future" within this is accepted.
constexpr std::chrono::seconds kClockSkew{5};

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length)) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace

SharedNonces::SharedNonces(storage::Store& store, const common::Clock& clock, std::string_view secret,
                           std::chrono::seconds lifetime)
    // A key of its own, so a nonce's MAC never doubles as anything the unpause key signs.
    : store_(store),
      clock_(clock),
      key_(hmac_sha256(secret, "cobble shared nonce key v1")),
      lifetime_(lifetime) {}

std::string SharedNonces::mac(std::string_view data) const {
  return hmac_sha256(key_, data).substr(0, kMacBytes);
}

std::string SharedNonces::issue() {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(clock_.now().time_since_epoch()).count();
  std::string raw(kTimeBytes, '\0');
  for (std::size_t i = 0; i < kTimeBytes; ++i) {
    raw[kTimeBytes - 1 - i] = static_cast<char>((static_cast<std::uint64_t>(micros) >> (8 * i)) & 0xff);
  }
  raw += common::random_bytes(kRandomBytes);
  raw += mac(raw);
  return common::base64url_encode(raw);
}

SharedNonces::Redemption SharedNonces::redeem(std::string_view nonce) {
  auto raw = common::base64url_decode(nonce);
  if (!raw || raw->size() != kNonceBytes) return Redemption::refused;
  std::string_view signed_part(raw->data(), kTimeBytes + kRandomBytes);
  auto expected = mac(signed_part);
  if (expected.size() != kMacBytes ||
      CRYPTO_memcmp(expected.data(), raw->data() + kTimeBytes + kRandomBytes, kMacBytes) != 0) {
    return Redemption::refused;
  }
  std::uint64_t micros = 0;
  for (std::size_t i = 0; i < kTimeBytes; ++i) micros = (micros << 8) | static_cast<unsigned char>((*raw)[i]);
  common::TimePoint issued{std::chrono::duration_cast<common::TimePoint::duration>(
      std::chrono::microseconds(static_cast<std::int64_t>(micros)))};
  auto now = clock_.now();
  if (issued > now + kClockSkew || now - issued > lifetime_) return Redemption::refused;
  auto redeemed = store_.redeem_nonce(std::string(nonce), issued + lifetime_, now);
  if (!redeemed) {
    spdlog::warn("cannot record a redeemed nonce ({}); answering 503", redeemed.error().message);
    return Redemption::unavailable;
  }
  return *redeemed ? Redemption::accepted : Redemption::refused;
}

}  // namespace cobble::authority
