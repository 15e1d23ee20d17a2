#include "app/lease_keeper.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/random.hpp"

namespace cobble::app {
namespace {
// An order processing this long was left by an instance that died mid-finalize.
constexpr std::chrono::seconds kFinalizeGrace{120};
}  // namespace

LeaseKeeper::LeaseKeeper(boost::asio::io_context& io, boost::asio::any_io_executor work,
                         storage::Store& store, const authority::Challenges& challenges,
                         const authority::Orders& orders, std::string instance_id, std::chrono::seconds lease)
    : store_(store),
      challenges_(challenges),
      orders_(orders),
      instance_id_(std::move(instance_id)),
      periodic_(io, std::move(work), std::chrono::duration_cast<std::chrono::milliseconds>(lease) / 3,
                "validation lease keeper", [this] { tick(); }) {}

void LeaseKeeper::tick() {
  if (auto renewed = store_.renew_challenge_leases(instance_id_); !renewed) {
    spdlog::warn("cannot renew validation leases: {} (another instance takes them over if this lasts)",
                 renewed.error().message);
  }
  challenges_.resume_interrupted(storage::ClaimScope::expired_leases);
  orders_.fail_interrupted(kFinalizeGrace);
}

std::string new_instance_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + common::random_token(6);
}

}  // namespace cobble::app
