#pragma once

// Private to src/http: what the listener, the sessions and Server::stop() share.

#include <atomic>
#include <cstddef>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "http/deadlines.hpp"
#include "http/exchange.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"

namespace keel::http {

/// The settings and counters every connection of one Server shares; lives as long as the Server.
struct Transport {
  Transport(ServerOptions o, const Pipeline& p, ExchangeObserver obs, ServerGauges g)
      : options(std::move(o)), pipeline(p), observer(std::move(obs)), gauges(g) {}

  ServerOptions options;
  const Pipeline& pipeline;
  ExchangeObserver observer;
  ServerGauges gauges;
  std::atomic<std::size_t> open{0};   // connections accepted and not yet closed
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
