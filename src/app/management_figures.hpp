#pragma once

#include <cstddef>

#include "api/management/management.hpp"
#include "app/components.hpp"

namespace cobble::app {

// What the management API shows of the running server: /metrics' figures, /readyz's checks.
struct FigureSettings {
  std::size_t max_waiting = 0;  // the validation queue's room, for /readyz
  bool metrics = true;          // the `metrics` setting: transactions timed
  bool shared = false;          // several instances on one database (PostgreSQL)
};

// Gives `management` the functions that read `c`'s figures; `c` must outlive it and have its
// store, scheduler, nonces and series recorder made. Nothing is read here.
void show_figures(api::ManagementServices& management, const Components& c, FigureSettings settings);

}  // namespace cobble::app
