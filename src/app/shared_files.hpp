#pragma once

#include "app/config.hpp"
#include "common/result.hpp"
#include "storage/store.hpp"

namespace cobble::app {

// Several instances on one database must hold the same keys: every instance issues under one CA
// hierarchy, serves HTTPS under one HTTPS CA (each its own server certificate from it) and
// verifies every other's unpause links. The files stay where a single instance keeps them
// (dataDir/ca, dataDir/https-ca*.pem, dataDir/unpause.key) and are also published in the database:
// the first instance to start makes them and publishes them; the others, and every later start,
// write the published copies over their own before loading them. Publishing is insert-once, so
// instances starting together agree on one winner.
//
// Call before the CA, the HTTPS identity and the unpause key are loaded. Fails, saying why, when
// the files cannot be made, published or written, or when caPersist is off (a CA made afresh at
// each start cannot be shared).
common::Result<void> share_key_files(const Config& config, storage::Store& store);

}  // namespace cobble::app
