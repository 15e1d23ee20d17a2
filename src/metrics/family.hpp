#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/histogram.hpp"

namespace cobble::metrics {

// A counter that only goes up. Lock-free.
class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// One metric's children, one per set of label values ("the counter for method=http-01,
// outcome=invalid"). A child, once made, lives as long as the family, so callers may keep the
// reference. Thread-safe; finding a child takes a short lock.
//
// Label values come from what the server sees, so a family stops growing at `max_children`:
// beyond it, new label sets all land in one child whose values are all "_overflow", and a scrape still
// shows every observation.
template <class Child>
class Family {
 public:
  using MakeChild = std::function<std::unique_ptr<Child>()>;

  Family(std::vector<std::string> label_names, MakeChild make, std::size_t max_children = 1000)
      : label_names_(std::move(label_names)), make_(std::move(make)), max_children_(max_children) {}

  // The child for these values, one per label name, in order.
  Child& at(std::initializer_list<std::string_view> values) {
    std::string key;
    for (auto v : values) key.append(v).push_back('\x1f');
    std::lock_guard lock(mutex_);
    auto found = children_.find(key);
    if (found != children_.end()) return *found->second.child;
    if (children_.size() >= max_children_) return overflow_locked();
    Entry entry{std::vector<std::string>(values.begin(), values.end()), make_()};
    return *children_.emplace(std::move(key), std::move(entry)).first->second.child;
  }

  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls `visit(label values, child)` for every child, in label order, under the family's lock:
  // `visit` must only read.
  template <class Visit>
  void for_each(Visit&& visit) const {
    std::lock_guard lock(mutex_);
    for (const auto& [key, entry] : children_) visit(entry.values, *entry.child);
    if (overflow_) visit(overflow_->values, *overflow_->child);
  }

 private:
  struct Entry {
    std::vector<std::string> values;
    std::unique_ptr<Child> child;
  };

  Child& overflow_locked() {
    if (!overflow_) {
      overflow_ =
          std::make_unique<Entry>(Entry{std::vector<std::string>(label_names_.size(), "_overflow"), make_()});
    }
    return *overflow_->child;
  }

  std::vector<std::string> label_names_;
  MakeChild make_;
  std::size_t max_children_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> children_;
  std::unique_ptr<Entry> overflow_;
};

// Families of the two kinds Cobble uses.
class CounterFamily : public Family<Counter> {
 public:
  explicit CounterFamily(std::vector<std::string> label_names, std::size_t max_children = 1000)
      : Family(
            std::move(label_names), [] { return std::make_unique<Counter>(); }, max_children) {}
};

class HistogramFamily : public Family<Histogram> {
 public:
  HistogramFamily(std::vector<std::string> label_names, std::span<const double> upper_bounds,
                  std::size_t max_children = 1000)
      : Family(
            std::move(label_names),
            [bounds = std::vector<double>(upper_bounds.begin(), upper_bounds.end())] {
              return std::make_unique<Histogram>(bounds);
            },
            max_children) {}
};

}  // namespace cobble::metrics
