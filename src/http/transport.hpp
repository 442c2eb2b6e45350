#pragma once

// Private to src/http: what the listener, the sessions and Server::stop() share.

#include <atomic>
#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "http/deadlines.hpp"
#include "http/exchange.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"

namespace keel::http {

/// Open connections per peer address, for ServerOptions::max_connections_per_client. Touched
/// once when a connection opens (the accept loop) and once when it closes (its own loop), never
/// per request, so one mutex for all loops is cheap enough.
class ClientCounts {
 public:
  /// Counts one more connection from `address`; returns how many are open from it now.
  std::size_t add(const boost::asio::ip::address& address) {
    std::lock_guard lock(mutex_);
    return ++counts_[address];
  }
  /// Counts one connection from `address` off (one that add() counted).
  void remove(const boost::asio::ip::address& address) {
    std::lock_guard lock(mutex_);
    const auto it = counts_.find(address);
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<boost::asio::ip::address, std::size_t> counts_;
};

/// One connection counted in ClientCounts, counted off when this (moved into its session) goes.
class ClientSlot {
 public:
  ClientSlot() = default;
  ClientSlot(ClientCounts& counts, boost::asio::ip::address address) : counts_(&counts), address_(address) {}
  ClientSlot(ClientSlot&& other) noexcept : counts_(std::exchange(other.counts_, nullptr)), address_(other.address_) {}
  ClientSlot& operator=(ClientSlot&& other) noexcept {
    std::swap(counts_, other.counts_);
    std::swap(address_, other.address_);
    return *this;
  }
  ClientSlot(const ClientSlot&) = delete;
  ClientSlot& operator=(const ClientSlot&) = delete;
  ~ClientSlot() {
    if (counts_) counts_->remove(address_);
  }

 private:
  ClientCounts* counts_ = nullptr;
  boost::asio::ip::address address_;
};

/// The settings and counters every connection of one Server shares; lives as long as the Server.
struct Transport {
  Transport(ServerOptions o, const Pipeline& p, ExchangeObserver obs, ServerGauges g)
      : options(std::move(o)), pipeline(p), observer(std::move(obs)), gauges(g) {}

  ServerOptions options;
  const Pipeline& pipeline;
  ExchangeObserver observer;
  ServerGauges gauges;
  std::atomic<std::size_t> open{0};   // connections accepted and not yet closed
  ClientCounts clients;               // the same, per peer address (when options.max_connections_per_client)
  std::atomic<bool> stopping{false};  // stop() began: answer in-flight requests, then close
};

/// One I/O thread: its event loop and the connections it serves.
/// The list is declared first so it outlives the loop: destroying the loop destroys parked
/// coroutines, whose cleanup erases them from the list.
struct Loop {
  Connections connections;
  boost::asio::io_context io{1};
};

}  // namespace keel::http
