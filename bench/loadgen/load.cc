#include "load.h"

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace flamedb::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

int64_t WallNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The shared state of a run: the timetable, the jobs and the recorder.
struct Run {
  Run(const LoadOptions& o, const RequestFactory& f, const JobSource& j)
      : options(o), factory(f), jobs(j) {}

  const LoadOptions& options;
  const RequestFactory& factory;
  const JobSource& jobs;
  asio::io_context io;
  tcp::resolver::results_type endpoints;
  Clock::time_point start, record_from, end;
  uint64_t next = 0;
  LoadResult result;

  // The next upload and its scheduled moment, or nothing once the run is over.
  std::optional<std::pair<uint64_t, Clock::time_point>> Claim() {
    Clock::time_point at = Clock::now();
    if (options.rate > 0) {
      at = start + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(static_cast<double>(next) / options.rate));
    }
    if (at >= end) return std::nullopt;
    return std::make_pair(next++, at);
  }
};

// One keep-alive connection sending uploads one after another.
class Connection {
 public:
  explicit Connection(Run& run) : run_(run), stream_(run.io), timer_(run.io) {}

  void Start() { Connect(); }

 private:
  void Connect() {
    stream_.expires_after(run_.options.timeout);
    stream_.async_connect(run_.endpoints, [this](beast::error_code ec, const tcp::endpoint&) {
      if (!ec) return Next();
      Fail(ec, /*reconnect=*/false);
      if (Clock::now() >= run_.end) return;
      timer_.expires_after(std::chrono::milliseconds(100));  // The server is not up (yet).
      timer_.async_wait([this](beast::error_code) { Connect(); });
    });
  }

  void Next() {
    auto claim = run_.Claim();
    if (!claim) return;  // The run is over: this connection stops.
    n_ = claim->first;
    scheduled_ = claim->second;
    if (scheduled_ <= Clock::now()) return Send();
    timer_.expires_at(scheduled_);
    timer_.async_wait([this](beast::error_code) { Send(); });
  }

  void Send() {
    job_ = run_.jobs(n_);
    run_.factory.Build(*job_.series, job_.payload, WallNanos(), request_);
    ++run_.result.sent;
    const std::array<asio::const_buffer, 2> buffers = {asio::buffer(request_.head),
                                                       asio::buffer(request_.body)};
    stream_.expires_after(run_.options.timeout);
    asio::async_write(stream_, buffers, [this](beast::error_code ec, size_t) {
      if (ec) return Fail(ec, true);
      response_.emplace();
      response_->body_limit(1 << 20);
      http::async_read(stream_, buffer_, *response_, [this](beast::error_code ec, size_t) {
        if (ec) return Fail(ec, true);
        Record(response_->get().result_int());
        if (!response_->keep_alive()) return Reconnect();
        Next();
      });
    });
  }

  bool Recorded() const { return scheduled_ >= run_.record_from; }

  void Record(int status) {
    if (!Recorded()) return;
    Recorder& r = run_.result.recorder;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - scheduled_);
    r.latencies_us.push_back(static_cast<uint32_t>(us.count()));
    r.latencies_by_second_us[std::chrono::duration_cast<std::chrono::seconds>(
                                 scheduled_ - run_.record_from)
                                 .count()]
        .push_back(static_cast<uint32_t>(us.count()));
    const Payload& payload = run_.factory.payload(job_.payload);
    r.latencies_by_kind_us[std::string(ShapeName(job_.series->shape)) + " " +
                           (payload.runtime == Runtime::kNode ? "node " : "go ") + payload.kind]
        .push_back(static_cast<uint32_t>(us.count()));
    ++r.by_status[status];
    if (status < 200 || status >= 300) return;
    const Payload& p = payload;
    ++r.acked;
    r.acked_gz_bytes += static_cast<int64_t>(p.gz.size());
    r.acked_raw_bytes += p.uncompressed_bytes;
    r.acked_samples += p.samples;
    ++r.acked_by_shape[std::string(ShapeName(job_.series->shape))];
  }

  // A transport error: counted, then the connection starts over on a fresh socket.
  void Fail(beast::error_code ec, bool reconnect) {
    if (Recorded() && n_ != kNone) {
      ++run_.result.recorder.by_status[0];
      ++run_.result.recorder.transport_errors[ec.message()];
    }
    n_ = kNone;
    if (reconnect && Clock::now() < run_.end) Reconnect();
  }

  void Reconnect() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    Connect();
  }

  static constexpr uint64_t kNone = ~uint64_t{0};
  Run& run_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> response_;
  Request request_;
  Job job_;
  uint64_t n_ = kNone;
  Clock::time_point scheduled_;
};

// Samples the server's and our own /proc figures every 250 ms of the recorded window.
void Sample(Run& run, asio::steady_timer& timer) {
  timer.expires_after(std::chrono::milliseconds(250));
  timer.async_wait([&run, &timer](beast::error_code ec) {
    if (ec) return;
    const auto now = Clock::now();
    if (now >= run.record_from) {
      if (run.options.server_pid > 0) run.result.server.Add(ReadProc(run.options.server_pid));
      run.result.self.Add(ReadProc(0));
      run.result.machine.Add(ReadMachine());
    }
    if (now < run.end) Sample(run, timer);
  });
}

}  // namespace

LoadResult RunLoad(const LoadOptions& options, const RequestFactory& factory,
                   const JobSource& jobs) {
  Run run{options, factory, jobs};
  tcp::resolver resolver(run.io);
  beast::error_code ec;
  run.endpoints = resolver.resolve(options.host, options.port, ec);
  if (ec) {
    ++run.result.recorder.transport_errors["resolve " + options.host + ": " + ec.message()];
    return std::move(run.result);
  }
  run.start = Clock::now();
  run.record_from = run.start + options.warmup;
  run.result.recorded_from =
      std::chrono::system_clock::now() +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(options.warmup);
  run.end = run.record_from + options.duration;
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    connections.push_back(std::make_unique<Connection>(run));
    connections.back()->Start();
  }
  asio::steady_timer sampler(run.io);
  Sample(run, sampler);
  run.io.run();
  run.result.measured_seconds =
      std::chrono::duration<double>(std::min(Clock::now(), run.end) - run.record_from).count();
  return std::move(run.result);
}

}  // namespace flamedb::loadgen
