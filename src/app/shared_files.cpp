#include "app/shared_files.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>

#include "app/components.hpp"
#include "ca/certificate_authority.hpp"
#include "common/clock.hpp"
#include "common/files.hpp"

namespace cobble::app {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;

struct Group {
  std::string name;
  fs::path dir;
  // The group's files, by path relative to `dir`.
  std::function<bool(const std::string&)> member;
  // Makes the files in `dir` (or keeps the ones there).
  std::function<common::Result<void>()> create;
};

common::Result<Files> read_group(const Group& group) {
  Files files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(group.dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto name = fs::relative(it->path(), group.dir).generic_string();
    if (!group.member(name)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    files[name] = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof())
      return common::fail(std::errc::io_error, "cannot read " + it->path().string());
  }
  if (ec) return common::fail(std::errc::io_error, "cannot list " + group.dir.string() + ": " + ec.message());
  return files;
}

common::Result<void> write_group(const Group& group, const Files& files) {
  for (const auto& [name, content] : files) {
    auto path = group.dir / name;
    if (auto made = common::ensure_directory(path.parent_path()); !made) return made;
    // Keys are written 0600 from the start, as their makers write them.
    if (auto written = common::write_file(path, content, name.find("key") != std::string::npos); !written)
      return written;
  }
  return {};
}

common::Result<void> share(storage::Store& store, const Group& group) {
  auto published = store.find_shared_files(group.name);
  if (!published) return std::unexpected(published.error());
  if (published->empty()) {
    if (auto created = group.create(); !created) return created;
    auto files = read_group(group);
    if (!files) return std::unexpected(files.error());
    if (files->empty())
      return common::fail(std::errc::io_error, "no files were made in " + group.dir.string());
    auto won = store.publish_shared_files(group.name, *files);
    if (!won) return std::unexpected(won.error());
    if (*won) {
      spdlog::info("shared {}: published this instance's {} file(s) for the other instances", group.name,
                   files->size());
      return {};
    }
    published = store.find_shared_files(group.name);  // another instance published first: take its files
    if (!published) return std::unexpected(published.error());
  }
  if (auto local = read_group(group); local && *local == *published) return {};
  spdlog::info("shared {}: taking the deployment's {} file(s) from the database", group.name,
               published->size());
  return write_group(group, *published);
}

}  // namespace

common::Result<void> share_key_files(const Config& config, storage::Store& store) {
  if (!config.ca_persist) {
    return common::fail(
        std::errc::invalid_argument,
        "caPersist is false, but instances sharing a database must share their CA: set caPersist to true");
  }
  const fs::path data(config.data_dir);
  common::SystemClock clock;
  std::vector<Group> groups{
      {"ca", data / "ca", [](const std::string&) { return true; },
       [&]() -> common::Result<void> {
         auto ca = load_ca(config, clock.now());
         if (!ca) return std::unexpected(ca.error());
         return {};
       }},
      // The HTTPS CA only: each instance makes its own server certificate (its own names) from it.
      {"https", data,
       [](const std::string& name) { return name == "https-ca.pem" || name == "https-ca-key.pem"; },
       [&]() -> common::Result<void> {
         auto identity = ca::ensure_https_identity(data, config.https_names, clock.now());
         if (!identity) return std::unexpected(identity.error());
         return {};
       }},
  };
  // An operator's unpauseKeyFile is theirs to distribute.
  if (config.unpause_key_file.empty()) {
    groups.push_back({"unpause", data, [](const std::string& name) { return name == "unpause.key"; },
                      [&]() -> common::Result<void> {
                        auto secret = unpause_secret(config);
                        if (!secret) return std::unexpected(secret.error());
                        return {};
                      }});
  }
  if (auto made = common::ensure_directory(data); !made) return made;
  for (const auto& group : groups) {
    if (auto shared = share(store, group); !shared)
      return common::fail(shared.error().code,
                          "sharing the " + group.name + " files: " + shared.error().message);
  }
  return {};
}

}  // namespace cobble::app
