// The unpause link's JWT: any token verifies or fails with one of the named errors, never throws.
#include "fuzz_input.hpp"
#include "pause/unpause_token.hpp"

using namespace cobble;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string secret(pause::kUnpauseSecretBytes, 'k');
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'780'000'000));
  auto token = fuzz::as_text(data, size);
  auto verified = pause::verify_unpause_token(secret, token, now);
  if (!verified) {
    FUZZ_CHECK(!pause::to_string(verified.error()).empty());
  } else {
    FUZZ_CHECK(verified->account_id > 0);
    FUZZ_CHECK(!verified->identifiers.empty());
  }
  return 0;
}
