#include "validation/source_address.hpp"

namespace cobble::validation {

boost::system::error_code bind_source(boost::asio::ip::tcp::socket& socket,
                                      const boost::asio::ip::tcp::endpoint& target,
                                      const std::string& source) {
  boost::system::error_code ec;
  if (source.empty()) return ec;
  auto address = boost::asio::ip::make_address(source, ec);
  if (ec || address.is_v4() != target.address().is_v4()) return {};
  socket.open(target.protocol(), ec);
  if (ec) return ec;
  socket.bind(boost::asio::ip::tcp::endpoint(address, 0), ec);
  return ec;
}

}  // namespace cobble::validation
