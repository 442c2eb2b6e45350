#include "mail/eml_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mail/smtp_sender.hpp"

namespace keel::mail {
namespace {

SendFailed write_failed(const std::filesystem::path& path, const char* what) {
  return SendFailed(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno)), false);
}

}  // namespace

EmlWriter::EmlWriter(std::filesystem::path folder) : folder_(std::move(folder)) {}

std::string EmlWriter::where() const { return folder_.string(); }

void EmlWriter::send(const std::string&, const std::string& message) {
  if (::mkdir(folder_.c_str(), 0700) != 0 && errno != EEXIST) throw write_failed(folder_, "create");
  const auto now = std::chrono::system_clock::now();
  const std::int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::string name = fmt::format("{:013d}-{:d}-{:04d}.eml", ms, ::getpid(), counter_++ % 10000);
  const std::filesystem::path path = folder_ / name;
  const std::filesystem::path partial = folder_ / ("." + name + ".partial");
  // 0600 from the start: the file holds a link that signs its reader in as the recipient.
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw write_failed(partial, "create");
  std::size_t done = 0;
  while (done < message.size()) {
    const ssize_t n = ::write(fd, message.data() + done, message.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(partial.c_str());
      throw write_failed(partial, "write");
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  if (::close(fd) != 0 || !synced) {
    ::unlink(partial.c_str());
    throw write_failed(partial, "write");
  }
  if (::rename(partial.c_str(), path.c_str()) != 0) {
    ::unlink(partial.c_str());
    throw write_failed(path, "rename into");
  }
  spdlog::info("mail: wrote {} (no SMTP_URL: mail is kept as files in development)", path.string());
}

}  // namespace keel::mail
